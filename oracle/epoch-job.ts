import type { PublicClient } from 'viem';
import { buildEpochBatches } from '../circuits/witness/epoch-inputs.ts';
import { artifactPaths, getInstance } from '../circuits/proving/instances.ts';
import { leafStateToJson } from '../circuits/model/leaf.ts';
import type { PoolState } from '../circuits/model/pool-state.ts';
import { attestationRegistryAbi } from '../contracts/abis.ts';
import { keyHash, type SignedReading } from '../protocol/index.ts';
import { type BundleStore, calldataArgs, type ProofBundle, toCalldata } from './bundles.ts';
import {
  type AttestationState,
  type OracleContracts,
  readAttestationState,
  readDevices,
  readPool,
} from './chain.ts';
import { epochBounds, type PoolSchedule } from './epochs.ts';
import {
  JobStateError,
  OracleConfigError,
  ProvingError,
  TransactionRevertedError,
  TransactionSupersededError,
} from './errors.ts';
import { changedLeaves, loadPoolState } from './pool-state-store.ts';
import type { ProverPool } from './prover-pool.ts';
import { buildRegistrationBatch } from '../circuits/witness/registration-inputs.ts';
import type { ReadingSource } from './sources.ts';
import type { BatchKey, StageStore } from './stage-store.ts';
import type { ContractCall, SentTx, TxSender } from './tx-sender.ts';

/** Circuit instances a pool is proven with (names in `circuits/circuits.json`). */
export interface PoolCircuits {
  epoch: string;
  registration: string;
}

/** Points at which a test can inject a crash (the hook throws). */
export type FaultPoint =
  | { at: 'selected' }
  | { at: 'proved' }
  | { at: 'signed'; key: BatchKey }
  | { at: 'mined'; key: BatchKey }
  | { at: 'confirmed'; key: BatchKey }
  | { at: 'finalised-on-chain' };

/** Everything an epoch job needs. */
export interface EpochJobContext {
  publicClient: PublicClient;
  sender: TxSender;
  contracts: OracleContracts;
  stages: StageStore;
  bundles: BundleStore;
  prover: ProverPool;
  readings: ReadingSource;
  circuitsOf(poolId: number): PoolCircuits;
  /** First block to scan for registry events (the deployment block). */
  fromBlock?: bigint;
  onLog?: (message: string, fields: Record<string, unknown>) => void;
  /** Crash injection for tests. */
  faults?: (point: FaultPoint) => void | Promise<void>;
}

/** One entry of an epoch's stored selection. */
type SelectionEntry =
  | { type: 'device'; slot: number; Ax: string; Ay: string; ratedPowerW: number }
  | { type: 'reading'; slot: number; reading: SignedReading };

interface PlannedBatch {
  key: BatchKey;
  bundleKey: { kind: 'registration' | 'epoch'; poolId: number; epoch: number; batchIndex: number };
  instance: string;
  input: Record<string, unknown>;
  publicSignals: readonly string[];
  oldRoot: bigint;
  newRoot: bigint;
  /** Epoch batches: the private closing readings of its slots. */
  privateReadings?: Array<{ slot: number; reading: SignedReading; leafAfter: Record<string, string> }>;
  /** Registration: attested count after it. */
  newCount?: number;
}

/** The outcome of an epoch job. */
export interface EpochOutcome {
  poolId: number;
  epoch: number;
  registrationBatches: number;
  epochBatches: number;
  reportingCount: number;
  totalEnergyWh: bigint;
  totalRevenueMinor: bigint;
  root: bigint;
  /** Closing readings left out because the reference model rejected them (with the rule). */
  skipped: Array<{ slot: number | undefined; rule: string }>;
  /** Readings whose device is unknown to the registry or not registered on-chain in this pool. */
  unregistered: string[];
  /** Wall time of each phase of this run (a resumed run measures only what it redid). */
  timingsMs: { select: number; plan: number; prove: number; post: number; finalise: number; total: number };
}

/**
 * The first epoch of a pool not finalised locally (1 if none).
 *
 * @example
 * const epoch = await nextEpochOf(stages, 1);
 */
export async function nextEpochOf(stages: StageStore, poolId: number): Promise<number> {
  return ((await stages.poolState(poolId))?.finalisedEpoch ?? 0) + 1;
}

/**
 * Runs (or resumes) epoch `epoch` of a pool: selects each reporting device's closing reading, builds the
 * registration batches of newly registered devices and the epoch's batches from the persisted state tree, proves
 * them in parallel, posts them in order and finalises the epoch, persisting every stage. A restart at any point
 * resumes without posting a batch twice or skipping one: before (re-)sending, it reads the chain (attested count,
 * open epoch and batch count, finalised epoch) and resumes persisted signed transactions.
 *
 * @example
 * const outcome = await runEpochJob(context, { poolId: 1, genesisTs, epochLengthS }, 3);
 */
export async function runEpochJob(
  ctx: EpochJobContext,
  pool: PoolSchedule,
  epoch: number,
): Promise<EpochOutcome> {
  const { poolId } = pool;
  const startedMs = Date.now();
  let markMs = startedMs;
  const timingsMs = { select: 0, plan: 0, prove: 0, post: 0, finalise: 0, total: 0 };
  const lap = (phase: keyof typeof timingsMs) => {
    const nowMs = Date.now();
    timingsMs[phase] += nowMs - markMs;
    markMs = nowMs;
  };
  const log = ctx.onLog ?? (() => undefined);
  const fault = async (point: FaultPoint) => ctx.faults?.(point);
  const circuits = ctx.circuitsOf(poolId);
  const epochInstance = getInstance(circuits.epoch);
  const registrationInstance = getInstance(circuits.registration);
  const [batchSize, depth] = epochInstance.params as [number, number];
  const [registrationSize, registrationDepth] = registrationInstance.params as [number, number];
  const chainPool = await readPool(ctx.publicClient, ctx.contracts, poolId);
  if (depth !== chainPool.treeDepth || registrationDepth !== chainPool.treeDepth)
    throw new OracleConfigError(
      `pool ${poolId}: circuit depth ${depth}/${registrationDepth} != tree depth ${chainPool.treeDepth}`,
    );
  if (chainPool.genesisTs !== pool.genesisTs || chainPool.epochLengthS !== pool.epochLengthS)
    throw new OracleConfigError(`pool ${poolId}: schedule differs from the chain's`, {
      details: `chain genesis ${chainPool.genesisTs} length ${chainPool.epochLengthS}`,
    });
  const bounds = epochBounds(pool, epoch);
  const localFinalised = (await ctx.stages.poolState(poolId))?.finalisedEpoch ?? 0;
  if (epoch !== localFinalised + 1)
    throw new JobStateError(
      `pool ${poolId}: epoch ${epoch} requested but the next epoch is ${localFinalised + 1}`,
    );

  const before = await loadPoolState(ctx.stages, poolId, depth);
  if (before.count === 0 && before.root !== chainPool.emptyRoot)
    throw new JobStateError(`pool ${poolId}: the empty tree root differs from the registry's`, {
      details: `local ${before.root}, chain ${chainPool.emptyRoot}`,
      hint: 'the circuits and the contracts disagree on the tree (depth or hash)',
    });

  // 1. Selection: stored once, so a resumed job proves exactly the same batches.
  let job = await ctx.stages.epoch(poolId, epoch);
  const unregistered: string[] = [];
  if (!job) {
    const devices = (await readDevices(ctx.publicClient, ctx.contracts, poolId, ctx.fromBlock)).filter(
      (d) => d.slot >= before.count,
    );
    const registeredCount = before.count + devices.length;
    const slotOf = new Map<string, number>();
    for (const [slot, leaf] of before.leaves().entries())
      slotOf.set(keyHash({ Ax: String(leaf.Ax), Ay: String(leaf.Ay) }).toString(), slot);
    for (const d of devices) slotOf.set(d.keyHash.toString(), d.slot);
    const entries: SelectionEntry[] = devices.map((d) => ({
      type: 'device',
      slot: d.slot,
      Ax: d.Ax.toString(),
      Ay: d.Ay.toString(),
      ratedPowerW: d.ratedPowerW,
    }));
    for (const reading of await ctx.readings.closingReadings(poolId, bounds.startTs, bounds.endTs)) {
      const publicKey = ctx.readings.publicKeyOf(reading.deviceId);
      const slot = publicKey ? slotOf.get(keyHash(publicKey).toString()) : undefined;
      if (slot === undefined || slot >= registeredCount) {
        unregistered.push(reading.deviceId);
        continue;
      }
      entries.push({ type: 'reading', slot, reading });
    }
    entries.sort((a, b) => (a.type === b.type ? a.slot - b.slot : a.type === 'device' ? -1 : 1));
    const planned = plan(before, entries);
    job = await ctx.stages.selectEpoch(
      {
        poolId,
        epoch,
        registeredCount,
        registrationBatches: planned.registrations.length,
        epochBatches: planned.epochBatches.length,
      },
      entries,
    );
    log('epoch selected', {
      poolId,
      epoch,
      readings: entries.length - devices.length,
      newDevices: devices.length,
    });
    await fault({ at: 'selected' });
  }
  const selection = await ctx.stages.selection<SelectionEntry>(poolId, epoch);
  lap('select');
  /** Moves the epoch's durable stage forward (a resumed job may already be past it). */
  const advance = async (stage: 'proved' | 'posted') => {
    const current = (await ctx.stages.epoch(poolId, epoch))?.stage;
    if (current === 'selected' || (current === 'proved' && stage === 'posted'))
      await ctx.stages.advanceEpoch(poolId, epoch, stage);
  };
  const planned = plan(before, selection);
  lap('plan');
  if (
    planned.registrations.length !== job.registrationBatches ||
    planned.epochBatches.length !== job.epochBatches
  )
    throw new JobStateError(`pool ${poolId} epoch ${epoch}: the stored plan does not rebuild identically`);
  const batches = [...planned.registrations, ...planned.epochBatches];

  // 2. Prove every batch not yet proven (and not already on-chain), in parallel.
  const chainAtStart = await readAttestationState(ctx.publicClient, ctx.contracts, poolId);
  const toProve: PlannedBatch[] = [];
  for (const batch of batches) {
    const record = await ctx.stages.batch(batch.key);
    const bundleOnDisk = ctx.bundles.readPublic(batch.bundleKey);
    if (record && bundleOnDisk) continue;
    if (!record && isOnChain(batch, epoch, chainAtStart))
      throw new JobStateError(
        `pool ${poolId} epoch ${epoch}: batch ${batch.key.kind} ${batch.key.index} is on-chain but unknown here`,
        {
          hint: 'another oracle instance posts for this pool, or the oracle database was lost',
        },
      );
    toProve.push(batch);
  }
  if (toProve.length > 0) {
    const results = await ctx.prover.proveAll(
      toProve.map((batch) => {
        const paths = artifactPaths(batch.instance);
        return {
          label: `pool ${poolId} epoch ${epoch} ${batch.key.kind} ${batch.key.index}`,
          input: batch.input,
          wasmPath: paths.wasm,
          zkeyPath: paths.zkey,
        };
      }),
    );
    for (const [i, batch] of toProve.entries()) {
      const result = results[i]!;
      if (result.publicSignals.join(',') !== batch.publicSignals.join(','))
        throw new ProvingError(
          `the proof of ${batch.key.kind} batch ${batch.key.index} has unexpected public signals`,
          {
            details: `expected ${batch.publicSignals.join(',')}, got ${result.publicSignals.join(',')}`,
          },
        );
      const bundle: ProofBundle = {
        version: 1,
        kind: batch.bundleKey.kind,
        poolId,
        epoch,
        batchIndex: batch.bundleKey.batchIndex,
        instance: batch.instance,
        publicSignals: result.publicSignals,
        proof: result.proof,
        calldata: toCalldata(result.proof, result.publicSignals),
      };
      const path = ctx.bundles.writePublic(bundle);
      if (batch.privateReadings)
        ctx.bundles.writePrivate(batch.bundleKey, { readings: batch.privateReadings });
      await ctx.stages.saveProvedBatch(batch.key, {
        oldRoot: batch.oldRoot.toString(),
        newRoot: batch.newRoot.toString(),
        bundlePath: path,
      });
    }
    log('epoch proved', { poolId, epoch, proofs: toProve.length });
  }
  await advance('proved');
  lap('prove');
  await fault({ at: 'proved' });

  // 3. Post in order, reading the chain before each one.
  for (const batch of batches) {
    const chain = await readAttestationState(ctx.publicClient, ctx.contracts, poolId);
    if (isOnChain(batch, epoch, chain)) {
      await markConfirmed(ctx, batch.key);
      await fault({ at: 'confirmed', key: batch.key });
      continue;
    }
    if (chain.stateRoot !== batch.oldRoot)
      throw new JobStateError(
        `pool ${poolId} epoch ${epoch}: chain root is not the old root of ${batch.key.kind} batch ${batch.key.index}`,
        {
          details: `chain ${chain.stateRoot}, batch ${batch.oldRoot}`,
          hint: 'the chain was changed by someone else; stop and investigate',
        },
      );
    const bundle = ctx.bundles.readPublic(batch.bundleKey)!;
    const { proof, pubSignals } = calldataArgs(bundle.calldata);
    const call: ContractCall =
      batch.key.kind === 'registration'
        ? {
            address: ctx.contracts.attestationRegistry,
            abi: attestationRegistryAbi,
            functionName: 'submitRegistration',
            args: [poolId, proof, pubSignals],
          }
        : {
            address: ctx.contracts.attestationRegistry,
            abi: attestationRegistryAbi,
            functionName: 'submitBatch',
            args: [poolId, BigInt(epoch), proof, pubSignals],
          };
    const sent = await sendOnce(ctx, batch.key, call, async () =>
      isOnChain(batch, epoch, await readAttestationState(ctx.publicClient, ctx.contracts, poolId)),
    );
    await fault({ at: 'mined', key: batch.key });
    if (sent) {
      ctx.bundles.writePublic({ ...bundle, txHash: sent.receipt.transactionHash });
      await ctx.stages.advanceBatch(batch.key, 'posted', { hash: sent.receipt.transactionHash });
    }
    await markConfirmed(ctx, batch.key, sent);
    await fault({ at: 'confirmed', key: batch.key });
  }
  await advance('posted');
  lap('post');

  // 4. Finalise on-chain (once), check the root, then finalise locally.
  const finalizeKey: BatchKey = { poolId, epoch, kind: 'finalize', index: 0 };
  await sendOnce(
    ctx,
    finalizeKey,
    {
      address: ctx.contracts.attestationRegistry,
      abi: attestationRegistryAbi,
      functionName: 'finalizeEpoch',
      args: [poolId, BigInt(epoch)],
    },
    async () =>
      (await readAttestationState(ctx.publicClient, ctx.contracts, poolId)).lastFinalisedEpoch >= epoch,
  );
  await fault({ at: 'finalised-on-chain' });
  const finalChain = await readAttestationState(ctx.publicClient, ctx.contracts, poolId);
  if (finalChain.lastFinalisedEpoch === epoch && finalChain.stateRoot !== planned.state.root)
    throw new JobStateError(`pool ${poolId} epoch ${epoch}: finalised root differs from the computed one`, {
      details: `chain ${finalChain.stateRoot}, computed ${planned.state.root}`,
    });
  await ctx.stages.finaliseEpoch(
    poolId,
    epoch,
    planned.state.root.toString(),
    changedLeaves(before, planned.state),
  );
  lap('finalise');
  timingsMs.total = Date.now() - startedMs;
  log('epoch finalised', { poolId, epoch, revenueMinor: planned.totalRevenueMinor.toString(), timingsMs });
  return {
    poolId,
    epoch,
    registrationBatches: planned.registrations.length,
    epochBatches: planned.epochBatches.length,
    reportingCount: planned.reportingCount,
    totalEnergyWh: planned.totalEnergyWh,
    totalRevenueMinor: planned.totalRevenueMinor,
    root: planned.state.root,
    skipped: planned.skipped,
    unregistered,
    timingsMs,
  };

  /** Deterministic batch plan from the persisted state and the stored selection. */
  function plan(state: PoolState, entries: readonly SelectionEntry[]) {
    const next = state.clone();
    const registrations: PlannedBatch[] = [];
    const devices = entries.filter(
      (e): e is Extract<SelectionEntry, { type: 'device' }> => e.type === 'device',
    );
    for (let i = 0; i < devices.length; i += registrationSize) {
      const chunk = devices.slice(i, i + registrationSize);
      if (chunk[0]!.slot !== next.count)
        throw new JobStateError(
          `pool ${poolId}: registration of slot ${chunk[0]!.slot} does not follow slot ${next.count - 1}`,
        );
      const witness = buildRegistrationBatch(
        next,
        poolId,
        chunk.map((d) => ({ publicKey: { Ax: d.Ax, Ay: d.Ay }, ratedPowerW: d.ratedPowerW })),
        registrationSize,
      );
      registrations.push({
        key: { poolId, epoch, kind: 'registration', index: registrations.length },
        bundleKey: { kind: 'registration', poolId, epoch, batchIndex: witness.newCount },
        instance: circuits.registration,
        input: witness.input,
        publicSignals: witness.publicSignals,
        oldRoot: witness.oldRoot,
        newRoot: witness.newRoot,
        newCount: witness.newCount,
      });
    }
    const readings = new Map<number, SignedReading>();
    for (const e of entries) if (e.type === 'reading') readings.set(e.slot, e.reading);
    const result = buildEpochBatches(
      next,
      readings,
      {
        poolId,
        epoch,
        epochStart: bounds.startTs,
        epochEnd: bounds.endTs,
        maxTariffMinorPerKwh: chainPool.maxTariffMinorPerKwh,
      },
      batchSize,
      { skipInvalid: true },
    );
    const epochBatches: PlannedBatch[] = result.batches.map((b, index) => ({
      key: { poolId, epoch, kind: 'epoch', index },
      bundleKey: { kind: 'epoch', poolId, epoch, batchIndex: index },
      instance: circuits.epoch,
      input: b.input,
      publicSignals: b.publicSignals,
      oldRoot: b.oldRoot,
      newRoot: b.newRoot,
      privateReadings: b.slots.map((slot) => ({
        slot,
        reading: readings.get(slot)!,
        leafAfter: leafStateToJson(result.state.leaf(slot)),
      })),
    }));
    return {
      registrations,
      epochBatches,
      state: result.state,
      totalEnergyWh: result.totalEnergyWh,
      totalRevenueMinor: result.totalRevenueMinor,
      reportingCount: result.reportingCount,
      skipped: result.skipped.map((e) => ({ slot: e.slot, rule: e.rule })),
    };
  }
}

/** Whether a planned batch is already accepted on-chain. */
function isOnChain(batch: PlannedBatch, epoch: number, chain: AttestationState): boolean {
  if (batch.key.kind === 'registration') return chain.attestedCount >= batch.newCount!;
  if (chain.lastFinalisedEpoch >= epoch) return true;
  return chain.openEpoch === epoch && chain.openBatchCount > batch.key.index;
}

async function markConfirmed(ctx: EpochJobContext, key: BatchKey, sent?: SentTx): Promise<void> {
  const record = await ctx.stages.batch(key);
  if (!record || record.stage === 'confirmed') return;
  await ctx.stages.advanceBatch(
    key,
    'confirmed',
    sent ? { hash: sent.receipt.transactionHash, blockNumber: sent.receipt.blockNumber } : undefined,
  );
}

/**
 * Sends `call` for slot `key` unless `done()` says the chain already has its effect: resumes persisted signed
 * transactions first; sends a new one only if none of them made it. Returns the mined transaction, if any.
 */
async function sendOnce(
  ctx: EpochJobContext,
  key: BatchKey,
  call: ContractCall,
  done: () => Promise<boolean>,
): Promise<SentTx | undefined> {
  if (await done()) return undefined;
  const records = await ctx.stages.signedRecords(key);
  if (records.length > 0) {
    const nonces = [...new Set(records.map((r) => r.nonce))].sort((a, b) => a - b);
    for (const nonce of nonces) {
      try {
        const sent = await ctx.sender.resume(records.filter((r) => r.nonce === nonce));
        if (await done()) return sent;
      } catch (error) {
        if (!(error instanceof TransactionSupersededError) && !(error instanceof TransactionRevertedError))
          throw error;
      }
    }
    if (await done()) return undefined;
    ctx.onLog?.('persisted transaction did not land; sending again', { key: bundleLabel(key) });
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await ctx.sender.send(call, {
        onSigned: async (record) => {
          await ctx.stages.recordSigned(key, record);
          await ctx.faults?.({ at: 'signed', key });
        },
      });
    } catch (error) {
      // A revert because the effect is already there (e.g. a replacement of ours landed) is success.
      if (error instanceof TransactionRevertedError && (await done())) return undefined;
      // Our nonce was taken by another transaction: if the effect is not on-chain, send again (new nonce).
      if (error instanceof TransactionSupersededError && attempt < 3) {
        if (await done()) return undefined;
        ctx.onLog?.('transaction superseded; sending again', { key: bundleLabel(key), attempt });
        continue;
      }
      throw error;
    }
  }
}

function bundleLabel(key: BatchKey): string {
  return `${key.poolId}/${key.epoch}/${key.kind}/${key.index}`;
}
