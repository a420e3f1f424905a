import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../broker/embedded.ts';
import { createBrokerAuth } from '../../gateway/broker-auth.ts';
import { type GatewayHandle, startGateway } from '../../gateway/index.ts';
import { publicRecord } from '../../protocol/index.ts';
import { parseFleetConfig } from '../../simulator/config.ts';
import { buildFleet } from '../../simulator/fleet.ts';
import { loadOrCreateFleetKeys } from '../../simulator/keys.ts';
import { GATEWAY_ACCOUNT, tempDir, testConfig, waitFor } from '../gateway/support.ts';

/** Runs `simulator/cli.ts` as `npm run simulate` does; resolves with its exit code and output. */
function simulate(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'simulator/cli.ts', ...args], {
      cwd: join(import.meta.dirname, '..', '..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run simulate with its default clock against a gateway on the wall clock', () => {
  let broker: EmbeddedBroker;
  let gateway: GatewayHandle;
  let keysFile: string;

  beforeAll(async () => {
    const dir = tempDir('sim-gateway-clock-');
    keysFile = join(dir, 'fleet.keys.json');
    // the fleet of `--ev 2 --pv 1`, its keys written and registered before the simulator runs
    const devices = buildFleet(
      parseFleetConfig({ pools: [{ poolId: 1, ev: { piles: 2 }, pv: { sites: 1 } }] }),
    );
    const keys = loadOrCreateFleetKeys('unused', devices, keysFile, 'random');
    broker = await startEmbeddedBroker(
      createBrokerAuth(() => gateway?.registry, { services: [GATEWAY_ACCOUNT] }),
    );
    // the gateway's default timestamp window (validation.maxClockSkewS 300 s), its clock the wall clock
    gateway = await startGateway(testConfig(broker.url, dir));
    await gateway.registry.addPool({
      poolId: 1,
      currency: 'CNY',
      decimals: 2,
      maxTariffMinorPerKwh: 190n,
      epochLengthS: 3600,
      genesisTs: Math.floor(Date.now() / 1000 / 3600) * 3600 - 3600,
    });
    await gateway.registry.registerDevices([...keys.values()].map((key) => publicRecord(key)));
  }, 60_000);

  afterAll(async () => {
    await gateway?.close();
    await broker?.close();
  });

  it('publishes readings the gateway accepts, none quarantined for clock skew', async () => {
    const run = await simulate([
      '--broker',
      broker.url,
      '--keys',
      keysFile,
      '--ev',
      '2',
      '--pv',
      '1',
      '--duration',
      '12s',
      '--interval',
      '4s',
      '--json',
      '--quiet',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary.run.acked).toBeGreaterThanOrEqual(6);
    await waitFor(
      () => gateway.counts().received === summary.run.acked,
      'every reading at the gateway',
      30_000,
    );
    await gateway.drain();
    expect(await gateway.quarantine.countByReason()).toEqual({});
    expect(gateway.counts().accepted).toBe(summary.run.acked);
  }, 90_000);
});
