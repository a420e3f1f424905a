import type { InfluxDB } from '@influxdata/influxdb-client';
import { FIELDS } from './line-protocol.ts';
import type { DevicePoint } from './rollup.ts';
import type { AggregateQuery } from './types.ts';

const flux = (value: string) => JSON.stringify(value);
const iso = (ts: number) => new Date(ts * 1000).toISOString();

/**
 * Flux program returning, per device and window of `intervalS` seconds, the integer sums of the
 * energy and revenue deltas and of new sessions (int64 sums: exact). The caller rolls the per-device
 * windows up to sites and the pool and counts reporting devices.
 */
export function buildFlux(args: {
  bucket: string;
  measurement: string;
  query: AggregateQuery;
  intervalS: number;
  offsetS: number;
}): string {
  const { bucket, measurement, query, intervalS, offsetS } = args;
  const idFilter =
    query.id === undefined || query.level === 'pool'
      ? ''
      : `\n  |> filter(fn: (r) => r.${query.level === 'site' ? 'site' : 'device'} == ${flux(query.id)})`;
  const fields = [FIELDS.energyDeltaWh, FIELDS.revenueDeltaMinor, FIELDS.newSession]
    .map((field) => `r._field == ${flux(field)}`)
    .join(' or ');
  return `from(bucket: ${flux(bucket)})
  |> range(start: ${iso(query.fromTs)}, stop: ${iso(query.toTs)})
  |> filter(fn: (r) => r._measurement == ${flux(measurement)} and r.pool == ${flux(String(query.poolId))})
  |> filter(fn: (r) => ${fields})${idFilter}
  |> group(columns: ["device", "site", "_field"])
  |> aggregateWindow(every: ${intervalS}s, offset: ${offsetS}s, fn: sum, createEmpty: false, timeSrc: "_start")
  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")`;
}

/** Runs the Flux program of `buildFlux` and returns its rows as device points (raw int64 strings parsed as bigint). */
export async function queryFluxDevicePoints(
  client: InfluxDB,
  org: string,
  fluxProgram: string,
  fromTs: number,
): Promise<DevicePoint[]> {
  const points: DevicePoint[] = [];
  for await (const { values, tableMeta } of client.getQueryApi(org).iterateRows(fluxProgram)) {
    const raw = (label: string) => {
      const column = tableMeta.columns.find((c) => c.label === label);
      return column === undefined ? '' : (values[column.index] ?? '');
    };
    const windowStartTs = Math.floor(Date.parse(raw('_time')) / 1000);
    points.push({
      // the first window is cut at the range start; any instant of the window maps back to its bucket
      ts: Math.max(windowStartTs, fromTs),
      deviceId: raw('device'),
      siteId: raw('site'),
      energyDeltaWh: BigInt(raw(FIELDS.energyDeltaWh) || '0'),
      revenueDeltaMinor: BigInt(raw(FIELDS.revenueDeltaMinor) || '0'),
      sessions: Number(raw(FIELDS.newSession) || '0'),
    });
  }
  return points;
}
