import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type GatewayDb, openGatewayDb } from '../../gateway/db.ts';
import { RegistryError } from '../../gateway/errors.ts';
import { Registry } from '../../gateway/registry/registry.ts';
import { keyHash } from '../../protocol/index.ts';
import { makeDevice, POOL_1, registrationOf, tempDir } from './support.ts';
import { TORSION_POINTS } from '../../protocol/crypto/subgroup.ts';

describe('registry', () => {
  let db: GatewayDb | undefined;
  afterEach(() => {
    db?.close();
    db = undefined;
  });

  it('registers pools and devices in order, persists them and counts coverage denominators', async () => {
    const path = join(tempDir(), 'r.duckdb');
    db = await openGatewayDb(path);
    const registry = await Registry.open(db);
    await registry.addPool(POOL_1);
    await registry.addPool({ ...POOL_1, poolId: 2 });
    const a = makeDevice('ev-a', { siteId: 'st-1' });
    const b = makeDevice('ev-b', { siteId: 'st-1' });
    const c = makeDevice('pv-c', { kind: 'pv', siteId: 'pv-c', poolId: 2 });
    const records = await registry.registerDevices([a, b, c].map(registrationOf));
    expect(records.map((r) => [r.deviceId, r.registrationIndex])).toEqual([
      ['ev-a', 1],
      ['ev-b', 2],
      ['pv-c', 1],
    ]);
    expect(records[0]?.keyHash).toBe(keyHash(a.publicKey).toString());
    await registry.setActive('ev-b', false);
    db.close();
    db = await openGatewayDb(path);
    const reopened = await Registry.open(db);
    expect(reopened.getPool(1)).toEqual(POOL_1);
    expect(reopened.getDevice('ev-a')?.publicKey).toEqual(a.publicKey);
    expect(reopened.getDevice('ev-b')?.active).toBe(false);
    expect(reopened.registeredDevices(1, 'pool')).toBe(1);
    expect(reopened.registeredDevices(1, 'site', 'st-1')).toBe(1);
    expect(reopened.registeredDevices(2, 'device', 'pv-c')).toBe(1);
    expect(reopened.registeredDevices(1, 'device', 'pv-c')).toBe(0);
    const d = makeDevice('ev-d');
    const [recordD] = await reopened.registerDevices([registrationOf(d)]);
    expect(recordD?.registrationIndex).toBe(3);
  });

  it('refuses an unknown pool, a taken device id, a key already registered (double financing) and bad fields', async () => {
    db = await openGatewayDb(join(tempDir(), 'r.duckdb'));
    const registry = await Registry.open(db);
    await registry.addPool(POOL_1);
    await registry.addPool({ ...POOL_1, poolId: 2 });
    const a = makeDevice('ev-a');
    await registry.registerDevices([registrationOf(a)]);
    await expect(
      registry.registerDevices([registrationOf(makeDevice('ev-z', { poolId: 9 }))]),
    ).rejects.toThrow(/pool 9 is not registered/);
    await expect(registry.registerDevices([registrationOf(makeDevice('ev-a'))])).rejects.toThrow(
      /already registered/,
    );
    const sameKeyOtherPool = { ...registrationOf(a), deviceId: 'ev-copy', poolId: 2 };
    await expect(registry.registerDevices([sameKeyOtherPool])).rejects.toThrow(
      /public key is already registered/,
    );
    await expect(registry.registerDevices([{ ...registrationOf(makeDevice('Bad_Id')) }])).rejects.toThrow(
      RegistryError,
    );
    await expect(
      registry.registerDevices([{ ...registrationOf(makeDevice('ev-r')), ratedPowerW: 0 }]),
    ).rejects.toThrow(/ratedPowerW/);
    await expect(
      registry.registerDevices([{ ...registrationOf(makeDevice('ev-s')), mqttPasswordSha256: 'abc' }]),
    ).rejects.toThrow(/mqttPasswordSha256/);
    // A small-order key (order 8: any signature would verify) and a point off the curve.
    const order8 = { Ax: TORSION_POINTS[1]!.x.toString(), Ay: TORSION_POINTS[1]!.y.toString() };
    await expect(
      registry.registerDevices([{ ...registrationOf(makeDevice('ev-t')), publicKey: order8 }]),
    ).rejects.toThrow(/not a usable Baby Jubjub key/);
    const offCurve = { Ax: a.publicKey.Ax, Ay: (BigInt(a.publicKey.Ay) + 1n).toString() };
    await expect(
      registry.registerDevices([{ ...registrationOf(makeDevice('ev-u')), publicKey: offCurve }]),
    ).rejects.toThrow(/not a usable Baby Jubjub key/);
    // All or none: a batch with one bad entry registers nothing.
    await expect(
      registry.registerDevices([registrationOf(makeDevice('ev-ok')), registrationOf(makeDevice('ev-a'))]),
    ).rejects.toThrow(RegistryError);
    expect(registry.getDevice('ev-ok')).toBeUndefined();
    await expect(registry.addPool(POOL_1)).rejects.toThrow(/already registered/);
    await expect(registry.addPool({ ...POOL_1, poolId: 3, maxTariffMinorPerKwh: 0n })).rejects.toThrow(
      /maxTariff/,
    );
    await expect(registry.addPool({ ...POOL_1, poolId: 4, currency: 'cny' })).rejects.toThrow(/currency/);
  });
});
