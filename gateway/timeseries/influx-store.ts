import { HttpError, InfluxDB, type WriteApi } from '@influxdata/influxdb-client';
import { type BackoffOptions, backoffDelayMs } from '../../lib/retry.ts';
import { type Bucketing, DEFAULT_BUCKETING } from './buckets.ts';
import { fillRegisteredDevices, type RegisteredDevicesFn } from './coverage.ts';
import { type BufferBatch, DiskBuffer } from './disk-buffer.ts';
import { TimeSeriesBufferFullError, TimeSeriesClosedError, TimeSeriesWriteError } from './errors.ts';
import { buildFlux, queryFluxDevicePoints } from './flux-query.ts';
import { readingToLine } from './line-protocol.ts';
import { type DevicePoint, rollUp } from './rollup.ts';
import type { AcceptedReading, AggregateQuery, AggregateRow, TimeSeriesStore } from './types.ts';
import { assertAcceptedReading, assertAggregateQuery } from './validate.ts';
import { queryVictoriaDevicePoints } from './victoria-query.ts';

/** Where `query` reads from: Flux on InfluxDB 2, or VictoriaMetrics' export API (it has no Flux). */
export type InfluxQueryBackend = { kind: 'flux' } | { kind: 'victoria-metrics'; url?: string };

/** Exponential backoff between failed sends: `min(maxDelayMs, minDelayMs * factor^(failures-1))`, plus up to `jitter` of it. */
export type RetryOptions = BackoffOptions;

/** Options of the InfluxDB line-protocol adapter. */
export interface InfluxStoreOptions {
  url: string;
  token: string;
  org: string;
  bucket: string;
  /** Folder of the on-disk buffer (one store per folder). */
  bufferDir: string;
  registeredDevices: RegisteredDevicesFn;
  /** Measurement name (default `reading`). */
  measurement?: string;
  /** Lines per HTTP write (default 5000). */
  batchSize?: number;
  /** Delay before a partial batch is sent (default 1000 ms). */
  flushIntervalMs?: number;
  /** Size limit of the on-disk buffer (default 256 MiB). */
  maxBufferBytes?: number;
  /** Size of one buffer segment file (default 4 MiB). */
  segmentBytes?: number;
  /** fsync each append to the buffer (default false: survives a process crash, not a power cut). */
  fsync?: boolean;
  /** HTTP request timeout (default 10 s). */
  requestTimeoutMs?: number;
  retry?: Partial<RetryOptions>;
  /** How long `close` keeps trying to send what is buffered before leaving it on disk (default 5 s). */
  closeTimeoutMs?: number;
  query?: InfluxQueryBackend;
  bucketing?: Bucketing;
  /** Called on every failed send and every batch moved to `rejected/` (for logs). */
  onEvent?: (event: InfluxStoreEvent) => void;
}

/** What the adapter reports to `onEvent`. */
export type InfluxStoreEvent =
  | {
      type: 'send-failed';
      error: Error;
      consecutiveFailures: number;
      retryInMs: number;
      bufferedPoints: number;
    }
  | { type: 'batch-rejected'; error: Error; file: string; points: number }
  | { type: 'recovered'; bufferedPoints: number };

/** Counters of the adapter, for metrics. */
export interface InfluxStoreStats {
  bufferedPoints: number;
  bufferedBytes: number;
  maxBufferBytes: number;
  sentPoints: number;
  failedSends: number;
  consecutiveFailures: number;
  bufferFullRejections: number;
  rejectedPoints: number;
  lastError: string | undefined;
}

const DEFAULT_RETRY: RetryOptions = { minDelayMs: 500, maxDelayMs: 30_000, factor: 2, jitter: 0.2 };

/**
 * Time-series adapter writing InfluxDB line protocol through `@influxdata/influxdb-client` to any
 * endpoint that speaks it (InfluxDB 2.x/3.x/Cloud, VictoriaMetrics). Every `write` first appends its
 * lines to a bounded on-disk buffer (so it survives a process restart and an unreachable server);
 * a single sender drains the buffer in order, in batches, with exponential backoff on failure, and
 * deletes what the server accepted. Lines carry integer fields only and are idempotent (measurement,
 * tags and timestamp identify a reading), so a resent batch overwrites itself.
 */
export class InfluxTimeSeriesStore implements TimeSeriesStore {
  private readonly client: InfluxDB;
  private readonly writeApi: WriteApi;
  private readonly measurement: string;
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  private readonly retry: RetryOptions;
  private readonly bucketing: Bucketing;
  private draining: Promise<Error | undefined> | undefined;
  private drainAgain = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private stopped = false;
  private readonly counters = {
    sentPoints: 0,
    failedSends: 0,
    consecutiveFailures: 0,
    bufferFullRejections: 0,
    rejectedPoints: 0,
    lastError: undefined as string | undefined,
  };

  private constructor(
    private readonly options: InfluxStoreOptions,
    private readonly buffer: DiskBuffer,
  ) {
    this.measurement = options.measurement ?? 'reading';
    this.batchSize = options.batchSize ?? 5_000;
    this.flushIntervalMs = options.flushIntervalMs ?? 1_000;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.client = new InfluxDB({
      url: options.url,
      token: options.token,
      timeout: options.requestTimeoutMs ?? 10_000,
    });
    this.writeApi = this.client.getWriteApi(options.org, options.bucket, 's', {
      // the client must never split or send on its own: one `flush` sends exactly one buffer batch
      batchSize: this.batchSize + 1,
      maxBatchBytes: Number.MAX_SAFE_INTEGER,
      flushInterval: 0,
      maxRetries: 0,
      maxBufferLines: this.batchSize + 1,
      // Our buffer owns retries: make `flush` reject instead of keeping lines in the client's memory.
      writeFailed: (error: Error) => Promise.reject(error),
    });
    this.bucketing = options.bucketing ?? DEFAULT_BUCKETING;
  }

  /**
   * Opens the adapter; points left in `bufferDir` by a previous process are sent first, in order.
   *
   * @example
   * const store = await InfluxTimeSeriesStore.open({
   *   url: 'http://127.0.0.1:8086', token, org: 'rwa', bucket: 'iot', bufferDir: 'data/influx-buffer',
   *   registeredDevices: (poolId) => registry.count(poolId),
   * });
   */
  static async open(options: InfluxStoreOptions): Promise<InfluxTimeSeriesStore> {
    const buffer = await DiskBuffer.open({
      dir: options.bufferDir,
      maxBytes: options.maxBufferBytes ?? 256 * 1024 * 1024,
      segmentBytes: options.segmentBytes ?? 4 * 1024 * 1024,
      fsync: options.fsync ?? false,
    });
    const store = new InfluxTimeSeriesStore(options, buffer);
    if (buffer.points() > 0) void store.drain();
    return store;
  }

  /** Buffers the readings on disk (all or none; `TimeSeriesBufferFullError` when full) and schedules their send. */
  async write(readings: readonly AcceptedReading[]): Promise<void> {
    if (this.closed) throw new TimeSeriesClosedError('write');
    for (const reading of readings) assertAcceptedReading(reading);
    const lines = readings.map((reading) => readingToLine(this.measurement, reading));
    try {
      await this.buffer.append(lines);
    } catch (error) {
      if (error instanceof TimeSeriesBufferFullError) this.counters.bufferFullRejections += 1;
      throw error;
    }
    if (this.counters.consecutiveFailures > 0) return; // the retry timer is running
    if (this.buffer.points() >= this.batchSize) void this.drain();
    else if (this.timer === undefined)
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.drain();
      }, this.flushIntervalMs).unref();
  }

  /** Aggregates through Flux (InfluxDB 2) or VictoriaMetrics' export API, exact in bigint. Reads what the server has, not the buffer. */
  async query(q: AggregateQuery): Promise<AggregateRow[]> {
    if (this.closed) throw new TimeSeriesClosedError('query');
    const intervalS = assertAggregateQuery(q, this.bucketing);
    const backend = this.options.query ?? { kind: 'flux' };
    let points: DevicePoint[];
    if (backend.kind === 'victoria-metrics') {
      points = await queryVictoriaDevicePoints({
        url: backend.url ?? this.options.url,
        headers: { Authorization: `Token ${this.options.token}` },
        measurement: this.measurement,
        query: q,
      });
    } else {
      const program = buildFlux({
        bucket: this.options.bucket,
        measurement: this.measurement,
        query: q,
        intervalS,
        offsetS: this.bucketing.offsetS,
      });
      points = await queryFluxDevicePoints(this.client, this.options.org, program, q.fromTs);
    }
    return fillRegisteredDevices(
      rollUp(points, q, intervalS, this.bucketing.offsetS),
      q.level,
      this.options.registeredDevices,
    );
  }

  /** Points on disk that the server has not accepted yet. */
  bufferedPoints(): number {
    return this.buffer.points();
  }

  /** Counters for metrics: buffer fill, sends, failures, buffer-full rejections. */
  stats(): InfluxStoreStats {
    return {
      bufferedPoints: this.buffer.points(),
      bufferedBytes: this.buffer.bytes(),
      maxBufferBytes: this.options.maxBufferBytes ?? 256 * 1024 * 1024,
      ...this.counters,
    };
  }

  /**
   * Sends everything buffered now. Rejects with `TimeSeriesWriteError` when the server cannot be
   * reached; the points stay buffered and the background retries go on.
   */
  async flush(): Promise<void> {
    const error = await this.drain();
    if (error)
      throw new TimeSeriesWriteError(`time-series server did not accept the buffered points`, {
        details: `${this.buffer.points()} points stay buffered in ${this.options.bufferDir}: ${error.message}`,
        hint: 'they are retried with backoff and sent in order once the server answers',
        cause: error,
      });
  }

  /** Stops the background sender after one last attempt (bounded by `closeTimeoutMs`); unsent points stay on disk for the next open. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const deadline = new Promise<void>((resolve) =>
      setTimeout(resolve, this.options.closeTimeoutMs ?? 5_000).unref(),
    );
    await Promise.race([this.drain(), deadline]);
    this.stopped = true; // a send still in flight finishes (and is acknowledged); no further batch starts
    await this.buffer.close();
    await this.writeApi.close().catch(() => undefined);
  }

  /** Single-flight drain loop; resolves with the error that stopped it, or undefined when the buffer is empty. */
  private drain(): Promise<Error | undefined> {
    if (this.draining) {
      this.drainAgain = true;
      return this.draining;
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    this.draining = (async () => {
      let error: Error | undefined;
      do {
        this.drainAgain = false;
        error = await this.drainOnce();
      } while (this.drainAgain && error === undefined);
      this.draining = undefined;
      if (error !== undefined) this.scheduleRetry(error);
      return error;
    })();
    return this.draining;
  }

  private async drainOnce(): Promise<Error | undefined> {
    while (!this.stopped) {
      const batch = await this.buffer.next(this.batchSize);
      if (batch === undefined) return undefined;
      const error = await this.send(batch);
      if (error !== undefined) return error;
    }
    return undefined;
  }

  private async send(batch: BufferBatch): Promise<Error | undefined> {
    try {
      this.writeApi.writeRecords(batch.lines as string[]);
      await this.writeApi.flush();
    } catch (cause) {
      const error = cause instanceof Error ? cause : new Error(String(cause));
      if (error instanceof HttpError && (error.statusCode === 400 || error.statusCode === 422)) {
        // Malformed for this server: keep it aside (never deleted) so later points are not blocked.
        const file = await this.buffer.reject(batch, `${error.statusCode} ${error.message}`);
        this.counters.rejectedPoints += batch.lines.length;
        this.options.onEvent?.({ type: 'batch-rejected', error, file, points: batch.lines.length });
        return undefined;
      }
      this.counters.failedSends += 1;
      this.counters.consecutiveFailures += 1;
      this.counters.lastError = error.message;
      return error;
    }
    await this.buffer.ack(batch);
    this.counters.sentPoints += batch.lines.length;
    if (this.counters.consecutiveFailures > 0) {
      this.counters.consecutiveFailures = 0;
      this.options.onEvent?.({ type: 'recovered', bufferedPoints: this.buffer.points() });
    }
    return undefined;
  }

  private scheduleRetry(error: Error): void {
    if (this.closed) return;
    const failures = Math.max(1, this.counters.consecutiveFailures);
    const retryInMs = backoffDelayMs(failures, this.retry);
    this.options.onEvent?.({
      type: 'send-failed',
      error,
      consecutiveFailures: failures,
      retryInMs,
      bufferedPoints: this.buffer.points(),
    });
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.drain();
    }, retryInMs).unref();
  }
}
