import { type Bucketing, intervalSeconds } from './buckets.ts';
import { TimeSeriesInputError, TimeSeriesQueryError } from './errors.ts';
import type { AcceptedReading, AggregateQuery } from './types.ts';
import { DEVICE_ID_PATTERN, MAX_UINT32 } from '../../protocol/constants.ts';

const MAX_REGISTER = 2n ** 48n - 1n;

/**
 * Checks that a reading follows the `AcceptedReading` contract before it is stored: ids and times in
 * the ranges of docs/SPEC.md section 2, registers and deltas integers in [0, 2^48).
 * Throws `TimeSeriesInputError` naming the reading and the field.
 */
export function assertAcceptedReading(reading: AcceptedReading): void {
  if (!Number.isSafeInteger(reading.poolId) || reading.poolId < 1 || reading.poolId > MAX_UINT32)
    failReading(reading, 'poolId', 'must be an integer in 1..2^32-1');
  if (typeof reading.deviceId !== 'string' || !DEVICE_ID_PATTERN.test(reading.deviceId))
    failReading(reading, 'deviceId', `must match ${DEVICE_ID_PATTERN.source}`);
  if (typeof reading.siteId !== 'string' || !DEVICE_ID_PATTERN.test(reading.siteId))
    failReading(reading, 'siteId', `must match ${DEVICE_ID_PATTERN.source}`);
  if (reading.kind !== 'ev' && reading.kind !== 'pv') failReading(reading, 'kind', 'must be "ev" or "pv"');
  if (!Number.isSafeInteger(reading.seq) || reading.seq < 1 || reading.seq > MAX_UINT32)
    failReading(reading, 'seq', 'must be an integer in 1..2^32-1');
  if (!Number.isSafeInteger(reading.ts) || reading.ts < 1 || reading.ts > MAX_UINT32)
    failReading(reading, 'ts', 'must be an integer in 1..2^32-1 (unix seconds)');
  for (const field of ['energyWh', 'revenueMinor', 'energyDeltaWh', 'revenueDeltaMinor'] as const) {
    const value = reading[field];
    if (typeof value !== 'bigint') failReading(reading, field, 'must be a bigint');
    if (value < 0n || value > MAX_REGISTER) failReading(reading, field, 'must lie in 0..2^48-1');
  }
  if (reading.energyDeltaWh > reading.energyWh)
    failReading(reading, 'energyDeltaWh', 'exceeds the energy register');
  if (reading.revenueDeltaMinor > reading.revenueMinor)
    failReading(reading, 'revenueDeltaMinor', 'exceeds the revenue register');
  if (typeof reading.newSession !== 'boolean') failReading(reading, 'newSession', 'must be a boolean');
  if (reading.kind === 'pv' && reading.newSession)
    failReading(reading, 'newSession', 'must be false for a PV device');
}

function failReading(reading: AcceptedReading, field: string, why: string): never {
  throw new TimeSeriesInputError(`reading ${reading.deviceId}#${reading.seq}: ${field} ${why}`, {
    hint: 'hand the store only readings the gateway accepted into the ledger, with deltas against the previous accepted reading',
  });
}

/** Checks an aggregate query and returns its interval length in seconds; throws `TimeSeriesQueryError`. */
export function assertAggregateQuery(query: AggregateQuery, bucketing: Bucketing): number {
  const intervalS = intervalSeconds(bucketing, query.interval);
  if (!Number.isSafeInteger(query.poolId) || query.poolId < 1)
    throw new TimeSeriesQueryError(`poolId ${query.poolId} is not a positive integer`);
  if (query.level !== 'pool' && query.level !== 'site' && query.level !== 'device')
    throw new TimeSeriesQueryError(`level ${JSON.stringify(query.level)} is unknown`, {
      hint: 'use pool, site or device',
    });
  if (query.level === 'pool' && query.id !== undefined)
    throw new TimeSeriesQueryError('a pool-level query takes no id', { hint: 'the pool is given by poolId' });
  if (query.id !== undefined && !DEVICE_ID_PATTERN.test(query.id))
    throw new TimeSeriesQueryError(`id ${JSON.stringify(query.id)} is not a site or device id`);
  if (!Number.isSafeInteger(query.fromTs) || !Number.isSafeInteger(query.toTs) || query.fromTs >= query.toTs)
    throw new TimeSeriesQueryError(
      `time range [${query.fromTs}, ${query.toTs}) is empty or not integer seconds`,
      {
        hint: 'fromTs is inclusive, toTs exclusive, both unix seconds',
      },
    );
  return intervalS;
}
