import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../broker/embedded.ts';
import type { EpochDetailView, EpochSummaryView } from '../../gateway/http/attestations.ts';
import { type GatewayHandle, startGateway } from '../../gateway/index.ts';
import { createAttestationViews } from '../../oracle/attestation-views.ts';
import { readPool } from '../../oracle/chain.ts';
import { type BundleServer, serveBundles } from '../../oracle/bundle-server.ts';
import { type EpochOutcome, runEpochJob } from '../../oracle/epoch-job.ts';
import { epochBounds } from '../../oracle/epochs.ts';
import type { FaultPoint } from '../../oracle/epoch-job.ts';
import { tempDir as gatewayTempDir, testConfig } from '../gateway/support.ts';
import { makeDevices, MemoryReadingSource, nextReading } from './support/fleet.ts';
import { oracleContext, publicClientFor, registerOnChain, tempDir, useTestChain } from './support/harness.ts';
import { waitFor } from '../support/wait.ts';

/**
 * The gateway's epoch and attestation routes served from the oracle's stage store, bundles and the chain: anvil,
 * the circuits' test instances (B = 1, D = 4; registration R = 2), the real contracts and the real gateway.
 */
let broker: EmbeddedBroker;
let gateway: GatewayHandle;
const EPOCHS_AGO = 4; // epochs 1-4 ended, epoch 5 open
const chain = useTestChain(1, EPOCHS_AGO);

beforeAll(async () => {
  broker = await startEmbeddedBroker();
  gateway = await startGateway(testConfig(broker.url, gatewayTempDir()), { timeSeries: null });
});
afterAll(async () => {
  await gateway?.close();
  await broker?.close();
});

async function get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${gateway.apiUrl}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('gateway epoch and attestation views', () => {
  const poolId = 1;
  const devices = makeDevices('views', 3);
  const source = new MemoryReadingSource();
  source.addDevices(devices);
  const dataDir = tempDir('views');
  const pool = () => chain.deployment.pools[0]!;
  const schedule = () => ({ poolId, genesisTs: pool().genesisTs, epochLengthS: pool().epochLengthS });
  let bundleServer: BundleServer;
  let ctx: Awaited<ReturnType<typeof oracleContext>>;
  const outcomes: EpochOutcome[] = [];
  afterAll(async () => {
    ctx?.close();
    await bundleServer?.close();
  });

  /** Every device reports 10 kWh in `epoch`, except the `offline` ones. */
  const publish = (epoch: number, offline: string[] = []) => {
    const { startTs } = epochBounds(schedule(), epoch);
    devices.forEach((d, i) => {
      const reading = nextReading(d, poolId, startTs + 100 * (i + 1), 10_000);
      if (!offline.includes(d.deviceId)) source.add(reading);
    });
  };

  it('answers 501 "no oracle attached" without a provider, and keeps the other routes', async () => {
    const answer = await get('/pools/1/epochs');
    expect(answer.status).toBe(501);
    expect(answer.body.error).toMatch(/^no oracle attached/);
    expect((await get('/pools/1/epochs/1')).status).toBe(501);
    expect((await get('/health')).status).toBe(200);
    expect((await get('/pools/1')).status).toBe(404);
  });

  it('after epochs are proved: totals, roots, transactions on the chain, served bundles, verified proofs', async () => {
    await registerOnChain(chain.rpcUrl, chain.deployment, poolId, devices);
    publish(1);
    publish(2, ['views-2']);
    ctx = await oracleContext({
      chain,
      dataDir,
      readings: source,
    });
    for (const epoch of [1, 2]) outcomes.push(await runEpochJob(ctx, schedule(), epoch));
    // the views read the stage store and bundles the jobs write (as in the running oracle, one process)
    bundleServer = await serveBundles(ctx.bundles);
    gateway.attachAttestations(
      createAttestationViews({
        publicClient: publicClientFor(chain.rpcUrl),
        contracts: ctx.contracts,
        stages: ctx.stages,
        bundles: ctx.bundles,
        schedules: [schedule()],
        bundleBaseUrl: bundleServer.url,
        proofCheckBudgetMs: 120_000, // every proof inline: the background queue is tested below
      }),
    );

    const list = await get('/pools/1/epochs');
    expect(list.status).toBe(200);
    const epochs = list.body.epochs as EpochSummaryView[];
    expect(epochs.map((e) => [e.epoch, e.status])).toEqual([
      [1, 'finalised'],
      [2, 'finalised'],
      [3, 'pending'],
      [4, 'pending'],
      [5, 'open'],
    ]);
    expect(epochs[1]).toMatchObject({
      startTs: epochBounds(schedule(), 2).startTs,
      endTs: epochBounds(schedule(), 2).endTs,
      totals: {
        energyWh: '20000',
        revenueMinor: outcomes[1]!.totalRevenueMinor.toString(),
        reportingCount: 2,
        registeredCount: 3,
        coverageBps: 6666,
        source: 'chain',
      },
      stateRoot: outcomes[1]!.root.toString(),
      batchCount: { registration: 0, epoch: 2, proved: 2, onChain: 2 },
      finalisation: { txHash: expect.stringMatching(/^0x[0-9a-f]{64}$/) },
    });
    expect(outcomes[1]!.totalRevenueMinor).toBe(2000n);
    expect(epochs[0]!.batchCount).toEqual({ registration: 2, epoch: 3, proved: 5, onChain: 5 });
    expect(epochs[0]!.totals).toMatchObject({ revenueMinor: '0', reportingCount: 3, coverageBps: 10_000 });
    expect(epochs[2]).toMatchObject({ totals: null, stateRoot: null, finalisation: null });

    const detail = (await get('/pools/1/epochs/1')).body as unknown as EpochDetailView;
    expect(detail.batches.map((b) => [b.kind, b.index, b.stage, b.proofVerified])).toEqual([
      ['registration', 2, 'confirmed', true],
      ['registration', 3, 'confirmed', true],
      ['epoch', 0, 'confirmed', true],
      ['epoch', 1, 'confirmed', true],
      ['epoch', 2, 'confirmed', true],
    ]);
    expect(detail.transactions.map((t) => `${t.kind} ${t.index}`)).toEqual([
      'registration 2',
      'registration 3',
      'epoch 0',
      'epoch 1',
      'epoch 2',
      'finalize 0',
    ]);
    expect(detail.verification).toEqual({
      finalisedOnChain: true,
      proofsChecked: 5,
      proofsValid: 5,
      proofsQueued: 0,
      status: 'verified',
      problems: [],
    });
    const chainPool = await readPool(publicClientFor(chain.rpcUrl), ctx.contracts, poolId);
    expect(detail.oldRoot).toBe(chainPool.emptyRoot.toString());
    // every transaction exists on the chain, in its block, sent to the attestation registry, and succeeded
    const client = publicClientFor(chain.rpcUrl);
    for (const tx of detail.transactions) {
      const receipt = await client.getTransactionReceipt({ hash: tx.txHash as `0x${string}` });
      expect(receipt.status).toBe('success');
      expect(receipt.blockNumber.toString()).toBe(tx.blockNumber);
      expect(receipt.to?.toLowerCase()).toBe(chain.deployment.contracts.attestationRegistry.toLowerCase());
    }
    // every bundle link serves the bundle, carrying its transaction
    for (const batch of detail.batches) {
      expect(batch.bundleUrl).toBe(`${bundleServer.url}/${batch.bundlePath}`);
      const response = await fetch(batch.bundleUrl!);
      expect(response.status).toBe(200);
      const bundle = (await response.json()) as { publicSignals: string[]; txHash: string };
      expect(bundle.txHash).toBe(batch.txHash);
      expect(bundle.publicSignals).toContain(batch.newRoot);
    }
    const detail2 = (await get('/pools/1/epochs/2')).body as unknown as EpochDetailView;
    expect(detail2.stateRoot).toBe(detail2.batches.at(-1)!.newRoot);
    expect(detail2.verification.status).toBe('verified');
  }, 600_000);

  it('checks the proofs of a large epoch in the background, a budget per request inline', async () => {
    const views = createAttestationViews({
      publicClient: publicClientFor(chain.rpcUrl),
      contracts: ctx.contracts,
      stages: ctx.stages,
      bundles: ctx.bundles,
      schedules: [schedule()],
      proofCheckBudgetMs: 0,
    });
    const first = await views.epoch(poolId, 1);
    // the first bundle inline, the other four queued
    expect(first!.batches.map((b) => b.proofVerified)).toEqual([true, null, null, null, null]);
    expect(first!.verification).toMatchObject({
      status: 'in-progress',
      proofsChecked: 1,
      proofsQueued: 4,
      finalisedOnChain: true,
    });
    expect(first!.batches.every((b) => b.bundleUrl === null)).toBe(true); // no bundle server given
    let view = first!;
    await waitFor(
      async () => {
        view = (await views.epoch(poolId, 1))!;
        return view.verification.status !== 'in-progress';
      },
      'the epoch verification to finish',
      { timeoutMs: 60_000, intervalMs: 50 },
    );
    expect(view.verification).toMatchObject({ status: 'verified', proofsValid: 5, proofsQueued: 0 });
  }, 120_000);

  it('names a bundle whose proof does not verify', async () => {
    const file = join(dataDir, 'bundles', 'public', 'pool-1', 'epoch-2', 'batch-1.json');
    const original = readFileSync(file, 'utf8');
    const bundle = JSON.parse(original);
    // two valid curve points swapped: a well-formed but false proof
    [bundle.proof.pi_a, bundle.proof.pi_c] = [bundle.proof.pi_c, bundle.proof.pi_a];
    writeFileSync(file, JSON.stringify(bundle));
    try {
      const detail = (await get('/pools/1/epochs/2')).body as unknown as EpochDetailView;
      expect(detail.batches.map((b) => b.proofVerified)).toEqual([true, false]);
      expect(detail.verification).toMatchObject({
        status: 'failed',
        proofsChecked: 2,
        proofsValid: 1,
        problems: ['epoch batch 1: the proof in pool-1/epoch-2/batch-1.json does not verify'],
      });
    } finally {
      writeFileSync(file, original);
    }
    expect(((await get('/pools/1/epochs/2')).body as unknown as EpochDetailView).verification.status).toBe(
      'verified',
    );
  }, 120_000);

  it('shows an epoch in progress at its stage: proving, posting (part on-chain), finalised', async () => {
    publish(3, ['views-0']);
    const crashAt = (wanted: (point: FaultPoint) => boolean) => (point: FaultPoint) => {
      if (wanted(point)) throw new Error(`crash at ${point.at}`);
    };
    const run = (faults?: (point: FaultPoint) => void) => runEpochJob({ ...ctx, faults }, schedule(), 3);
    const epoch3 = async () => (await get('/pools/1/epochs/3')).body as unknown as EpochDetailView;

    await expect(run(crashAt((p) => p.at === 'selected'))).rejects.toThrow('crash at selected');
    expect(await epoch3()).toMatchObject({
      status: 'proving',
      totals: null,
      stateRoot: null,
      batchCount: { registration: 0, epoch: 2, proved: 0, onChain: 0 },
      batches: [],
      transactions: [],
      verification: { status: 'in-progress', finalisedOnChain: false },
    });

    // proved, the first batch on-chain, then a crash
    await expect(
      run(crashAt((p) => p.at === 'confirmed' && p.key.kind === 'epoch' && p.key.index === 0)),
    ).rejects.toThrow('crash at confirmed');
    const posting = await epoch3();
    expect(posting).toMatchObject({
      status: 'posting',
      // views-1 10 kWh; views-2, offline in epoch 2, 20 kWh since its epoch-1 closing reading
      totals: {
        energyWh: '30000',
        revenueMinor: '3000',
        reportingCount: 2,
        coverageBps: 6666,
        source: 'proofs',
      },
      batchCount: { registration: 0, epoch: 2, proved: 2, onChain: 1 },
      finalisation: null,
      verification: { status: 'in-progress', finalisedOnChain: false, proofsValid: 2, problems: [] },
    });
    expect(posting.batches.map((b) => [b.index, b.stage, b.txHash !== null])).toEqual([
      [0, 'confirmed', true],
      [1, 'proved', false],
    ]);
    expect(posting.transactions.map((t) => `${t.kind} ${t.index}`)).toEqual(['epoch 0']);
    expect(posting.stateRoot).toBe(posting.batches[1]!.newRoot);

    const outcome = await run();
    const done = await epoch3();
    expect(done).toMatchObject({
      status: 'finalised',
      stateRoot: outcome.root.toString(),
      totals: { revenueMinor: outcome.totalRevenueMinor.toString(), source: 'chain' },
      verification: { status: 'verified', finalisedOnChain: true },
    });
    expect(done.transactions.map((t) => `${t.kind} ${t.index}`)).toEqual([
      'epoch 0',
      'epoch 1',
      'finalize 0',
    ]);
  }, 600_000);

  it('refuses bad pool and epoch parameters (400) and unknown ones (404)', async () => {
    for (const path of [
      '/pools/abc/epochs',
      '/pools/0/epochs',
      '/pools/-1/epochs',
      '/pools/99999999999/epochs',
      '/pools/1/epochs/0',
      '/pools/1/epochs/x',
      '/pools/1/epochs/1.5',
    ]) {
      const answer = await get(path);
      expect(answer.status, path).toBe(400);
      expect(answer.body.error, path).toMatch(/is not a positive integer$/);
    }
    const unknownPool = await get('/pools/9/epochs');
    expect(unknownPool).toEqual({
      status: 404,
      body: expect.objectContaining({ error: 'pool 9 is not served by the attached oracle' }),
    });
    const future = await get('/pools/1/epochs/99');
    expect(future).toEqual({
      status: 404,
      body: expect.objectContaining({ error: 'epoch 99 of pool 1 has not started' }),
    });
    // the open epoch is served, without totals
    expect((await get('/pools/1/epochs/5')).body).toMatchObject({
      status: 'open',
      totals: null,
      batches: [],
    });
    gateway.attachAttestations(undefined);
    expect((await get('/pools/1/epochs')).status).toBe(501);
  }, 120_000);
});
