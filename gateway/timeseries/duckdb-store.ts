import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { Mutex } from 'async-mutex';
import { type Bucketing, DEFAULT_BUCKETING } from './buckets.ts';
import { fillRegisteredDevices, type RegisteredDevicesFn } from './coverage.ts';
import { TimeSeriesClosedError } from './errors.ts';
import type { AcceptedReading, AggregateQuery, AggregateRow, TimeSeriesStore } from './types.ts';
import { assertAcceptedReading, assertAggregateQuery } from './validate.ts';

/** Options of the embedded DuckDB time-series store. */
export interface DuckDbStoreOptions {
  /** DuckDB file (created with its folder if missing), or `:memory:`. */
  path: string;
  registeredDevices: RegisteredDevicesFn;
  bucketing?: Bucketing;
}

const COLUMNS = `pool_id UINTEGER NOT NULL, device_id VARCHAR NOT NULL, site_id VARCHAR NOT NULL, kind VARCHAR NOT NULL,
  seq UINTEGER NOT NULL, ts BIGINT NOT NULL, energy_wh BIGINT NOT NULL, revenue_minor BIGINT NOT NULL,
  energy_delta_wh BIGINT NOT NULL, revenue_delta_minor BIGINT NOT NULL, new_session BOOLEAN NOT NULL`;

/**
 * Embedded time-series store on one DuckDB file. Every accepted reading is kept as one row
 * (idempotent on device and sequence, so a replayed hand-off never double-counts) and aggregates are
 * computed at query time with integer bucketing and exact sums (BIGINT deltas summed into HUGEINT:
 * no floating point anywhere). `write` appends a batch through the DuckDB appender in one transaction (all or nothing;
 * a batch repeating stored readings goes through a staging table and `INSERT OR IGNORE`); when it
 * resolves the batch is durable, so nothing is buffered.
 */
export class DuckDbTimeSeriesStore implements TimeSeriesStore {
  private readonly writes = new Mutex();
  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection,
    private readonly reader: DuckDBConnection,
    private readonly options: DuckDbStoreOptions & { bucketing: Bucketing },
  ) {}

  /**
   * Opens (or creates) the store.
   *
   * @example
   * const store = await DuckDbTimeSeriesStore.open({ path: 'data/timeseries.duckdb', registeredDevices: () => 0 });
   * await store.write(readings);
   * const rows = await store.query({ poolId: 1, level: 'pool', interval: '1h', fromTs: 0, toTs: 2 ** 32 });
   */
  static async open(options: DuckDbStoreOptions): Promise<DuckDbTimeSeriesStore> {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    const instance = await DuckDBInstance.create(options.path);
    const writer = await instance.connect();
    await writer.run(`CREATE TABLE IF NOT EXISTS ts_readings (${COLUMNS}, PRIMARY KEY (device_id, seq))`);
    await writer.run(`CREATE TABLE IF NOT EXISTS ts_staging (${COLUMNS})`);
    // Rows of a batch whose transaction never committed (crash between append and move): the writer never resolved.
    await writer.run('DELETE FROM ts_staging');
    const reader = await instance.connect();
    return new DuckDbTimeSeriesStore(instance, writer, reader, {
      ...options,
      bucketing: options.bucketing ?? DEFAULT_BUCKETING,
    });
  }

  /** Appends a batch; readings already stored (same device and sequence) are ignored. */
  async write(readings: readonly AcceptedReading[]): Promise<void> {
    this.assertOpen('write');
    for (const reading of readings) assertAcceptedReading(reading);
    if (readings.length === 0) return;
    // A batch may itself repeat a reading: keep the first of each (device, seq).
    const seen = new Set<string>();
    const unique = readings.filter((r) => {
      const key = `${r.deviceId}\n${r.seq}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    await this.writes.runExclusive(async () => {
      // Fast path: the appender straight into the table inside one transaction, so a batch holding
      // an already stored reading (a replayed hand-off) fails whole and takes the slow path. The
      // appender's flush only stages the rows; the COMMIT (index merge, WAL write and sync) runs on
      // DuckDB's own thread, so the event loop is not blocked while the batch becomes durable.
      await this.writer.run('BEGIN TRANSACTION');
      try {
        await this.append('ts_readings', unique);
        await this.writer.run('COMMIT');
        return;
      } catch (error) {
        // A failed COMMIT has already ended the transaction: ROLLBACK then has nothing to undo.
        await this.writer.run('ROLLBACK').catch(() => undefined);
        if (!/duplicate key|constraint/i.test(String(error))) throw error;
      }
      await this.append('ts_staging', unique);
      await this.writer.run('BEGIN TRANSACTION');
      try {
        await this.writer.run('INSERT OR IGNORE INTO ts_readings SELECT * FROM ts_staging');
        await this.writer.run('DELETE FROM ts_staging');
        await this.writer.run('COMMIT');
      } catch (error) {
        await this.writer.run('ROLLBACK');
        await this.writer.run('DELETE FROM ts_staging');
        throw error;
      }
    });
  }

  private async append(table: string, readings: readonly AcceptedReading[]): Promise<void> {
    const appender = await this.writer.createAppender(table);
    try {
      for (const r of readings) {
        appender.appendUInteger(r.poolId);
        appender.appendVarchar(r.deviceId);
        appender.appendVarchar(r.siteId);
        appender.appendVarchar(r.kind);
        appender.appendUInteger(r.seq);
        appender.appendBigInt(BigInt(r.ts));
        appender.appendBigInt(r.energyWh);
        appender.appendBigInt(r.revenueMinor);
        appender.appendBigInt(r.energyDeltaWh);
        appender.appendBigInt(r.revenueDeltaMinor);
        appender.appendBoolean(r.newSession);
        appender.endRow();
      }
      appender.flushSync();
    } finally {
      try {
        appender.closeSync();
      } catch {
        // closing repeats a failed flush's error; the flush already threw it
      }
    }
  }

  /** Aggregates per bucket of `q.interval` over readings with `fromTs <= ts < toTs`; only buckets with readings are returned. */
  async query(q: AggregateQuery): Promise<AggregateRow[]> {
    this.assertOpen('query');
    const intervalS = assertAggregateQuery(q, this.options.bucketing);
    const offsetS = this.options.bucketing.offsetS;
    const groupColumns =
      q.level === 'pool' ? [] : q.level === 'site' ? ['site_id'] : ['site_id', 'device_id'];
    const idColumn = q.level === 'site' ? 'site_id' : 'device_id';
    const filterId = q.level !== 'pool' && q.id !== undefined ? `AND ${idColumn} = $id` : '';
    const select = groupColumns.map((c) => `, ${c}`).join('');
    const order = q.level === 'pool' ? '' : `, ${idColumn}`;
    const sql = `
      SELECT (ts - $offset) - (((ts - $offset) % $interval) + $interval) % $interval + $offset AS bucket_start${select},
             SUM(energy_delta_wh) AS energy_wh, SUM(revenue_delta_minor) AS revenue_minor,
             COUNT(*) FILTER (WHERE new_session) AS sessions, COUNT(DISTINCT device_id) AS reporting
      FROM ts_readings
      WHERE pool_id = $pool AND ts >= $from AND ts < $to ${filterId}
      GROUP BY ALL ORDER BY bucket_start${order}`;
    const params: Record<string, string | bigint | number> = {
      offset: BigInt(offsetS),
      interval: BigInt(intervalS),
      pool: q.poolId,
      from: BigInt(q.fromTs),
      to: BigInt(q.toTs),
    };
    if (filterId) params.id = q.id as string;
    const result = await this.reader.runAndReadAll(sql, params);
    const rows: AggregateRow[] = result.getRowObjects().map((r) => ({
      bucketStartTs: Number(r.bucket_start as bigint),
      poolId: q.poolId,
      ...(q.level !== 'pool' ? { siteId: r.site_id as string } : {}),
      ...(q.level === 'device' ? { deviceId: r.device_id as string } : {}),
      energyWh: BigInt(r.energy_wh as bigint),
      revenueMinor: BigInt(r.revenue_minor as bigint),
      sessions: Number(r.sessions as bigint),
      reportingDevices: Number(r.reporting as bigint),
      registeredDevices: 0,
    }));
    return fillRegisteredDevices(rows, q.level, this.options.registeredDevices);
  }

  /** Always 0: a resolved `write` is already durable in the DuckDB file. */
  bufferedPoints(): number {
    return 0;
  }

  /** Waits for writes in progress. */
  async flush(): Promise<void> {
    await this.writes.runExclusive(async () => {});
  }

  /** Waits for writes in progress, checkpoints and closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    await this.writer.run('CHECKPOINT');
    this.writer.closeSync();
    this.reader.closeSync();
    this.instance.closeSync();
  }

  private assertOpen(operation: string): void {
    if (this.closed) throw new TimeSeriesClosedError(operation);
  }
}
