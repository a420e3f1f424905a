import { ApiRequestError } from '../errors.ts';
import type { ApiDeps } from './api-deps.ts';
import { sendJson } from './json.ts';
import type { RouteRequest } from './router.ts';

/**
 * Where an epoch of a pool stands:
 * `open` (not ended yet), `pending` (ended, waiting for the grace period or the scheduler), `proving` (readings
 * selected, proofs being computed), `posting` (proved, batches being posted), `finalising` (every batch on-chain,
 * finalisation pending), `finalised` (finalised on-chain).
 */
export type EpochStatus = 'open' | 'pending' | 'proving' | 'posting' | 'finalising' | 'finalised';

/** An epoch's totals (decimal strings for the sums). `coverageBps` = reporting x 10,000 / registered, floored. */
export interface EpochTotalsView {
  energyWh: string;
  revenueMinor: string;
  reportingCount: number;
  registeredCount: number;
  coverageBps: number;
  /** `chain`: the `EpochFinalised` event; `proofs`: the sum of the epoch's proven batches (before finalisation). */
  source: 'chain' | 'proofs';
}

/** A transaction of the attestation registry. */
export interface AttestationTxView {
  kind: 'registration' | 'epoch' | 'finalize';
  /** Registration: the attested device count after it; epoch batch: its on-chain batch index; finalize: 0. */
  index: number;
  txHash: string;
  blockNumber: string;
}

/** One proven batch of an epoch job (a registration batch or an epoch batch) and its public bundle. */
export interface AttestationBatchView {
  kind: 'registration' | 'epoch';
  /** Registration: the attested device count after it; epoch batch: its on-chain batch index. */
  index: number;
  /** `proved` (bundle written), `posted` (transaction sent), `confirmed` (on-chain). */
  stage: 'proved' | 'posted' | 'confirmed';
  oldRoot: string;
  newRoot: string;
  /** Where the public proof bundle is served (the oracle's bundle server), if it serves bundles. */
  bundleUrl: string | null;
  /** The bundle's path under the bundle server's base (`pool-1/epoch-3/batch-0.json`). */
  bundlePath: string;
  txHash: string | null;
  blockNumber: string | null;
  /**
   * The bundle's Groth16 proof checked with snarkjs against the circuit's verification key (cached); null while the
   * check is queued (large epochs are checked in the background, a few proofs per request inline).
   */
  proofVerified: boolean | null;
}

/** An epoch in the list of a pool's epochs. */
export interface EpochSummaryView {
  poolId: number;
  epoch: number;
  startTs: number;
  endTs: number;
  status: EpochStatus;
  /** Null until every epoch batch is proven. */
  totals: EpochTotalsView | null;
  /** The pool's state root after the epoch (finalised, or the last proven batch's); null before proving. */
  stateRoot: string | null;
  batchCount: { registration: number; epoch: number; proved: number; onChain: number };
  finalisation: { txHash: string; blockNumber: string } | null;
}

/** One epoch with every transaction, bundle and the verification status. */
export interface EpochDetailView extends EpochSummaryView {
  /** The pool's state root before the epoch's first batch; null before proving. */
  oldRoot: string | null;
  batches: AttestationBatchView[];
  /** Every transaction of the epoch in chain order (registration batches, epoch batches, finalisation). */
  transactions: AttestationTxView[];
  verification: {
    /** `EpochFinalised` is on-chain and its root equals the last proven batch's. */
    finalisedOnChain: boolean;
    /** Proofs checked with snarkjs, how many held, and how many are still queued for checking. */
    proofsChecked: number;
    proofsValid: number;
    proofsQueued: number;
    /**
     * `verified`: finalised on-chain and every proof checked and valid; `failed`: a proof invalid, a bundle missing
     * or a root differs; `in-progress` otherwise.
     */
    status: 'verified' | 'failed' | 'in-progress';
    problems: string[];
  };
}

/**
 * Epoch and attestation views of the pools an oracle serves. The gateway only declares this port; the oracle
 * implements it (gateway and oracle run in one process, see `GatewayHandle.attachAttestations`).
 */
export interface AttestationViewsProvider {
  /** Pool ids served. */
  pools(): readonly number[];
  /** Every epoch of a served pool from 1 to the current (open) one, newest last. */
  epochs(poolId: number): Promise<EpochSummaryView[]>;
  /** One epoch of a served pool; undefined if it has not started yet. */
  epoch(poolId: number, epoch: number): Promise<EpochDetailView | undefined>;
}

/** The path of the epoch views: `/pools/:poolId/epochs` and `/pools/:poolId/epochs/:epoch`. */
export const POOL_EPOCHS_PATH = /^\/pools\/(?<poolId>[^/]+)\/epochs(?:\/(?<epoch>[^/]+))?$/;

function positiveInt(raw: string, name: string): number {
  if (!/^\d{1,10}$/.test(raw) || Number(raw) < 1 || Number(raw) > 2 ** 32 - 1)
    throw new ApiRequestError(`${name} ${raw} is not a positive integer`, {
      hint: `${name} is a decimal number from 1 to 4294967295`,
    });
  return Number(raw);
}

/**
 * `GET /pools/:poolId/epochs` and `GET /pools/:poolId/epochs/:epoch` (path `POOL_EPOCHS_PATH`) from the attached
 * provider. Without a provider: 501; bad ids: 400; unknown pool or epoch: 404.
 */
export async function getPoolEpochs({ deps, params, res }: RouteRequest<ApiDeps>): Promise<void> {
  const provider = deps.attestations?.();
  if (provider === undefined)
    throw new ApiRequestError('no oracle attached: epoch and attestation views are not available', {
      status: 501,
      hint: 'run the gateway with the oracle (oracle/cli.ts run), which attaches them',
    });
  const poolId = positiveInt(decodeURIComponent(params.poolId!), 'pool id');
  if (!provider.pools().includes(poolId))
    throw new ApiRequestError(`pool ${poolId} is not served by the attached oracle`, {
      status: 404,
      details: `served pools: ${provider.pools().join(', ') || 'none'}`,
    });
  if (params.epoch === undefined) {
    sendJson(res, 200, { poolId, epochs: await provider.epochs(poolId) });
    return;
  }
  const epoch = positiveInt(decodeURIComponent(params.epoch), 'epoch');
  const view = await provider.epoch(poolId, epoch);
  if (view === undefined)
    throw new ApiRequestError(`epoch ${epoch} of pool ${poolId} has not started`, { status: 404 });
  sendJson(res, 200, view);
}
