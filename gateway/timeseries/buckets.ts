import { TimeSeriesQueryError } from './errors.ts';
import type { AggregateInterval } from './types.ts';

/** Length of each aggregation interval in seconds. */
export type IntervalLengths = Record<AggregateInterval, number>;

/** The default interval lengths: 15 minutes, one hour, one (UTC) day. */
export const DEFAULT_INTERVALS_S: IntervalLengths = { '15m': 900, '1h': 3_600, '1d': 86_400 };

/** How readings are cut into buckets: interval lengths and the offset of bucket boundaries from the unix epoch. */
export interface Bucketing {
  intervalsS: IntervalLengths;
  /** Bucket boundaries are at `offsetS + k * intervalS` (e.g. -28800 for days starting at 00:00 China time). */
  offsetS: number;
}

/** The default bucketing: default intervals, boundaries aligned to the unix epoch (UTC). */
export const DEFAULT_BUCKETING: Bucketing = { intervalsS: DEFAULT_INTERVALS_S, offsetS: 0 };

/**
 * Length in seconds of `interval` under `bucketing`; throws on an unknown interval.
 *
 * @example
 * intervalSeconds(DEFAULT_BUCKETING, '1h'); // 3600
 */
export function intervalSeconds(bucketing: Bucketing, interval: AggregateInterval): number {
  const seconds = bucketing.intervalsS[interval];
  if (seconds === undefined || !Number.isSafeInteger(seconds) || seconds <= 0)
    throw new TimeSeriesQueryError(`unknown aggregation interval ${JSON.stringify(interval)}`, {
      hint: `use one of ${Object.keys(bucketing.intervalsS).join(', ')}`,
    });
  return seconds;
}

/**
 * Start (unix seconds) of the bucket of length `intervalS` that holds `ts`: `floor((ts - offsetS) / intervalS) * intervalS + offsetS`.
 *
 * @example
 * bucketStart(1767226500, 3600, 0); // 1767225600
 */
export function bucketStart(ts: number, intervalS: number, offsetS: number): number {
  const shifted = ts - offsetS;
  return shifted - (((shifted % intervalS) + intervalS) % intervalS) + offsetS;
}
