import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { revenueShareTokenAbi, testStablecoinAbi } from '../../contracts/abis.ts';
import { ANVIL_FIRST_TEST_KEY, createChainClients, writeAndWait } from '../../contracts/chain.ts';
import { serveBundles } from '../../oracle/bundle-server.ts';
import { createBundleStore } from '../../oracle/bundles.ts';
import { loadPoolState } from '../../oracle/pool-state-store.ts';
import { openStageStore } from '../../oracle/stage-store.ts';
import { createDisclosure } from '../../verifier/disclosure.ts';
import { discloseReading } from '../../oracle/disclose.ts';
import { runVerify, type VerifyCliOptions } from '../../verifier/cli.ts';
import { epochBounds } from '../../oracle/epochs.ts';
import { nextEpochOf, runEpochJob } from '../../oracle/epoch-job.ts';
import { createEpochScheduler } from '../../oracle/scheduler.ts';
import { readAttestationEvents } from '../../oracle/chain.ts';
import { makeDevices, MemoryReadingSource, nextReading, type TestDevice } from './support/fleet.ts';
import { oracleContext, publicClientFor, registerOnChain, tempDir, useTestChain } from './support/harness.ts';

/**
 * End to end on anvil with the circuits' test instance (B = 1, D = 4; registration R = 2): real proofs, the real
 * generated verifiers, the real contracts.
 */
const EPOCHS_AGO = 12;
const chain = useTestChain(2, EPOCHS_AGO);

/** Runs the verifier CLI in a child process without blocking this process's event loop. */
async function runCli(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, args, { timeout: 180_000 });
    return { status: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return {
      status: typeof e.code === 'number' ? e.code : -1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? String(error),
    };
  }
}

function schedule(poolId: number) {
  const pool = chain.deployment.pools.find((p) => p.poolId === poolId)!;
  return { poolId, genesisTs: pool.genesisTs, epochLengthS: pool.epochLengthS };
}

/** Readings of every device in `epoch` (10 kWh each since its previous reading), except the `offline` ones. */
function publishEpoch(
  source: MemoryReadingSource,
  devices: TestDevice[],
  poolId: number,
  epoch: number,
  offline: string[] = [],
) {
  const bounds = epochBounds(schedule(poolId), epoch);
  devices.forEach((d, i) => {
    // an offline device keeps metering (its registers advance) but nothing reaches the ledger
    const reading = nextReading(d, poolId, bounds.startTs + 100 * (i + 1), 10_000);
    if (!offline.includes(d.deviceId)) source.add(reading);
  });
}

async function chainSummary(poolId: number) {
  const events = await readAttestationEvents(
    publicClientFor(chain.rpcUrl),
    {
      poolRegistry: chain.deployment.contracts.poolRegistry,
      attestationRegistry: chain.deployment.contracts.attestationRegistry,
    },
    poolId,
  );
  const batches = events.filter((e) => e.kind === 'batch');
  const slots = batches.map((e) => `${e.epoch}/${e.batchIndex}`);
  return {
    events,
    registrations: events.filter((e) => e.kind === 'registration').map((e) => `${e.oldCount}->${e.newCount}`),
    batchSlots: slots,
    duplicateSlots: slots.filter((s, i) => slots.indexOf(s) !== i),
    revenueByEpoch: Object.fromEntries(
      events.filter((e) => e.kind === 'finalised').map((e) => [e.epoch, e.revenueMinor]),
    ) as Record<number, bigint>,
  };
}

describe('oracle end to end', () => {
  const source = new MemoryReadingSource();
  const devices = makeDevices('ev-a', 3);
  const poolId = 1;
  const dataDir = tempDir('e2e-a');

  it('catches up on missed epochs in order; an offline device reports its revenue whole in the next epoch', async () => {
    await registerOnChain(chain.rpcUrl, chain.deployment, poolId, devices);
    source.addDevices(devices);
    publishEpoch(source, devices, poolId, 1); // baselines: nothing counted
    publishEpoch(source, devices, poolId, 2);
    publishEpoch(source, devices, poolId, 3, ['ev-a-2']); // ev-a-2 offline for the whole epoch
    publishEpoch(source, devices, poolId, 4);
    const ctx = await oracleContext({
      chain,
      dataDir,
      readings: source,
    });
    const order: number[] = [];
    const pool = schedule(poolId);
    // the oracle was down: its clock says epoch 4 ended (plus grace) when it starts
    const scheduler = createEpochScheduler({
      pools: () => [pool],
      nextEpoch: (id) => nextEpochOf(ctx.stages, id),
      runEpoch: async (p, epoch) => {
        order.push(epoch);
        await runEpochJob(ctx, p, epoch);
      },
      clock: { nowS: () => epochBounds(pool, 4).endTs + 60 },
      graceS: 60,
      onEvent: (e) => {
        if (e.type === 'epoch:failed') throw e.error;
      },
    });
    await scheduler.tick();
    ctx.close();
    expect(order).toEqual([1, 2, 3, 4]);
    const summary = await chainSummary(poolId);
    expect(summary.registrations).toEqual(['0->2', '2->3']);
    expect(summary.duplicateSlots).toEqual([]);
    expect(summary.batchSlots).toEqual([
      '1/0',
      '1/1',
      '1/2',
      '2/0',
      '2/1',
      '2/2',
      '3/0',
      '3/1',
      '4/0',
      '4/1',
      '4/2',
    ]);
    // 10 kWh at 100 fen/kWh = 1000 fen per device per epoch
    expect(summary.revenueByEpoch).toEqual({ 1: 0n, 2: 3000n, 3: 2000n, 4: 4000n });
    // the offline device's revenue is not lost: epochs 3 + 4 total what three reporting devices make
    expect(summary.revenueByEpoch[3]! + summary.revenueByEpoch[4]!).toBe(6000n);
  }, 600_000);

  it('waits for the grace period and includes a late reading of the epoch', async () => {
    const ctx = await oracleContext({
      chain,
      dataDir,
      readings: source,
    });
    const pool = schedule(poolId);
    const bounds = epochBounds(pool, 5);
    let nowS = bounds.endTs + 30;
    const scheduler = createEpochScheduler({
      pools: () => [pool],
      nextEpoch: (id) => nextEpochOf(ctx.stages, id),
      runEpoch: async (p, epoch) => void (await runEpochJob(ctx, p, epoch)),
      clock: { nowS: () => nowS },
      graceS: 60,
    });
    publishEpoch(source, devices, poolId, 5);
    await scheduler.tick();
    expect(await nextEpochOf(ctx.stages, poolId)).toBe(5); // still in the grace period
    // a reading taken inside epoch 5 arrives late (after the epoch end, within the grace period)
    source.add(nextReading(devices[0]!, poolId, bounds.endTs - 10, 5_000));
    nowS = bounds.endTs + 60;
    await scheduler.tick();
    expect(await nextEpochOf(ctx.stages, poolId)).toBe(6);
    ctx.close();
    expect((await chainSummary(poolId)).revenueByEpoch[5]).toBe(3000n + 500n);
  }, 600_000);

  it('resumes after a crash injected at every stage with exactly one accepted batch per slot', async () => {
    const crashPool = 2;
    const crashDevices = makeDevices('ev-b', 2);
    const crashSource = new MemoryReadingSource();
    crashSource.addDevices(crashDevices);
    await registerOnChain(chain.rpcUrl, chain.deployment, crashPool, crashDevices);
    publishEpoch(crashSource, crashDevices, crashPool, 1);
    publishEpoch(crashSource, crashDevices, crashPool, 2);
    const crashDir = tempDir('e2e-crash');
    const points = [
      'selected',
      'signed:registration:0',
      'mined:registration:0',
      'proved',
      'confirmed:registration:0',
      'signed:epoch:0',
      'mined:epoch:0',
      'confirmed:epoch:0',
      'signed:epoch:1',
      'mined:epoch:1',
      'signed:finalize:0',
      'finalised-on-chain',
    ];
    const pending = new Map<number, Set<string>>([
      [1, new Set(points)],
      [2, new Set(points.filter((p) => !p.includes('registration')))],
    ]);
    const crashes: string[] = [];
    for (const epoch of [1, 2]) {
      for (let attempt = 0; ; attempt++) {
        expect(attempt).toBeLessThan(20);
        const left = pending.get(epoch)!;
        const ctx = await oracleContext({
          chain,
          dataDir: crashDir,
          readings: crashSource,
          faults: (point) => {
            const name = 'key' in point ? `${point.at}:${point.key.kind}:${point.key.index}` : point.at;
            if (left.delete(name)) {
              crashes.push(`${epoch}:${name}`);
              throw new Error(`injected crash at ${name}`);
            }
          },
        });
        try {
          await runEpochJob(ctx, schedule(crashPool), epoch);
          break;
        } catch (error) {
          expect((error as Error).message).toMatch(/injected crash/);
        } finally {
          ctx.close();
        }
      }
      expect([...pending.get(epoch)!]).toEqual([]);
    }
    expect(crashes.length).toBe(12 + 9);
    const summary = await chainSummary(crashPool);
    expect(summary.registrations).toEqual(['0->2']);
    expect(summary.batchSlots).toEqual(['1/0', '1/1', '2/0', '2/1']);
    expect(summary.duplicateSlots).toEqual([]);
    expect(summary.revenueByEpoch).toEqual({ 1: 0n, 2: 2000n });
    const finalisations = summary.events.filter((e) => e.kind === 'finalised');
    expect(finalisations.map((e) => (e as { epoch: number }).epoch)).toEqual([1, 2]);
  }, 600_000);

  it('the verifier passes on honest data and fails, naming the problem, on tampering and under-funding', async () => {
    const pool1 = chain.deployment.pools[0]!;
    const pool2 = chain.deployment.pools[1]!;
    const store = createBundleStore(join(dataDir, 'bundles'));
    const server = await serveBundles(store);
    /** Node arguments of the investor CLI on pool 1 with this server's bundles, plus `extra`. */
    const verifyCli = (...extra: string[]) => [
      ...[
        '--import',
        'tsx',
        'verifier/cli.ts',
        '--rpc',
        chain.rpcUrl,
        '--pool',
        '1',
        '--bundles',
        server.url,
      ],
      ...['--pool-registry', chain.deployment.contracts.poolRegistry],
      ...['--attestation-registry', chain.deployment.contracts.attestationRegistry],
      ...extra,
    ];
    const base: VerifyCliOptions = {
      rpc: chain.rpcUrl,
      poolId,
      bundles: server.url,
      poolRegistry: chain.deployment.contracts.poolRegistry,
      attestationRegistry: chain.deployment.contracts.attestationRegistry,
      feed: pool1.feed,
      token: pool1.token,
      vkeyDir: undefined,
      fromEpoch: undefined,
      toEpoch: undefined,
      fromBlock: undefined,
      disclosures: [],
      json: false,
    };
    const failures = async (options: VerifyCliOptions) =>
      (await runVerify(options)).findings
        .filter((f) => !f.ok)
        .map((f) => `${f.check} | ${f.subject} | ${f.message}`);
    try {
      // honest data, with a disclosed closing reading (the late one of epoch 5)
      const stages = await openStageStore(join(dataDir, 'oracle.duckdb'));
      const state = await loadPoolState(stages, poolId, 4);
      stages.close();
      const lateReading = source.readings.at(-1)!;
      const disclosurePath = join(dataDir, 'disclosure.json');
      const disclosure = createDisclosure(state, poolId, 5, 0, lateReading);
      const disclose = (epoch: number, deviceId: string) =>
        discloseReading({
          publicClient: publicClientFor(chain.rpcUrl),
          contracts: { poolRegistry: base.poolRegistry, attestationRegistry: base.attestationRegistry },
          bundles: store,
          poolId,
          epoch,
          deviceId,
        });
      // rebuilt from the private batch records alone, it equals the one from the live state
      expect(await disclose(5, 'ev-a-0')).toEqual(JSON.parse(JSON.stringify(disclosure)));
      writeFileSync(disclosurePath, JSON.stringify(disclosure));
      // an older epoch: the tree as it was then
      const olderPath = join(dataDir, 'disclosure-epoch-2.json');
      writeFileSync(olderPath, JSON.stringify(await disclose(2, 'ev-a-1')));
      await expect(disclose(3, 'ev-a-2')).rejects.toThrow(/no proven closing reading in epoch 3/);
      const honest = await runVerify({ ...base, disclosures: [disclosurePath, olderPath] });
      expect(honest.findings.filter((f) => !f.ok)).toEqual([]);
      expect(honest.findings.filter((f) => f.check === 'proof')).toHaveLength(2 + 14);
      expect(honest.findings.filter((f) => f.check === 'feed')).toHaveLength(5);
      expect(honest.findings.filter((f) => f.check === 'disclosure')).toHaveLength(6);

      // the CLI: exit 0 and a readable report
      // asynchronously: the bundle server runs in this process
      const cli = await runCli(verifyCli('--feed', pool1.feed, '--token', pool1.token));
      expect(cli.status, cli.stderr).toBe(0);
      expect(cli.stdout).toMatch(/VERIFIED: \d+ checks passed/);

      // a disclosed reading altered by one minor unit
      const tampered = JSON.parse(readFileSync(disclosurePath, 'utf8'));
      tampered.reading.revenueMinor += 1;
      writeFileSync(disclosurePath, JSON.stringify(tampered));
      expect(await failures({ ...base, disclosures: [disclosurePath] })).toEqual([
        expect.stringMatching(/^disclosure .* signature INVALID/),
        expect.stringMatching(/^disclosure .* NOT in the attested root/),
      ]);

      // a tampered proof bundle
      const copy = tempDir('tampered');
      cpSync(store.publicRoot, copy, { recursive: true });
      const bundleFile = join(copy, 'pool-1', 'epoch-2', 'batch-1.json');
      const bundle = JSON.parse(readFileSync(bundleFile, 'utf8'));
      // swap two valid curve points: a well-formed but false proof
      [bundle.proof.pi_a, bundle.proof.pi_c] = [bundle.proof.pi_c, bundle.proof.pi_a];
      [bundle.calldata.a, bundle.calldata.c] = [bundle.calldata.c, bundle.calldata.a];
      writeFileSync(bundleFile, JSON.stringify(bundle));
      expect(await failures({ ...base, bundles: copy })).toEqual([
        // the failed batch first; the feed round names it as the cause
        expect.stringMatching(/^proof \| epoch 2 batch 1 \| INVALID proof/),
        'feed | feed round 2 | feed round 2 not backed: batch 1 of epoch 2 failed proof verification',
      ]);

      // another pool's feed: refused by its pool id before any round is compared
      const wrongFeed = await failures({ ...base, feed: pool2.feed, fromEpoch: 2, toEpoch: 2 });
      expect(wrongFeed).toEqual([
        `contracts | feed ${pool2.feed} | the feed belongs to pool 2, not pool 1 (its rounds and distributions are not checked)`,
      ]);

      // an under-funded distribution of epoch 2: 3000 fen x 70 % x 0.0014 tUSD/fen = 2.94 tUSD required, 1 tUSD given
      const clients = createChainClients({
        rpcUrl: chain.rpcUrl,
        chainId: 31337,
        privateKey: ANVIL_FIRST_TEST_KEY,
      });
      const holder = clients.account.address;
      const write = (
        address: `0x${string}`,
        abi: readonly unknown[],
        functionName: string,
        args: unknown[],
      ) => writeAndWait(clients, { address, abi, functionName, args });
      await write(pool1.token, revenueShareTokenAbi, 'setVerified', [holder, true]);
      await write(pool1.token, revenueShareTokenAbi, 'mint', [holder, 1_000n]);
      await write(chain.deployment.contracts.stablecoin, testStablecoinAbi, 'mint', [holder, 1_000_000n]);
      await write(chain.deployment.contracts.stablecoin, testStablecoinAbi, 'approve', [
        pool1.token,
        1_000_000n,
      ]);
      await write(pool1.token, revenueShareTokenAbi, 'distribute', [2n]);
      expect(await failures(base)).toEqual([
        'distribution | epoch 2 distribution | under-funded distribution: required 2940000 units, deposited 1000000 (shortfall 1940000)',
      ]);
      const failing = await runCli(verifyCli('--token', pool1.token, '--json'));
      expect(failing.status).toBe(1);
      expect(JSON.parse(failing.stdout).ok).toBe(false);
    } finally {
      await server.close();
    }
  }, 600_000);
});
