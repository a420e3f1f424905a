import { type Bucketing, DEFAULT_INTERVALS_S, type IntervalLengths } from './buckets.ts';
import type { RegisteredDevicesFn } from './coverage.ts';
import { DuckDbTimeSeriesStore } from './duckdb-store.ts';
import { TimeSeriesConfigError } from './errors.ts';
import { type InfluxQueryBackend, type InfluxStoreOptions, InfluxTimeSeriesStore } from './influx-store.ts';
import { TeeTimeSeriesStore } from './tee-store.ts';
import type { TimeSeriesStore } from './types.ts';

export type { Bucketing, IntervalLengths } from './buckets.ts';
export { bucketStart, DEFAULT_INTERVALS_S } from './buckets.ts';
export type { RegisteredDevicesFn } from './coverage.ts';
export { DuckDbTimeSeriesStore } from './duckdb-store.ts';
export * from './errors.ts';
export type {
  InfluxQueryBackend,
  InfluxStoreEvent,
  InfluxStoreOptions,
  InfluxStoreStats,
} from './influx-store.ts';
export { InfluxTimeSeriesStore } from './influx-store.ts';
export { type LedgerSource, rebuildFromLedger } from './rebuild.ts';
export { TeeTimeSeriesStore } from './tee-store.ts';
export type * from './types.ts';

/** Settings shared by both adapters. */
interface CommonConfig {
  /** Registered (active) devices of a pool, site or device: the denominator of coverage. */
  registeredDevices: RegisteredDevicesFn;
  /** Override interval lengths in seconds (default 15m = 900, 1h = 3600, 1d = 86400). */
  intervalsS?: Partial<IntervalLengths>;
  /** Offset of bucket boundaries from the unix epoch in seconds (default 0: UTC; -28800 for China-time days). */
  bucketOffsetS?: number;
}

/** The embedded default: one DuckDB file. */
export interface DuckDbConfig extends CommonConfig {
  kind?: 'duckdb';
  /** DuckDB file, or `:memory:`. */
  path: string;
}

/** InfluxDB line protocol (InfluxDB 2.x/3.x/Cloud, VictoriaMetrics) with an on-disk buffer. */
export interface InfluxConfig
  extends CommonConfig,
    Omit<InfluxStoreOptions, 'registeredDevices' | 'bucketing' | 'query'> {
  kind: 'influx';
  /**
   * Where queries go: Flux (InfluxDB 2, default), VictoriaMetrics' export API, or an embedded DuckDB
   * file written alongside (for endpoints that take writes only).
   */
  query?: InfluxQueryBackend | { kind: 'duckdb'; path: string };
}

/** Configuration of `createTimeSeriesStore`: DuckDB unless `kind: 'influx'`. */
export type TimeSeriesConfig = DuckDbConfig | InfluxConfig;

function bucketingOf(config: CommonConfig): Bucketing {
  const intervalsS = { ...DEFAULT_INTERVALS_S, ...config.intervalsS };
  for (const [name, seconds] of Object.entries(intervalsS))
    if (!Number.isSafeInteger(seconds) || seconds <= 0)
      throw new TimeSeriesConfigError(
        `time-series interval ${name} must be a positive whole number of seconds`,
        {
          details: `got ${seconds}`,
        },
      );
  const offsetS = config.bucketOffsetS ?? 0;
  if (!Number.isSafeInteger(offsetS))
    throw new TimeSeriesConfigError('bucketOffsetS must be a whole number of seconds', {
      details: `got ${offsetS}`,
    });
  return { intervalsS, offsetS };
}

function required(config: object, keys: string[], kind: string): void {
  for (const key of keys) {
    const value = (config as Record<string, unknown>)[key];
    if (typeof value !== 'string' || value === '')
      throw new TimeSeriesConfigError(`time-series config (${kind}) is missing ${key}`, {
        hint:
          kind === 'influx'
            ? 'give url, token, org, bucket and bufferDir (e.g. from INFLUX_URL, INFLUX_TOKEN, INFLUX_ORG, INFLUX_BUCKET)'
            : 'give the DuckDB file path, or ":memory:"',
      });
  }
}

/**
 * Opens the time-series store selected by `config`: the embedded DuckDB store (default) or the
 * InfluxDB line-protocol adapter with its on-disk buffer.
 *
 * @example
 * const store = await createTimeSeriesStore({ path: 'data/timeseries.duckdb', registeredDevices: (poolId, level, id) => registry.count(poolId, level, id) });
 * await store.write(acceptedReadings);
 * const rows = await store.query({ poolId: 1, level: 'site', interval: '1h', fromTs, toTs });
 *
 * @example
 * const store = await createTimeSeriesStore({
 *   kind: 'influx', url: process.env.INFLUX_URL!, token: process.env.INFLUX_TOKEN!, org: 'rwa', bucket: 'iot',
 *   bufferDir: 'data/influx-buffer', registeredDevices,
 * });
 */
export async function createTimeSeriesStore(config: TimeSeriesConfig): Promise<TimeSeriesStore> {
  if (typeof config.registeredDevices !== 'function')
    throw new TimeSeriesConfigError('time-series config is missing registeredDevices', {
      hint: 'pass a function (poolId, level, id) => number of registered devices, used for coverage',
    });
  const bucketing = bucketingOf(config);
  if (config.kind === undefined || config.kind === 'duckdb') {
    required(config, ['path'], 'duckdb');
    return DuckDbTimeSeriesStore.open({
      path: config.path,
      registeredDevices: config.registeredDevices,
      bucketing,
    });
  }
  if (config.kind !== 'influx')
    throw new TimeSeriesConfigError(
      `unknown time-series kind ${JSON.stringify((config as { kind: unknown }).kind)}`,
      {
        hint: 'use "duckdb" (default) or "influx"',
      },
    );
  required(config, ['url', 'token', 'org', 'bucket', 'bufferDir'], 'influx');
  const { kind: _kind, intervalsS: _intervals, bucketOffsetS: _offset, query, ...options } = config;
  if (query?.kind === 'duckdb') {
    required(query, ['path'], 'duckdb');
    const embedded = await DuckDbTimeSeriesStore.open({
      path: query.path,
      registeredDevices: config.registeredDevices,
      bucketing,
    });
    const influx = await InfluxTimeSeriesStore.open({ ...options, bucketing });
    return new TeeTimeSeriesStore(embedded, influx);
  }
  return InfluxTimeSeriesStore.open({ ...options, bucketing, ...(query ? { query } : {}) });
}
