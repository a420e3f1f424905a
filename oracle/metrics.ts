import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Transport } from 'viem';
import type { EpochOutcome } from './epoch-job.ts';
import type { ProveJob, ProverPool } from './prover-pool.ts';
import type { SchedulerEvent } from './scheduler.ts';
import type { TxSenderEvent } from './tx-sender.ts';

/** Stages of an epoch job, as measured by the job (`EpochOutcome.timingsMs`). */
export const EPOCH_STAGES = ['select', 'plan', 'prove', 'post', 'finalise'] as const;

/**
 * The oracle's Prometheus metrics (one registry per oracle, so several can run in one process). Every name,
 * type and label is listed in `oracle/README.md` ("Metrics").
 */
export interface OracleMetrics {
  readonly registry: Registry;
  readonly epochStageSeconds: Histogram<'stage'>;
  readonly epochsFinalised: Counter<'pool'>;
  readonly epochFailures: Counter<'pool'>;
  readonly currentEpoch: Gauge<'pool'>;
  readonly finalisedEpoch: Gauge<'pool'>;
  readonly proofsMade: Counter<'circuit'>;
  readonly proofsFailed: Counter<'circuit'>;
  readonly proofSeconds: Histogram<'circuit'>;
  readonly transactionsSent: Counter<'function'>;
  readonly transactionsReplaced: Counter;
  readonly transactionsRetried: Counter<'reason'>;
  readonly transactionsConfirmed: Counter;
  readonly rpcErrors: Counter<'method'>;
}

/**
 * Creates the oracle's metrics in a registry of their own, with the default process metrics (CPU, memory,
 * event loop lag, ...) under the `oracle_` prefix.
 *
 * @example
 * const metrics = createOracleMetrics();
 * const text = await metrics.registry.metrics();
 */
export function createOracleMetrics(): OracleMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'oracle_' });
  const registers = [registry];
  return {
    registry,
    epochStageSeconds: new Histogram({
      name: 'oracle_epoch_stage_seconds',
      help: 'Wall time of one stage of an epoch job (select, plan, prove, post, finalise); a resumed job measures what it redid',
      labelNames: ['stage'] as const,
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
      registers,
    }),
    epochsFinalised: new Counter({
      name: 'oracle_epochs_finalised_total',
      help: 'Epochs finalised on-chain and locally by this oracle, by pool',
      labelNames: ['pool'] as const,
      registers,
    }),
    epochFailures: new Counter({
      name: 'oracle_epoch_failures_total',
      help: 'Epoch jobs that failed (retried at the next scheduler tick), by pool',
      labelNames: ['pool'] as const,
      registers,
    }),
    currentEpoch: new Gauge({
      name: 'oracle_epoch_current',
      help: 'Epoch whose job the oracle last started, by pool',
      labelNames: ['pool'] as const,
      registers,
    }),
    finalisedEpoch: new Gauge({
      name: 'oracle_epoch_finalised',
      help: 'Last epoch finalised by this oracle (0: none yet), by pool',
      labelNames: ['pool'] as const,
      registers,
    }),
    proofsMade: new Counter({
      name: 'oracle_proofs_made_total',
      help: 'Groth16 proofs made, by circuit kind (epoch, registration)',
      labelNames: ['circuit'] as const,
      registers,
    }),
    proofsFailed: new Counter({
      name: 'oracle_proofs_failed_total',
      help: 'Proofs that failed (witness or prover error, crashed worker), by circuit kind',
      labelNames: ['circuit'] as const,
      registers,
    }),
    proofSeconds: new Histogram({
      name: 'oracle_proof_seconds',
      help: 'Time to make one proof (witness + Groth16, without queueing), by circuit kind',
      labelNames: ['circuit'] as const,
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
      registers,
    }),
    transactionsSent: new Counter({
      name: 'oracle_transactions_sent_total',
      help: 'Transactions signed and broadcast (not counting replacements and rebroadcasts), by contract function',
      labelNames: ['function'] as const,
      registers,
    }),
    transactionsReplaced: new Counter({
      name: 'oracle_transactions_replaced_total',
      help: 'Stuck transactions replaced by the same call at the same nonce with higher fees',
      registers,
    }),
    transactionsRetried: new Counter({
      name: 'oracle_transactions_retried_total',
      help: 'Signed transactions broadcast again, by reason (dropped, reorg, resumed)',
      labelNames: ['reason'] as const,
      registers,
    }),
    transactionsConfirmed: new Counter({
      name: 'oracle_transactions_confirmed_total',
      help: 'Transactions that reached the configured confirmations',
      registers,
    }),
    rpcErrors: new Counter({
      name: 'oracle_rpc_errors_total',
      help: 'Failed JSON-RPC requests of the oracle (transport failure or error answer, after the client retries), by method',
      labelNames: ['method'] as const,
      registers,
    }),
  };
}

/** Records the stage durations and the finalised epoch of a finished epoch job. */
export function observeEpochOutcome(metrics: OracleMetrics, outcome: EpochOutcome): void {
  for (const stage of EPOCH_STAGES)
    metrics.epochStageSeconds.observe({ stage }, outcome.timingsMs[stage] / 1000);
  const pool = String(outcome.poolId);
  metrics.epochsFinalised.inc({ pool });
  metrics.finalisedEpoch.set({ pool }, outcome.epoch);
}

/** Records the epoch the scheduler works on and its failures. */
export function observeSchedulerEvent(metrics: OracleMetrics, event: SchedulerEvent): void {
  const pool = String(event.poolId);
  if (event.type === 'epoch:started') metrics.currentEpoch.set({ pool }, event.epoch);
  else if (event.type === 'epoch:failed') metrics.epochFailures.inc({ pool });
}

/** Records what the transaction sender did. */
export function observeTxEvent(metrics: OracleMetrics, event: TxSenderEvent): void {
  if (event.type === 'sent') metrics.transactionsSent.inc({ function: event.functionName });
  else if (event.type === 'replaced') metrics.transactionsReplaced.inc();
  else if (event.type === 'rebroadcast') metrics.transactionsRetried.inc({ reason: event.reason });
  else if (event.type === 'confirmed') metrics.transactionsConfirmed.inc();
}

/**
 * Wraps a prover pool so every proof is counted (made or failed) and timed, by circuit kind (`circuitOf`).
 *
 * @example
 * const prover = instrumentProver(createProverPool(), metrics, (job) => kindByWasm.get(job.wasmPath) ?? 'unknown');
 */
export function instrumentProver(
  prover: ProverPool,
  metrics: OracleMetrics,
  circuitOf: (job: ProveJob) => string,
): ProverPool {
  const prove: ProverPool['prove'] = async (job) => {
    const circuit = circuitOf(job);
    try {
      const result = await prover.prove(job);
      metrics.proofsMade.inc({ circuit });
      metrics.proofSeconds.observe({ circuit }, (result.witnessMs + result.proveMs) / 1000);
      return result;
    } catch (error) {
      metrics.proofsFailed.inc({ circuit });
      throw error;
    }
  };
  return {
    prove,
    proveAll: (jobs) => Promise.all(jobs.map((job) => prove(job))),
    peakRssBytes: () => prover.peakRssBytes(),
    close: () => prover.close(),
  };
}

/**
 * Wraps a viem transport so each failed request (after the transport's own retries) is counted by method.
 *
 * @example
 * const client = createPublicClient({ transport: countRpcErrors(http(rpcUrl), metrics) });
 */
export function countRpcErrors<T extends Transport>(transport: T, metrics: OracleMetrics): T {
  const counted = ((params: Parameters<T>[0]) => {
    const inner = transport(params);
    const request = (async (args, options) => {
      try {
        return await inner.request(args, options);
      } catch (error) {
        metrics.rpcErrors.inc({ method: args.method });
        throw error;
      }
    }) as typeof inner.request;
    return { ...inner, request };
  }) as T;
  return counted;
}
