import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../broker/embedded.ts';
import { buildGatewayProgram } from '../../gateway/cli.ts';
import { type GatewayHandle, startGateway } from '../../gateway/index.ts';
import { publicRecord, writeFleetKeyFile } from '../../protocol/index.ts';
import { runProgram, runScript } from '../support/cli.ts';
import { makeDevice, POOL_1, tempDir, testConfig } from './support.ts';

const cli = (args: string[]) => runProgram(buildGatewayProgram, args);

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

    // Pool 2 does not exist: a typed error, exit 1, with its message and no stack trace.
    const refused = await cli(['register', '--ledger', ledger, '--keys', keys, '--pool', '2']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('pool 2 is not registered');
    expect(refused.stderr).not.toMatch(/\n\s+at /);

    const again = await cli(['register', '--ledger', ledger, '--keys', keys, '--pool', '1']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already registered');

    const off = await cli(['device', 'deactivate', '--ledger', ledger, '--device', 'ev-2']);
    expect(JSON.parse(off.stdout)).toMatchObject({ deviceId: 'ev-2', active: false });

    const listed = await cli(['devices', '--ledger', ledger]);
    const rows = JSON.parse(listed.stdout) as Array<{ deviceId: string; registrationIndex: number }>;
    expect(rows.map((r) => [r.deviceId, r.registrationIndex])).toEqual([
      ['ev-1', 1],
      ['ev-2', 2],
    ]);
    expect(listed.stdout).not.toContain(devices[0]?.privateKey);
    expect(listed.stdout).not.toContain(devices[0]?.mqttPassword);

    const quarantine = await cli(['quarantine', 'list', '--ledger', ledger, '--reason', 'SIGNATURE_INVALID']);
    expect(quarantine.code, quarantine.stderr).toBe(0);
    expect(JSON.parse(quarantine.stdout)).toEqual([]);
  }, 60_000);

  it('prints help on the program and every command (exit 0)', async () => {
    const root = await runScript('gateway/cli.ts', ['--help']);
    expect(root.code, root.stderr).toBe(0);
    for (const command of [
      'serve',
      'pool',
      'register',
      'device',
      'devices',
      'readings',
      'closing',
      'quarantine',
      'broker-files',
    ])
      expect(root.stdout).toContain(command);
    const commands = [
      ['serve'],
      ['pool'],
      ['pool', 'add'],
      ['register'],
      ['device', 'activate'],
      ['device', 'deactivate'],
      ['devices'],
      ['readings'],
      ['closing'],
      ['quarantine', 'list'],
      ['broker-files'],
    ];
    for (const command of commands) {
      const help = await cli([...command, '--help']);
      expect(help.code, command.join(' ')).toBe(0);
      expect(help.stdout).toContain(`Usage: gateway ${command.join(' ')}`);
    }
  });

  it('exits 2 on usage errors: unknown reason code, malformed number, no ledger, unknown command', async () => {
    const badReason = await cli(['quarantine', 'list', '--ledger', 'x.duckdb', '--reason', 'NOT_A_CODE']);
    expect(badReason.code).toBe(2);
    expect(badReason.stderr).toContain('SIGNATURE_INVALID');
    const badPool = await cli(['devices', '--ledger', 'x.duckdb', '--pool', '1.5']);
    expect(badPool.code).toBe(2);
    expect(badPool.stderr).toContain('expected an integer');
    const noLedger = await runScript('gateway/cli.ts', ['devices'], {
      ...process.env,
      GATEWAY_LEDGER_PATH: '',
    });
    expect(noLedger.code).toBe(2);
    expect(noLedger.stderr).toContain('no ledger file given');
    const unknown = await cli(['ledger']);
    expect(unknown.code).toBe(2);
  });

  it('serve names a wrong configuration field from a flag (exit 1)', async () => {
    const run = await cli(['serve', '--ledger', 'x.duckdb', '--mqtt-url', 'http://broker']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('mqtt.url');
    expect(run.stderr).toContain('from flag for mqtt.url');
  });

  describe('against a running gateway (--api)', () => {
    let broker: EmbeddedBroker;
    let gateway: GatewayHandle;
    beforeAll(async () => {
      broker = await startEmbeddedBroker();
      gateway = await startGateway(testConfig(broker.url, tempDir()));
      await gateway.registry.addPool(POOL_1);
      await gateway.registry.addPool({ ...POOL_1, poolId: 2 });
      await gateway.registry.registerDevices(
        [
          makeDevice('ev-1'),
          makeDevice('ev-2'),
          makeDevice('pv-9', { poolId: 2, kind: 'pv', siteId: 'pv-9' }),
        ].map(publicRecord),
      );
      await gateway.registry.setActive('ev-2', false);
    }, 60_000);
    afterAll(async () => {
      await gateway?.close();
      await broker?.close();
    });

    it('devices --api lists the devices the running gateway serves, by pool', async () => {
      const all = await cli(['devices', '--api', gateway.apiUrl]);
      expect(all.code, all.stderr).toBe(0);
      expect(
        (JSON.parse(all.stdout) as Array<{ poolId: number; deviceId: string; active: boolean }>).map((d) => [
          d.poolId,
          d.deviceId,
          d.active,
        ]),
      ).toEqual([
        [1, 'ev-1', true],
        [1, 'ev-2', false],
        [2, 'pv-9', true],
      ]);
      const pool2 = await cli(['devices', '--api', gateway.apiUrl, '--pool', '2']);
      expect((JSON.parse(pool2.stdout) as Array<{ deviceId: string }>).map((d) => d.deviceId)).toEqual([
        'pv-9',
      ]);
    });

    it('readings --api and quarantine --api ask the API; an API refusal is a typed error (exit 1)', async () => {
      const readings = await cli(['readings', '--api', gateway.apiUrl, '--device', 'ev-1']);
      expect(readings.code, readings.stderr).toBe(0);
      expect(JSON.parse(readings.stdout)).toEqual([]);
      const quarantine = await cli(['quarantine', 'list', '--api', gateway.apiUrl, '--limit', '5']);
      expect(JSON.parse(quarantine.stdout)).toEqual([]);
      const unknown = await cli(['readings', '--api', gateway.apiUrl, '--device', 'ev-404']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('HTTP 404');
      expect(unknown.stderr).toContain('device ev-404 is not registered');
      const down = await cli(['devices', '--api', 'http://127.0.0.1:9']);
      expect(down.code).toBe(1);
      expect(down.stderr).toContain('no answer from the gateway API');
      expect(down.stderr).toContain('hint:');
    });
  });
});
