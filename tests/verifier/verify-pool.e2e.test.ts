import { execFile } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { openBundleSource } from '../../oracle/bundles.ts';
import { readAttestationEvents, readPool } from '../../oracle/chain.ts';
import { runEpochJob } from '../../oracle/epoch-job.ts';
import { epochBounds } from '../../oracle/epochs.ts';
import { verifyPool } from '../../verifier/verify-pool.ts';
import { MemoryReadingSource, makeDevices, nextReading } from '../oracle/support/fleet.ts';
import {
  oracleContext,
  publicClientFor,
  registerOnChain,
  tempDir,
  useTestChain,
} from '../oracle/support/harness.ts';

/**
 * The verifier's root-chain, epoch-order and proof checks failing end to end on real chain data (anvil, the real
 * contracts, real proofs of the circuits' test instances). The attestation registry refuses any batch whose old
 * root is not the current root and any epoch out of order, so a gap cannot exist on-chain; what an investor can
 * meet is an incomplete view of it: an event history that starts late (an RPC node that pruned old logs, a wrong
 * start block) or a bundle directory missing a batch. Both must fail, naming what is missing.
 */
const poolId = 1;
const dataDir = tempDir('verify-gap');

const chain = useTestChain(1, 4);
beforeAll(async () => {
  const devices = makeDevices('gap', 3);
  await registerOnChain(chain.rpcUrl, chain.deployment, poolId, devices);
  const source = new MemoryReadingSource();
  source.addDevices(devices);
  const pool = chain.deployment.pools[0]!;
  const schedule = { poolId, genesisTs: pool.genesisTs, epochLengthS: pool.epochLengthS };
  for (const epoch of [1, 2]) {
    const { startTs } = epochBounds(schedule, epoch);
    devices.forEach((d, i) => {
      source.add(nextReading(d, poolId, startTs + 100 * (i + 1), 10_000));
    });
  }
  const ctx = await oracleContext({
    chain,
    dataDir,
    readings: source,
  });
  try {
    for (const epoch of [1, 2]) await runEpochJob(ctx, schedule, epoch);
  } finally {
    ctx.close();
  }
}, 600_000);

const contracts = () => ({
  poolRegistry: chain.deployment.contracts.poolRegistry,
  attestationRegistry: chain.deployment.contracts.attestationRegistry,
});
const bundlesDir = () => join(dataDir, 'bundles', 'public');
const failures = (report: Awaited<ReturnType<typeof verifyPool>>) =>
  report.findings.filter((f) => !f.ok).map((f) => `${f.check} | ${f.subject} | ${f.message}`);
const verify = (options: { fromBlock?: bigint; bundles?: string }) =>
  verifyPool({
    publicClient: publicClientFor(chain.rpcUrl),
    contracts: contracts(),
    poolId,
    feed: chain.deployment.pools[0]!.feed,
    bundles: openBundleSource(options.bundles ?? bundlesDir()),
    fromBlock: options.fromBlock,
  });

/** Runs the verifier CLI in a child process (asynchronously: anvil answers from this process's children). */
async function runCli(args: string[]): Promise<{ status: number; stdout: string }> {
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'verifier/cli.ts', ...args],
      { timeout: 180_000 },
    );
    return { status: 0, stdout };
  } catch (error) {
    const e = error as { code?: number; stdout?: string };
    return { status: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '' };
  }
}

describe('verifier on an incomplete view of real chain data', () => {
  it('passes on the whole history (control)', async () => {
    const report = await verify({});
    expect(failures(report)).toEqual([]);
    // 2 registration batches (R = 2, 3 devices) and 3 + 3 epoch batches (B = 1)
    expect(report.findings.filter((f) => f.check === 'proof')).toHaveLength(8);
    expect(report.findings.find((f) => f.check === 'root-chain')?.message).toMatch(
      /^one unbroken chain of state roots from the empty root/,
    );
  }, 300_000);

  it('fails, naming the gap, when the event history starts after the first registration', async () => {
    const client = publicClientFor(chain.rpcUrl);
    const events = await readAttestationEvents(client, contracts(), poolId);
    const registrations = events.filter((e) => e.kind === 'registration');
    expect(registrations.map((e) => `${e.oldCount}->${e.newCount}`)).toEqual(['0->2', '2->3']);
    // every registration and batch is in its own block (automine): starting at the second one hides the first
    const second = registrations[1]!;
    expect(second.blockNumber).toBeGreaterThan(registrations[0]!.blockNumber);
    const pool = await readPool(client, contracts(), poolId);
    const report = await verify({ fromBlock: second.blockNumber });
    expect(failures(report)).toEqual([
      `root-chain | registration 2->3 | gap or fork in the root chain: starts from ${second.oldRoot} but the attested root was ${pool.emptyRoot}`,
    ]);
  }, 300_000);

  it('fails, naming the missing epoch and batches, when the history starts inside epoch 2', async () => {
    const client = publicClientFor(chain.rpcUrl);
    const events = await readAttestationEvents(client, contracts(), poolId);
    const epoch2 = events.filter((e) => e.kind === 'batch' && e.epoch === 2);
    const firstVisible = epoch2[1]!; // epoch 2 batch 1: batch 0, epoch 1 and the registrations are not seen
    if (firstVisible.kind !== 'batch') throw new Error('not a batch');
    const pool = await readPool(client, contracts(), poolId);
    const report = await verify({ fromBlock: firstVisible.blockNumber });
    expect(failures(report)).toEqual([
      `root-chain | epoch 2 batch 1 | gap or fork in the root chain: starts from ${firstVisible.oldRoot} but the attested root was ${pool.emptyRoot}`,
      'batch-order | epoch 2 batch 1 | expected epoch 1 batch 0',
      'batch-order | epoch 2 batch 2 | expected epoch 1 batch 1',
      'epoch-order | epoch 2 finalisation | gap in epochs: epoch 2 finalised after epoch 0',
      expect.stringMatching(
        /^totals \| epoch 2 finalisation \| finalised totals \(batches 3, revenue 3000, energy 30000, reporting 3\) differ from the batches' \(2, 2000, 20000, 2\)$/,
      ),
      // epoch 2's feed answer is then not backed by the batches seen
      expect.stringMatching(/^feed \| feed round 2 \| feed answer 3000 .* proven revenue 2000/),
    ]);

    // the CLI: exit 1, the last line names the gap
    const cli = await runCli([
      '--rpc',
      chain.rpcUrl,
      '--pool',
      String(poolId),
      '--bundles',
      bundlesDir(),
      '--pool-registry',
      chain.deployment.contracts.poolRegistry,
      '--attestation-registry',
      chain.deployment.contracts.attestationRegistry,
      '--from-block',
      String(firstVisible.blockNumber),
    ]);
    expect(cli.status).toBe(1);
    expect(cli.stdout.trim().split('\n').at(-1)).toBe(
      `NOT VERIFIED: 5 of ${cli.stdout.trim().split('\n').length - 2} checks failed; first: root-chain epoch 2 batch 1: gap or fork in the root chain: starts from ${firstVisible.oldRoot} but the attested root was ${pool.emptyRoot}`,
    );
  }, 300_000);

  it('fails, naming each missing bundle, when the bundle directory lacks a batch', async () => {
    const copy = tempDir('verify-gap-bundles');
    cpSync(bundlesDir(), copy, { recursive: true });
    rmSync(join(copy, 'pool-1', 'epoch-2', 'batch-1.json'));
    rmSync(join(copy, 'pool-1', 'registration', 'count-2.json'));
    const report = await verify({ bundles: copy });
    expect(failures(report)).toEqual([
      `proof | registration 0->2 | proof bundle missing from ${copy}`,
      `proof | epoch 2 batch 1 | proof bundle missing from ${copy}`,
      // the feed round follows from the missing batch, which it names
      'feed | feed round 2 | feed round 2 not backed: batch 1 of epoch 2 has no proof bundle',
    ]);
    // the root chain itself is whole: the chain's events, not the bundles, carry it
    expect(report.findings.find((f) => f.check === 'root-chain')?.ok).toBe(true);
  }, 300_000);
});
