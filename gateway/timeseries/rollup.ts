import { bucketStart } from './buckets.ts';
import type { AggregateQuery, AggregateRow } from './types.ts';

/** A stored reading or a device's partial sum over a window, as read back from a server. */
export interface DevicePoint {
  ts: number;
  deviceId: string;
  siteId: string;
  energyDeltaWh: bigint;
  revenueDeltaMinor: bigint;
  sessions: number;
}

/**
 * Aggregates per-device points into rows of `query.level`, in bigint: energy and revenue are the
 * sums of deltas whose timestamp falls in the bucket, sessions the number of new sessions, reporting
 * devices the distinct devices with a point in the bucket. Rows come sorted by bucket, then id;
 * `registeredDevices` is left at 0 for the caller to fill.
 */
export function rollUp(
  points: Iterable<DevicePoint>,
  query: AggregateQuery,
  intervalS: number,
  offsetS: number,
): AggregateRow[] {
  const rows = new Map<string, AggregateRow & { devices: Set<string> }>();
  for (const point of points) {
    if (point.ts < query.fromTs || point.ts >= query.toTs) continue;
    if (query.level === 'site' && query.id !== undefined && point.siteId !== query.id) continue;
    if (query.level === 'device' && query.id !== undefined && point.deviceId !== query.id) continue;
    const bucketStartTs = bucketStart(point.ts, intervalS, offsetS);
    const groupId = query.level === 'pool' ? '' : query.level === 'site' ? point.siteId : point.deviceId;
    const key = `${bucketStartTs}/${groupId}`;
    let row = rows.get(key);
    if (row === undefined) {
      row = {
        bucketStartTs,
        poolId: query.poolId,
        ...(query.level === 'site' ? { siteId: point.siteId } : {}),
        ...(query.level === 'device' ? { siteId: point.siteId, deviceId: point.deviceId } : {}),
        energyWh: 0n,
        revenueMinor: 0n,
        sessions: 0,
        reportingDevices: 0,
        registeredDevices: 0,
        devices: new Set(),
      };
      rows.set(key, row);
    }
    row.energyWh += point.energyDeltaWh;
    row.revenueMinor += point.revenueDeltaMinor;
    row.sessions += point.sessions;
    row.devices.add(point.deviceId);
  }
  const result: AggregateRow[] = [];
  for (const { devices, ...row } of rows.values()) result.push({ ...row, reportingDevices: devices.size });
  const idOf = (row: AggregateRow) => row.deviceId ?? row.siteId ?? '';
  return result.sort(
    (a, b) => a.bucketStartTs - b.bucketStartTs || (idOf(a) < idOf(b) ? -1 : idOf(a) > idOf(b) ? 1 : 0),
  );
}
