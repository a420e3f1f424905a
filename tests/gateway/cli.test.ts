import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { writeFleetKeyFile } from '../../protocol/index.ts';
import { makeDevice, tempDir } from './support.ts';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const cli = (args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'gateway/cli.ts', ...args], { cwd: root }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );

describe('gateway CLI', () => {
  it('adds a pool, registers a key file, lists devices, deactivates one, and lists quarantine', async () => {
    const dir = tempDir();
    const ledger = join(dir, 'g.duckdb');
    const keys = join(dir, 'fleet.keys.json');
    const devices = [
      makeDevice('ev-1'),
      makeDevice('ev-2'),
      makeDevice('pv-9', { poolId: 2, kind: 'pv', siteId: 'pv-9' }),
    ];
    writeFleetKeyFile(keys, { version: 1, devices });

    const pool = await cli([
      'pool',
      'add',
      '--ledger',
      ledger,
      '--pool',
      '1',
      '--max-tariff',
      '190',
      '--genesis',
      '1767225600',
    ]);
    expect(pool.code, pool.stderr).toBe(0);
    expect(JSON.parse(pool.stdout)).toMatchObject({
      poolId: 1,
      currency: 'CNY',
      maxTariffMinorPerKwh: '190',
    });

    const registered = await cli(['register', '--ledger', ledger, '--keys', keys, '--pool', '1']);
    expect(registered.code, registered.stderr).toBe(0);
    expect(JSON.parse(registered.stdout)).toEqual({ registered: 2, pools: [1] });

    // Pool 2 does not exist: refused with a message that says so.
    const refused = await cli(['register', '--ledger', ledger, '--keys', keys, '--pool', '2']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('pool 2 is not registered');

    const again = await cli(['register', '--ledger', ledger, '--keys', keys, '--pool', '1']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already registered');

    const off = await cli(['device', 'deactivate', '--ledger', ledger, '--device', 'ev-2']);
    expect(JSON.parse(off.stdout)).toMatchObject({ deviceId: 'ev-2', active: false });

    const listed = await cli(['devices', '--ledger', ledger]);
    const rows = JSON.parse(listed.stdout) as Array<{
      deviceId: string;
      registrationIndex: number;
      mqttPasswordSha256: string;
    }>;
    expect(rows.map((r) => [r.deviceId, r.registrationIndex])).toEqual([
      ['ev-1', 1],
      ['ev-2', 2],
    ]);
    expect(listed.stdout).not.toContain(devices[0]?.privateKey);
    expect(listed.stdout).not.toContain(devices[0]?.mqttPassword);

    const quarantine = await cli(['quarantine', 'list', '--ledger', ledger, '--reason', 'SIGNATURE_INVALID']);
    expect(quarantine.code, quarantine.stderr).toBe(0);
    expect(JSON.parse(quarantine.stdout)).toEqual([]);
    const badReason = await cli(['quarantine', 'list', '--ledger', ledger, '--reason', 'NOT_A_CODE']);
    expect(badReason.code).toBe(1);
    expect(badReason.stderr).toContain('is not a reason code');

    const noLedger = await cli(['devices']);
    expect(noLedger.code).toBe(1);
    expect(noLedger.stderr).toContain('no ledger file given');
  }, 60_000);
});
