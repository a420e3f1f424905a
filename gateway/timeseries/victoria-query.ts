import { TimeSeriesQueryError } from './errors.ts';
import { FIELDS } from './line-protocol.ts';
import type { DevicePoint } from './rollup.ts';
import type { AggregateQuery } from './types.ts';

interface ExportedSeries {
  metric: Record<string, string>;
  values: number[];
  timestamps: number[];
}

/**
 * Reads the raw points of `query` back from VictoriaMetrics' own export API (`/api/v1/export`, no
 * Flux there) and returns one device point per reading. Samples are joined per device and timestamp
 * and a repeated sample (a replay into a server without `-dedup.minScrapeInterval`) is taken once,
 * so the result never double-counts. VictoriaMetrics keeps float64 samples: integers stay exact up
 * to 2^53, above the 2^48 register range of the protocol.
 */
export async function queryVictoriaDevicePoints(args: {
  url: string;
  headers: Record<string, string>;
  measurement: string;
  query: AggregateQuery;
}): Promise<DevicePoint[]> {
  const { url, headers, measurement, query } = args;
  const labels = [
    `__name__=~"${measurement}_(${FIELDS.energyDeltaWh}|${FIELDS.revenueDeltaMinor}|${FIELDS.newSession})"`,
  ];
  labels.push(`pool="${query.poolId}"`);
  if (query.id !== undefined && query.level !== 'pool')
    labels.push(`${query.level === 'site' ? 'site' : 'device'}="${query.id}"`);
  const params = new URLSearchParams({
    'match[]': `{${labels.join(',')}}`,
    start: String(query.fromTs),
    end: String(query.toTs - 1),
  });
  const response = await fetch(`${url.replace(/\/$/, '')}/api/v1/export?${params}`, { headers });
  if (!response.ok)
    throw new TimeSeriesQueryError(`VictoriaMetrics export answered ${response.status}`, {
      details: (await response.text()).slice(0, 500),
    });
  const byReading = new Map<string, DevicePoint>();
  for (const line of (await response.text()).split('\n')) {
    if (line.trim() === '') continue;
    const series = JSON.parse(line) as ExportedSeries;
    const field = series.metric.__name__?.slice(measurement.length + 1);
    const deviceId = series.metric.device ?? '';
    const siteId = series.metric.site ?? '';
    series.timestamps.forEach((timestampMs, i) => {
      const ts = Math.floor(timestampMs / 1000);
      const key = `${deviceId}/${ts}`;
      let point = byReading.get(key);
      if (point === undefined) {
        point = { ts, deviceId, siteId, energyDeltaWh: 0n, revenueDeltaMinor: 0n, sessions: 0 };
        byReading.set(key, point);
      }
      const value = series.values[i] ?? 0;
      if (!Number.isSafeInteger(value))
        throw new TimeSeriesQueryError(`VictoriaMetrics returned a non-integer ${field} ${value} for ${key}`);
      if (field === FIELDS.energyDeltaWh) point.energyDeltaWh = BigInt(value);
      else if (field === FIELDS.revenueDeltaMinor) point.revenueDeltaMinor = BigInt(value);
      else if (field === FIELDS.newSession) point.sessions = value;
    });
  }
  return [...byReading.values()];
}
