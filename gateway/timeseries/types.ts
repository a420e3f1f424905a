/**
 * The port between the gateway core and the time-series store: the core hands over readings that
 * were committed to the evidence ledger (in order, per device), the store keeps aggregates per
 * device, site and pool per interval for dashboards and monitoring.
 */

/** A reading accepted into the evidence ledger, with its deltas against the device's previous accepted reading. */
export interface AcceptedReading {
  poolId: number;
  deviceId: string;
  siteId: string;
  kind: 'ev' | 'pv';
  seq: number;
  ts: number;
  energyWh: bigint;
  revenueMinor: bigint;
  energyDeltaWh: bigint; // vs the device's previous accepted reading; 0n for its first
  revenueDeltaMinor: bigint;
  newSession: boolean; // EV: sessionId != 0 and != previous reading's sessionId
}

/** Aggregation interval: 15 minutes, one hour, one day. */
export type AggregateInterval = '15m' | '1h' | '1d';

/** What to aggregate: one pool, or one site / device of it (or every site / device when `id` is absent). */
export interface AggregateQuery {
  poolId: number;
  level: 'pool' | 'site' | 'device';
  id?: string;
  interval: AggregateInterval;
  fromTs: number;
  toTs: number;
}

/** One bucket of one pool, site or device. */
export interface AggregateRow {
  bucketStartTs: number;
  poolId: number;
  siteId?: string;
  deviceId?: string;
  energyWh: bigint;
  revenueMinor: bigint;
  sessions: number;
  reportingDevices: number;
  registeredDevices: number;
}

/** A time-series store: an embedded default (DuckDB) or a real server (InfluxDB line protocol). */
export interface TimeSeriesStore {
  write(readings: readonly AcceptedReading[]): Promise<void>; // must not lose data; may buffer
  query(q: AggregateQuery): Promise<AggregateRow[]>;
  bufferedPoints(): number;
  flush(): Promise<void>;
  close(): Promise<void>;
}
