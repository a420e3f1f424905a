import type { AggregateQuery, AggregateRow } from './types.ts';

/**
 * Number of devices registered (and active) in a pool, one of its sites, or for one device (0 or 1),
 * used as the denominator of coverage (`reportingDevices / registeredDevices`). The gateway passes a
 * function reading its registry.
 */
export type RegisteredDevicesFn = (
  poolId: number,
  level: AggregateQuery['level'],
  id?: string,
) => number | Promise<number>;

/** Fills `registeredDevices` of every row, asking `registeredDevices` once per distinct pool, site or device. */
export async function fillRegisteredDevices(
  rows: AggregateRow[],
  level: AggregateQuery['level'],
  registeredDevices: RegisteredDevicesFn,
): Promise<AggregateRow[]> {
  const cache = new Map<string, number>();
  for (const row of rows) {
    const id = level === 'pool' ? undefined : level === 'site' ? row.siteId : row.deviceId;
    const key = `${row.poolId}/${id ?? ''}`;
    let count = cache.get(key);
    if (count === undefined) {
      count = await registeredDevices(row.poolId, level, id);
      cache.set(key, count);
    }
    row.registeredDevices = count;
  }
  return rows;
}
