import * as snarkjs from 'snarkjs';
import type { PublicClient } from 'viem';
import type {
  AttestationBatchView,
  AttestationTxView,
  AttestationViewsProvider,
  EpochDetailView,
  EpochStatus,
  EpochSummaryView,
  EpochTotalsView,
} from '../gateway/http/attestations.ts';
import { loadVerificationKey } from '../circuits/proving/instances.ts';
import { type BundleStore, bundlePath, type ProofBundle } from './bundles.ts';
import { type ChainAttestationEvent, type OracleContracts, readAttestationEvents } from './chain.ts';
import { type Clock, systemClock } from './clock.ts';
import { epochBounds, type PoolSchedule } from './epochs.ts';
import type { BatchJob, EpochJob, StageStore } from './stage-store.ts';

/** Options of {@link createAttestationViews}. */
export interface AttestationViewsOptions {
  publicClient: PublicClient;
  contracts: OracleContracts;
  stages: StageStore;
  bundles: BundleStore;
  /** The pools served, with their schedules. */
  schedules: readonly PoolSchedule[];
  /** Base URL of the bundle server (`http://127.0.0.1:8790/bundles`); bundle links are null without it. */
  bundleBaseUrl?: string;
  /** Directory holding `<instance>/verification_key.json` (default the project's `build/circuits`). */
  vkeyDir?: string;
  /** First block to scan for attestation events (the deployment block). */
  fromBlock?: bigint;
  /**
   * Time a detail request spends checking uncached proofs inline before queuing the rest for a background check
   * (snarkjs verification takes ~20-50 ms per proof on the event loop). Default 250 ms; the epoch's first bundle is
   * always checked inline.
   */
  proofCheckBudgetMs?: number;
  /** Blocks below the head after which read events are cached for good (reorg safety). Default 12. */
  reorgDepth?: number;
  clock?: Clock;
}

/** Epoch batch public signals (SPEC section 6): indices of new root and totals. */
const SIGNAL = { newRoot: 6, energyWh: 7, revenueMinor: 8, reportingCount: 9 } as const;
const REGISTRATION_COUNT = /count-(\d+)\.json$/;

/**
 * The oracle's implementation of the gateway's {@link AttestationViewsProvider}: per pool, its epochs with status,
 * totals, state roots, batch counts, transactions (from the chain's events), links to the public proof bundles
 * and a verification status (finalised on-chain with the proven root; each bundle's proof verified with snarkjs
 * against the circuit's verification key, cached). Reads the stage store, the bundle store and the chain only.
 *
 * @example
 * const views = createAttestationViews({ publicClient, contracts, stages, bundles, schedules, bundleBaseUrl });
 * gateway.attachAttestations(views);
 */
export function createAttestationViews(options: AttestationViewsOptions): AttestationViewsProvider {
  const clock = options.clock ?? systemClock;
  const schedules = new Map(options.schedules.map((s) => [s.poolId, s]));
  const proofCheckBudgetMs = options.proofCheckBudgetMs ?? 250;
  const events = attestationEventReader(options);
  const proofs = createProofChecker(options.vkeyDir);

  /** Everything known of one epoch: its job, batches (registration first), bundles and chain events. */
  async function gather(
    poolId: number,
    epoch: number,
    chain: ChainAttestationEvent[],
  ): Promise<GatheredEpoch> {
    const job: EpochJob | undefined = await options.stages.epoch(poolId, epoch);
    const stored = job ? await options.stages.batches(poolId, epoch) : [];
    const batches = [
      ...stored.filter((b) => b.kind === 'registration'),
      ...stored.filter((b) => b.kind === 'epoch'),
    ].sort((a, b) => (a.kind === b.kind ? a.index - b.index : a.kind === 'registration' ? -1 : 1));
    const ofPool = chain.filter((e) => e.poolId === poolId);
    const finalised = ofPool.find((e): e is FinalisedEvent => e.kind === 'finalised' && e.epoch === epoch);
    const onChain = (batch: BatchJob) => {
      const key = keyOf(batch);
      return ofPool.find((e) =>
        batch.kind === 'epoch'
          ? e.kind === 'batch' && e.epoch === epoch && e.batchIndex === batch.index
          : e.kind === 'registration' && e.newCount === key.batchIndex,
      ) as BatchEvent | undefined;
    };
    return { job, batches, finalised, onChain };
  }

  async function summary(
    poolId: number,
    epoch: number,
    chain: ChainAttestationEvent[],
  ): Promise<{ view: EpochSummaryView; gathered: GatheredEpoch }> {
    const schedule = schedules.get(poolId)!;
    const bounds = epochBounds(schedule, epoch);
    const gathered = await gather(poolId, epoch, chain);
    const { job, batches, finalised, onChain } = gathered;
    const view: EpochSummaryView = {
      poolId,
      epoch,
      startTs: bounds.startTs,
      endTs: bounds.endTs,
      status: statusOf(clock.nowS(), bounds, job, finalised),
      totals: epochTotals(options.bundles, gathered),
      stateRoot: finalised ? finalised.stateRoot.toString() : (batches.at(-1)?.newRoot ?? null),
      batchCount: {
        registration: job?.registrationBatches ?? 0,
        epoch: finalised ? finalised.batchCount : (job?.epochBatches ?? 0),
        proved: batches.length,
        onChain: batches.filter((b) => onChain(b) !== undefined).length,
      },
      finalisation: finalised
        ? { txHash: finalised.transactionHash, blockNumber: finalised.blockNumber.toString() }
        : null,
    };
    return { view, gathered };
  }

  /** The current epoch of a pool (0 before genesis). */
  const currentEpoch = (schedule: PoolSchedule) => {
    const nowS = clock.nowS();
    return nowS < schedule.genesisTs
      ? 0
      : Math.floor((nowS - schedule.genesisTs) / schedule.epochLengthS) + 1;
  };

  return {
    pools: () => [...schedules.keys()],
    async epochs(poolId) {
      const schedule = schedules.get(poolId);
      if (!schedule) return [];
      const chain = await events();
      const last = Math.max(
        currentEpoch(schedule),
        (await options.stages.poolState(poolId))?.finalisedEpoch ?? 0,
      );
      const out: EpochSummaryView[] = [];
      for (let epoch = 1; epoch <= last; epoch++) out.push((await summary(poolId, epoch, chain)).view);
      return out;
    },
    async epoch(poolId, epoch) {
      const schedule = schedules.get(poolId);
      if (!schedule) return undefined;
      if (epoch > currentEpoch(schedule) && !(await options.stages.epoch(poolId, epoch))) return undefined;
      const chain = await events();
      const { view, gathered } = await summary(poolId, epoch, chain);
      const check = await checkBatches(options, proofs, gathered, Date.now() + proofCheckBudgetMs);
      return { ...view, oldRoot: gathered.batches[0]?.oldRoot ?? null, ...check };
    },
  };
}

type FinalisedEvent = Extract<ChainAttestationEvent, { kind: 'finalised' }>;
type BatchEvent = Extract<ChainAttestationEvent, { kind: 'batch' | 'registration' }>;

/** Everything known of one epoch (see `gather`). */
interface GatheredEpoch {
  job: EpochJob | undefined;
  batches: BatchJob[];
  finalised: FinalisedEvent | undefined;
  onChain(batch: BatchJob): BatchEvent | undefined;
}

/**
 * Every attestation event so far, in chain order: events up to `reorgDepth` blocks below the head never change
 * and are cached; the tail above them is read again on each call (concurrent calls share one read).
 */
function attestationEventReader(options: AttestationViewsOptions): () => Promise<ChainAttestationEvent[]> {
  const reorgDepth = BigInt(options.reorgDepth ?? 12);
  let settled: ChainAttestationEvent[] = [];
  let settledBlock = (options.fromBlock ?? 0n) - 1n;
  let refreshing: Promise<ChainAttestationEvent[]> | undefined;

  async function readEvents(fromBlock: bigint, toBlock: bigint): Promise<ChainAttestationEvent[]> {
    if (toBlock < fromBlock) return [];
    return readAttestationEvents(options.publicClient, options.contracts, undefined, fromBlock, toBlock);
  }

  return () => {
    refreshing ??= (async () => {
      try {
        const head = await options.publicClient.getBlockNumber();
        const newSettled = head - reorgDepth;
        if (newSettled > settledBlock) {
          settled = [...settled, ...(await readEvents(settledBlock + 1n, newSettled))];
          settledBlock = newSettled;
        }
        return [...settled, ...(await readEvents(settledBlock + 1n, head))];
      } finally {
        refreshing = undefined;
      }
    })();
    return refreshing;
  };
}

/** Proof checks of bundles with snarkjs, cached per bundle and proof, inline within a budget or queued. */
interface ProofChecker {
  /** The cached result, or a check now if the request's budget allows (or `first`), else queued (undefined). */
  result(path: string, bundle: ProofBundle, deadlineMs: number, first: boolean): Promise<boolean | undefined>;
}

function createProofChecker(vkeyDir: string | undefined): ProofChecker {
  const verified = new Map<string, Promise<boolean>>();
  const results = new Map<string, boolean>();
  const queue: Array<{ path: string; bundle: ProofBundle }> = [];
  let draining = false;
  function vkeyOf(instance: string): unknown {
    return loadVerificationKey(instance, vkeyDir);
  }

  const proofKey = (path: string, bundle: ProofBundle) =>
    `${path}:${bundle.proof.pi_a[0]}:${bundle.publicSignals.join(',')}`;

  /** The bundle's proof checked with snarkjs (cached per bundle and proof). */
  function verifyBundle(path: string, bundle: ProofBundle): Promise<boolean> {
    const key = proofKey(path, bundle);
    let result = verified.get(key);
    if (!result) {
      result = (async () => {
        let ok = false;
        try {
          ok = await snarkjs.groth16.verify(vkeyOf(bundle.instance), bundle.publicSignals, bundle.proof);
        } catch {
          ok = false;
        }
        results.set(key, ok);
        return ok;
      })();
      verified.set(key, result);
    }
    return result;
  }

  /** Checks queued proofs one at a time, yielding to the event loop between them. */
  async function drain(): Promise<void> {
    if (draining) return;
    draining = true;
    try {
      for (let next = queue.shift(); next; next = queue.shift()) {
        await verifyBundle(next.path, next.bundle);
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      draining = false;
    }
  }

  return {
    async result(path, bundle, deadlineMs, first) {
      const cached = results.get(proofKey(path, bundle));
      if (cached !== undefined) return cached;
      if (first || Date.now() < deadlineMs) return verifyBundle(path, bundle);
      queue.push({ path, bundle });
      void drain();
      return undefined;
    },
  };
}

/** The bundle key of a stored batch (a registration's batch index is its count, from the bundle's file name). */
function keyOf(batch: BatchJob) {
  if (batch.kind === 'epoch')
    return { kind: 'epoch' as const, poolId: batch.poolId, epoch: batch.epoch, batchIndex: batch.index };
  const count = REGISTRATION_COUNT.exec(batch.bundlePath);
  return {
    kind: 'registration' as const,
    poolId: batch.poolId,
    epoch: batch.epoch,
    batchIndex: count ? Number(count[1]) : -1,
  };
}

function statusOf(
  nowS: number,
  bounds: { endTs: number },
  job: EpochJob | undefined,
  finalised: unknown,
): EpochStatus {
  if (finalised || job?.stage === 'finalised') return 'finalised';
  if (job?.stage === 'posted') return 'finalising';
  if (job?.stage === 'proved') return 'posting';
  if (job?.stage === 'selected') return 'proving';
  return nowS < bounds.endTs ? 'open' : 'pending';
}

const coverage = (reporting: number, registered: number) =>
  registered === 0 ? 0 : Math.floor((reporting * 10_000) / registered);

/**
 * An epoch's totals: the chain's `EpochFinalised` once finalised, else the sum of its proven batches' public
 * signals once every epoch batch has a bundle, else null.
 */
function epochTotals(
  bundles: BundleStore,
  { job, batches, finalised }: GatheredEpoch,
): EpochTotalsView | null {
  if (finalised)
    return {
      energyWh: finalised.energyWh.toString(),
      revenueMinor: finalised.revenueMinor.toString(),
      reportingCount: finalised.reportingCount,
      registeredCount: finalised.registeredCount,
      coverageBps: coverage(finalised.reportingCount, finalised.registeredCount),
      source: 'chain',
    };
  const epochBatches = batches.filter((b) => b.kind === 'epoch');
  if (!job || epochBatches.length !== job.epochBatches) return null;
  let energyWh = 0n;
  let revenueMinor = 0n;
  let reportingCount = 0;
  for (const batch of epochBatches) {
    const bundle = bundles.readPublic(keyOf(batch));
    if (!bundle) return null;
    energyWh += BigInt(bundle.publicSignals[SIGNAL.energyWh]!);
    revenueMinor += BigInt(bundle.publicSignals[SIGNAL.revenueMinor]!);
    reportingCount += Number(bundle.publicSignals[SIGNAL.reportingCount]);
  }
  return {
    energyWh: energyWh.toString(),
    revenueMinor: revenueMinor.toString(),
    reportingCount,
    registeredCount: job.registeredCount,
    coverageBps: coverage(reportingCount, job.registeredCount),
    source: 'proofs',
  };
}

/**
 * The batch views, transactions and verification of one epoch's detail: each batch's bundle and proof checked
 * (inline until `deadlineMs`, then queued), its public signals and root compared with the chain's events, and the
 * finalised root compared with the last proven one.
 */
async function checkBatches(
  options: AttestationViewsOptions,
  proofs: ProofChecker,
  { batches, finalised, onChain }: GatheredEpoch,
  deadlineMs: number,
): Promise<Pick<EpochDetailView, 'batches' | 'transactions' | 'verification'>> {
  const problems: string[] = [];
  const batchViews: AttestationBatchView[] = [];
  let proofsChecked = 0;
  let proofsValid = 0;
  let proofsQueued = 0;
  for (const batch of batches) {
    const key = keyOf(batch);
    const relative = bundlePath(key);
    const bundle = options.bundles.readPublic(key);
    const event = onChain(batch);
    let proofVerified: boolean | null = false;
    const label = `${batch.kind} batch ${key.batchIndex}`;
    if (!bundle) problems.push(`${label}: public bundle ${relative} is missing`);
    else {
      const result = await proofs.result(relative, bundle, deadlineMs, proofsChecked + proofsQueued === 0);
      proofVerified = result ?? null;
      if (result === undefined) proofsQueued++;
      else {
        proofsChecked++;
        if (result) proofsValid++;
        else problems.push(`${label}: the proof in ${relative} does not verify`);
      }
      if (event?.kind === 'batch' && !signalsMatch(bundle, event))
        problems.push(`${label}: the bundle's public signals differ from the chain's BatchAccepted`);
    }
    if (event && event.newRoot.toString() !== batch.newRoot)
      problems.push(`${label}: on-chain new root ${event.newRoot} differs from the proven ${batch.newRoot}`);
    batchViews.push({
      kind: batch.kind as 'registration' | 'epoch',
      index: key.batchIndex,
      stage: batch.stage,
      oldRoot: batch.oldRoot,
      newRoot: batch.newRoot,
      bundleUrl: options.bundleBaseUrl ? `${options.bundleBaseUrl.replace(/\/+$/, '')}/${relative}` : null,
      bundlePath: relative,
      txHash: event?.transactionHash ?? batch.txHash ?? null,
      blockNumber: event?.blockNumber.toString() ?? batch.blockNumber?.toString() ?? null,
      proofVerified,
    });
  }
  const lastProvenRoot = batches.at(-1)?.newRoot;
  if (finalised && lastProvenRoot !== undefined && finalised.stateRoot.toString() !== lastProvenRoot)
    problems.push(
      `finalised root ${finalised.stateRoot} differs from the last proven root ${lastProvenRoot}`,
    );
  const finalisedOnChain = finalised !== undefined && !problems.some((p) => p.startsWith('finalised root'));
  return {
    batches: batchViews,
    transactions: epochTransactions({ batches, finalised, onChain }),
    verification: {
      finalisedOnChain,
      proofsChecked,
      proofsValid,
      proofsQueued,
      status:
        problems.length > 0 ? 'failed' : finalisedOnChain && proofsQueued === 0 ? 'verified' : 'in-progress',
      problems,
    },
  };
}

/** Whether a bundle's new root and totals are those of the chain's `BatchAccepted`. */
function signalsMatch(
  bundle: ProofBundle,
  event: Extract<ChainAttestationEvent, { kind: 'batch' }>,
): boolean {
  const s = bundle.publicSignals;
  return (
    s[SIGNAL.newRoot] === event.newRoot.toString() &&
    s[SIGNAL.energyWh] === event.energyWh.toString() &&
    s[SIGNAL.revenueMinor] === event.revenueMinor.toString() &&
    s[SIGNAL.reportingCount] === event.reportingCount.toString()
  );
}

/** Every transaction of the epoch in chain order: its batches on-chain, then the finalisation. */
function epochTransactions({
  batches,
  finalised,
  onChain,
}: Pick<GatheredEpoch, 'batches' | 'finalised' | 'onChain'>): AttestationTxView[] {
  const transactions: AttestationTxView[] = [];
  for (const batch of batches) {
    const event = onChain(batch);
    if (event)
      transactions.push({
        kind: batch.kind as 'registration' | 'epoch',
        index: keyOf(batch).batchIndex,
        txHash: event.transactionHash,
        blockNumber: event.blockNumber.toString(),
      });
  }
  if (finalised)
    transactions.push({
      kind: 'finalize',
      index: 0,
      txHash: finalised.transactionHash,
      blockNumber: finalised.blockNumber.toString(),
    });
  return transactions;
}
