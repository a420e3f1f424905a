import { OracleConfigError } from './errors.ts';

/** The schedule of a pool (SPEC section 5): epoch `e` (1-based) covers `[genesisTs + (e-1)*len, genesisTs + e*len)`. */
export interface PoolSchedule {
  poolId: number;
  genesisTs: number;
  epochLengthS: number;
}

/** The half-open time range `[startTs, endTs)` of one epoch. */
export interface EpochBounds {
  epoch: number;
  startTs: number;
  endTs: number;
}

function checkSchedule(pool: PoolSchedule): void {
  if (!Number.isSafeInteger(pool.genesisTs) || pool.genesisTs < 0)
    throw new OracleConfigError(
      `pool ${pool.poolId}: genesisTs ${pool.genesisTs} is not a non-negative integer`,
    );
  if (!Number.isSafeInteger(pool.epochLengthS) || pool.epochLengthS <= 0)
    throw new OracleConfigError(
      `pool ${pool.poolId}: epochLengthS ${pool.epochLengthS} is not a positive integer`,
    );
}

/**
 * Bounds of epoch `epoch` of `pool`.
 *
 * @example
 * epochBounds({ poolId: 1, genesisTs: 1000, epochLengthS: 60 }, 2); // { epoch: 2, startTs: 1060, endTs: 1120 }
 */
export function epochBounds(pool: PoolSchedule, epoch: number): EpochBounds {
  checkSchedule(pool);
  if (!Number.isSafeInteger(epoch) || epoch < 1)
    throw new OracleConfigError(`epoch ${epoch} is not a positive integer (epochs are 1-based)`);
  const startTs = pool.genesisTs + (epoch - 1) * pool.epochLengthS;
  return { epoch, startTs, endTs: startTs + pool.epochLengthS };
}

/**
 * The last epoch of `pool` that may be closed at `nowS`: its end plus the grace period for late readings has
 * passed. Returns 0 when none has.
 *
 * @example
 * lastClosableEpoch({ poolId: 1, genesisTs: 1000, epochLengthS: 60 }, 1125, 5); // 2
 */
export function lastClosableEpoch(pool: PoolSchedule, nowS: number, graceS: number): number {
  checkSchedule(pool);
  const elapsedS = nowS - graceS - pool.genesisTs;
  if (elapsedS < pool.epochLengthS) return 0;
  return Math.floor(elapsedS / pool.epochLengthS);
}
