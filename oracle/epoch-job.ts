/**
 * The epoch job: a short driver over its stages in `epoch/` (open, select, plan, prove, post, finalise), each
 * persisted in the stage store so that a restart at any point resumes without posting a batch twice or
 * skipping one.
 */

import { finaliseEpoch } from './epoch/finalise.ts';
import { openEpochRun } from './epoch/open-run.ts';
import { planEpoch } from './epoch/plan.ts';
import { postEpoch } from './epoch/post.ts';
import { proveEpoch } from './epoch/prove.ts';
import { selectEpoch } from './epoch/select.ts';
import type { EpochJobContext } from './epoch/types.ts';
import type { PoolSchedule } from './epochs.ts';
import { JobStateError } from './errors.ts';
import type { StageStore } from './stage-store.ts';

export type { EpochJobContext, FaultPoint, PoolCircuits } from './epoch/types.ts';

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

  const run = await openEpochRun(ctx, pool, epoch);
  const { job, entries, unregistered } = await selectEpoch(ctx, run);
  lap('select');
  const plan = planEpoch(run, entries);
  lap('plan');
  if (plan.registrations.length !== job.registrationBatches || plan.epochBatches.length !== job.epochBatches)
    throw new JobStateError(`pool ${poolId} epoch ${epoch}: the stored plan does not rebuild identically`);
  const batches = [...plan.registrations, ...plan.epochBatches];
  await proveEpoch(ctx, run, batches);
  lap('prove');
  await ctx.faults?.({ at: 'proved' });
  await postEpoch(ctx, run, batches);
  lap('post');
  await finaliseEpoch(ctx, run, plan);
  lap('finalise');
  timingsMs.total = Date.now() - startedMs;
  ctx.onLog?.('epoch finalised', {
    poolId,
    epoch,
    revenueMinor: plan.totalRevenueMinor.toString(),
    timingsMs,
  });
  return {
    poolId,
    epoch,
    registrationBatches: plan.registrations.length,
    epochBatches: plan.epochBatches.length,
    reportingCount: plan.reportingCount,
    totalEnergyWh: plan.totalEnergyWh,
    totalRevenueMinor: plan.totalRevenueMinor,
    root: plan.state.root,
    skipped: plan.skipped,
    unregistered,
    timingsMs,
  };
}
