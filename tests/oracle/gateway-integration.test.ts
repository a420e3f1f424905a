import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../broker/embedded.ts';
import { poolRegistryAbi } from '../../contracts/abis.ts';
import { ANVIL_FIRST_TEST_KEY, createChainClients, writeAndWait } from '../../contracts/chain.ts';
import { type GatewayHandle, startGateway } from '../../gateway/index.ts';
import { epochBounds } from '../../oracle/epochs.ts';
import { runEpochJob } from '../../oracle/epoch-job.ts';
import { syncRegistry } from '../../oracle/registry-sync.ts';
import { type OracleEvent, startOracle } from '../../oracle/service.ts';
import { gatewayReadingSource } from '../../oracle/sources.ts';
import { keyHash, serializeReading, topicFor } from '../../protocol/index.ts';
import {
  connectClient,
  makeDevice,
  publish,
  registrationOf,
  signed,
  tempDir as gatewayTempDir,
  testConfig,
  waitFor,
} from '../gateway/support.ts';
import { capturedLogger } from '../lib/log-capture.ts';
import { makeDevices } from './support/fleet.ts';
import { oracleContext, publicClientFor, registerOnChain, tempDir, useTestChain } from './support/harness.ts';

/** The value of one sample (`name{labels} value`) of a Prometheus text exposition; undefined when absent. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const prefix = labels === '' ? `${name} ` : `${name}{${labels}} `;
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : Number(line.slice(prefix.length));
}

/** The oracle against the real gateway (embedded broker, DuckDB ledger and registry) and the real contracts. */
let broker: EmbeddedBroker;
let gateway: GatewayHandle;
let gatewayNowS = 0;

const chain = useTestChain(1, 6);
beforeAll(async () => {
  broker = await startEmbeddedBroker();
  gateway = await startGateway(testConfig(broker.url, gatewayTempDir()), {
    now: () => gatewayNowS * 1000,
    timeSeries: null,
  });
});
afterAll(async () => {
  await gateway?.close();
  await broker?.close();
});

describe('oracle with the gateway', () => {
  const devices = ['dev-0', 'dev-1', 'dev-2'].map((id) => makeDevice(id, { poolId: 1 }));
  const oracleDir = tempDir('gateway');
  const contracts = () => ({
    poolRegistry: chain.deployment.contracts.poolRegistry,
    attestationRegistry: chain.deployment.contracts.attestationRegistry,
  });

  it('keeps the gateway registry in step with the chain and reports what needs the operator', async () => {
    const publicClient = publicClientFor(chain.rpcUrl);
    const first = await syncRegistry({ publicClient, contracts: contracts(), registry: gateway.registry });
    expect(first.poolsAdded).toEqual([1]);
    expect(gateway.registry.getPool(1)).toMatchObject({
      currency: 'CNY',
      decimals: 2,
      maxTariffMinorPerKwh: 190n,
    });
    await gateway.registry.registerDevices(devices.map(registrationOf));
    // on-chain: dev-0, dev-1 and a key the gateway does not know; dev-2 is never registered on-chain
    const stranger = makeDevices('stranger', 1);
    await registerOnChain(chain.rpcUrl, chain.deployment, 1, [
      { ...stranger[0]!, publicKey: devices[0]!.publicKey },
      { ...stranger[0]!, publicKey: devices[1]!.publicKey },
      stranger[0]!,
    ]);
    const clients = createChainClients({
      rpcUrl: chain.rpcUrl,
      chainId: 31337,
      privateKey: ANVIL_FIRST_TEST_KEY,
    });
    await writeAndWait(clients, {
      address: chain.deployment.contracts.poolRegistry,
      abi: poolRegistryAbi,
      functionName: 'deactivateDevice',
      args: [keyHash(devices[1]!.publicKey)],
    });
    const second = await syncRegistry({ publicClient, contracts: contracts(), registry: gateway.registry });
    expect(second.poolsAdded).toEqual([]);
    expect(second.poolMismatches).toEqual([]);
    expect(second.devicesDeactivated).toEqual(['dev-1']);
    expect(gateway.registry.getDevice('dev-1')?.active).toBe(false);
    expect(second.unknownToGateway).toEqual([
      { poolId: 1, slot: 2, keyHash: keyHash(stranger[0]!.publicKey).toString() },
    ]);
    expect(second.notOnChain).toEqual([{ poolId: 1, deviceId: 'dev-2' }]);
    const third = await syncRegistry({ publicClient, contracts: contracts(), registry: gateway.registry });
    expect(third.devicesDeactivated).toEqual([]);
  }, 600_000);

  it('proves epochs from the closing readings in the gateway ledger', async () => {
    const pool = chain.deployment.pools[0]!;
    const schedule = { poolId: 1, genesisTs: pool.genesisTs, epochLengthS: pool.epochLengthS };
    const client = await connectClient(broker.url, { clientId: 'oracle-test-publisher' });
    // dev-0 reports twice per epoch (the later one closes it; 5 kWh in 300 s is within 120 kW); dev-2 reports but is
    // not on-chain
    let seq = 0;
    let energyWh = 0;
    let published = 0;
    for (const epoch of [1, 2]) {
      const { startTs } = epochBounds(schedule, epoch);
      for (const offsetS of [100, 400]) {
        seq++;
        energyWh += 5_000;
        for (const device of [devices[0]!, devices[2]!]) {
          const reading = signed(device, {
            seq,
            ts: startTs + offsetS,
            energyWh,
            revenueMinor: energyWh / 10,
          });
          gatewayNowS = reading.ts + 1;
          await publish(client, topicFor(1, device.deviceId), serializeReading(reading));
          published++;
          // the broker's PUBACK precedes delivery to the gateway: wait until the reading is in the ledger
          await waitFor(
            async () => (await gateway.ledger.count(1)) === published,
            `reading ${published} in the ledger`,
          );
        }
      }
    }
    client.end(true);
    expect(await gateway.ledger.count(1)).toBe(8);
    const ctx = await oracleContext({
      chain,
      dataDir: oracleDir,
      readings: gatewayReadingSource(gateway.ledger, gateway.registry),
    });
    try {
      const epoch1 = await runEpochJob(ctx, schedule, 1);
      expect(epoch1).toMatchObject({
        registrationBatches: 2,
        epochBatches: 1,
        reportingCount: 1,
        unregistered: ['dev-2'],
      });
      expect(epoch1.totalRevenueMinor).toBe(0n); // baseline
      const epoch2 = await runEpochJob(ctx, schedule, 2);
      // from the closing reading of epoch 1 (10 kWh) to that of epoch 2 (20 kWh) at 100 fen/kWh
      expect(epoch2).toMatchObject({
        epochBatches: 1,
        reportingCount: 1,
        totalRevenueMinor: 1000n,
        totalEnergyWh: 10_000n,
      });
      const bundle = ctx.bundles.readPrivate<{ readings: Array<{ reading: { seq: number } }> }>({
        kind: 'epoch',
        poolId: 1,
        epoch: 2,
        batchIndex: 0,
      });
      expect(bundle?.readings.map((r) => r.reading.seq)).toEqual([4]);
    } finally {
      ctx.close();
    }
  }, 600_000);

  it('startOracle resumes from its data directory, closes the next epoch and serves its bundles', async () => {
    const pool = chain.deployment.pools[0]!;
    const schedule = { poolId: 1, genesisTs: pool.genesisTs, epochLengthS: pool.epochLengthS };
    const { startTs, endTs } = epochBounds(schedule, 3);
    const client = await connectClient(broker.url, { clientId: 'oracle-test-publisher-2' });
    const reading = signed(devices[0]!, { seq: 5, ts: startTs + 100, energyWh: 25_000, revenueMinor: 2_500 });
    gatewayNowS = reading.ts + 1;
    await publish(client, topicFor(1, 'dev-0'), serializeReading(reading));
    await waitFor(async () => (await gateway.ledger.count(1)) === 9, 'the epoch 3 reading in the ledger');
    client.end(true);
    const events: OracleEvent[] = [];
    const log = capturedLogger();
    const oracle = await startOracle(
      {
        rpcUrl: chain.rpcUrl,
        privateKey: ANVIL_FIRST_TEST_KEY,
        deployment: chain.deployment,
        dataDir: oracleDir,
        proverConcurrency: 2,
        graceS: 60,
        registrySync: { registry: gateway.registry, intervalMs: 60_000 },
      },
      {
        readings: gatewayReadingSource(gateway.ledger, gateway.registry),
        clock: { nowS: () => endTs + 60 },
        onEvent: (event) => events.push(event),
        logger: log.logger,
      },
    );
    try {
      await oracle.tick();
      const outcomes = events.filter((e) => e.type === 'epoch:outcome').map((e) => e.outcome);
      expect(outcomes.map((o) => [o.epoch, o.totalRevenueMinor])).toEqual([[3, 500n]]);
      expect(events.some((e) => e.type === 'registry-sync')).toBe(true);
      expect(events.some((e) => e.type === 'prover' && e.progress.type === 'finished')).toBe(true);
      const response = await fetch(`${oracle.bundleServer!.url}/pool-1/epoch-3/batch-0.json`);
      expect(response.status).toBe(200);
      const bundle = (await response.json()) as { publicSignals: string[]; txHash?: string };
      expect(bundle.publicSignals[8]).toBe('500');
      expect(bundle.txHash).toMatch(/^0x[0-9a-f]{64}$/);
      expect((await fetch(`${oracle.bundleServer!.url}/../private/pool-1/epoch-3/batch-0.json`)).status).toBe(
        404,
      );
      // the gateway's API serves the oracle's epoch views once attached (as oracle/cli.ts run does)
      gateway.attachAttestations(oracle.attestationViews);
      const view = (await (await fetch(`${gateway.apiUrl}/pools/1/epochs/3`)).json()) as {
        status: string;
        totals: { revenueMinor: string };
        batches: Array<{ bundleUrl: string; txHash: string }>;
        verification: { status: string };
      };
      expect(view).toMatchObject({
        status: 'finalised',
        totals: { revenueMinor: '500' },
        verification: { status: 'verified' },
      });
      expect(view.batches).toEqual([
        expect.objectContaining({
          bundleUrl: `${oracle.bundleServer!.url}/pool-1/epoch-3/batch-0.json`,
          txHash: bundle.txHash,
        }),
      ]);
      const list = (await (await fetch(`${gateway.apiUrl}/pools/1/epochs`)).json()) as {
        epochs: Array<{ epoch: number; status: string }>;
      };
      expect(list.epochs.slice(0, 3).map((e) => e.status)).toEqual(['finalised', 'finalised', 'finalised']);

      // Prometheus metrics of the epoch run, on the bundle server's port
      const scrape = await fetch(oracle.bundleServer!.metricsUrl!);
      expect(scrape.status).toBe(200);
      expect(scrape.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      const metrics = await scrape.text();
      expect(sample(metrics, 'oracle_proofs_made_total', 'circuit="epoch"')).toBeGreaterThan(0);
      expect(sample(metrics, 'oracle_proofs_failed_total', 'circuit="epoch"') ?? 0).toBe(0);
      expect(sample(metrics, 'oracle_proof_seconds_count', 'circuit="epoch"')).toBeGreaterThan(0);
      for (const stage of ['select', 'plan', 'prove', 'post', 'finalise'])
        expect(sample(metrics, 'oracle_epoch_stage_seconds_count', `stage="${stage}"`)).toBe(1);
      expect(sample(metrics, 'oracle_epoch_stage_seconds_sum', 'stage="prove"')).toBeGreaterThan(0);
      expect(sample(metrics, 'oracle_transactions_sent_total', 'function="submitBatch"')).toBeGreaterThan(0);
      expect(sample(metrics, 'oracle_transactions_sent_total', 'function="finalizeEpoch"')).toBe(1);
      expect(sample(metrics, 'oracle_epoch_finalised', 'pool="1"')).toBe(3);
      expect(sample(metrics, 'oracle_epoch_current', 'pool="1"')).toBe(3);
      expect(sample(metrics, 'oracle_process_resident_memory_bytes')).toBeGreaterThan(0);
      expect((await fetch(`${oracle.bundleServer!.url}/../metrics`, { method: 'POST' })).status).toBe(405);

      // one structured logger, a child per component
      const components = new Set(log.lines.map((l) => l.component));
      for (const component of ['scheduler', 'epoch-job', 'prover-pool', 'tx-sender'])
        expect(components, component).toContain(component);
      expect(log.lines).toContainEqual(
        expect.objectContaining({ component: 'epoch-job', msg: 'epoch finalised', poolId: 1, epoch: 3 }),
      );
    } finally {
      gateway.attachAttestations(undefined);
      await oracle.stop();
    }
  }, 600_000);
});
