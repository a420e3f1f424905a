import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type DeviceKey,
  derivePublicKey,
  type FleetKeyFile,
  KeyFileError,
  publicRecord,
  readFleetKeyFile,
  writeFleetKeyFile,
} from '../../protocol/index.ts';
import { testPrivateKey } from '../../protocol/generate-test-vectors.ts';

const dir = mkdtempSync(join(tmpdir(), 'protocol-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function device(i: number, patch: Partial<DeviceKey> = {}): DeviceKey {
  const privateKey = testPrivateKey(i);
  return {
    deviceId: `ev-${String(i).padStart(4, '0')}`,
    poolId: 1,
    kind: 'ev',
    siteId: 'site-001',
    ratedPowerW: 120_000,
    privateKey,
    publicKey: derivePublicKey(privateKey),
    mqttPassword: 'ab'.repeat(16),
    ...patch,
  };
}

const fleet: FleetKeyFile = {
  version: 1,
  devices: [device(0), device(1, { kind: 'pv', siteId: 'pv-1', deviceId: 'pv-1' })],
};

describe('fleet key files', () => {
  it('write then read gives the same file, with mode 0600', () => {
    const path = join(dir, 'fleet.keys.json');
    writeFleetKeyFile(path, fleet);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFleetKeyFile(path)).toEqual(fleet);
  });

  it('publicRecord drops the secrets and hashes the MQTT password', () => {
    const record = publicRecord(fleet.devices[0]!);
    expect(record).not.toHaveProperty('privateKey');
    expect(record).not.toHaveProperty('mqttPassword');
    expect(record.mqttPasswordSha256).toBe(createHash('sha256').update('ab'.repeat(16)).digest('hex'));
    expect(record.publicKey).toEqual(fleet.devices[0]!.publicKey);
    expect(JSON.stringify(record)).not.toContain(fleet.devices[0]!.privateKey);
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ['wrong version', { ...fleet, version: 2 }, /version/],
    ['unknown top-level field', { ...fleet, extra: 1 }, /extra|Unrecognized/i],
    ['bad device id', { version: 1, devices: [device(0, { deviceId: 'EV 1' })] }, /deviceId/],
    ['bad site id', { version: 1, devices: [device(0, { siteId: '' })] }, /siteId/],
    ['bad private key', { version: 1, devices: [device(0, { privateKey: 'xyz' })] }, /privateKey/],
    [
      'uppercase private key',
      { version: 1, devices: [device(0, { privateKey: testPrivateKey(0).toUpperCase() })] },
      /privateKey/,
    ],
    ['bad mqtt password', { version: 1, devices: [device(0, { mqttPassword: 'short' })] }, /mqttPassword/],
    ['zero rated power', { version: 1, devices: [device(0, { ratedPowerW: 0 })] }, /ratedPowerW/],
    ['fractional rated power', { version: 1, devices: [device(0, { ratedPowerW: 1.5 })] }, /ratedPowerW/],
    ['kind', { version: 1, devices: [{ ...device(0), kind: 'bess' }] }, /kind/],
    [
      'unknown device field',
      { version: 1, devices: [{ ...device(0), note: 'x' }] },
      /devices\.0|note|Unrecognized/i,
    ],
    [
      'public key not matching',
      { version: 1, devices: [device(0, { publicKey: derivePublicKey(testPrivateKey(1)) })] },
      /does not match/,
    ],
    [
      'duplicate device id',
      { version: 1, devices: [device(0), device(1, { deviceId: 'ev-0000' })] },
      /twice/,
    ],
    [
      'duplicate key',
      { version: 1, devices: [device(0), device(0, { deviceId: 'ev-9' })] },
      /another device/,
    ],
  ];
  it.each(bad)('reading a file with %s fails with KeyFileError', (_name, content, message) => {
    const path = join(dir, 'bad.keys.json');
    writeFileSync(path, JSON.stringify(content));
    expect(() => readFleetKeyFile(path)).toThrow(KeyFileError);
    expect(() => readFleetKeyFile(path)).toThrow(message);
  });

  it('writing an invalid file fails and leaves nothing behind', () => {
    const path = join(dir, 'never.keys.json');
    expect(() => writeFleetKeyFile(path, { version: 1, devices: [device(0, { ratedPowerW: -1 })] })).toThrow(
      KeyFileError,
    );
    expect(() => statSync(path)).toThrow();
  });

  it('missing or non-JSON files fail with KeyFileError', () => {
    expect(() => readFleetKeyFile(join(dir, 'missing.json'))).toThrow(KeyFileError);
    const path = join(dir, 'text.keys.json');
    writeFileSync(path, 'not json');
    expect(() => readFleetKeyFile(path)).toThrow(KeyFileError);
    expect(readFileSync(path, 'utf8')).toBe('not json');
  });
});
