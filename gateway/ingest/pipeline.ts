import { performance } from 'node:perf_hooks';
import { Mutex } from 'async-mutex';
import { retry } from '../../lib/retry.ts';
import type { GatewayDb } from '../db.ts';
import { inTransaction } from '../db.ts';
import { Ledger } from '../ledger/ledger.ts';
import type { LedgerReading } from '../ledger/types.ts';
import type { Logger } from '../../lib/log.ts';
import type { GatewayMetrics } from '../metrics.ts';
import {
  payloadSha256,
  type Quarantine,
  type QuarantineRecord,
  quarantineKey,
} from '../quarantine/quarantine.ts';
import type { Registry } from '../registry/registry.ts';
import type { AcceptedReading, TimeSeriesStore } from '../timeseries/types.ts';
import type { Evaluator } from '../validation/evaluator.ts';
import { type PayloadResult, topicDeviceId, verifyReading } from '../../protocol/index.ts';
import type { DeviceRecord } from '../registry/types.ts';
import {
  type Prevalidated,
  prevalidateParsed,
  type Rejection,
  topicDeviceRecord,
} from '../validation/prevalidate.ts';
import type { IncomingMessage } from './mqtt-source.ts';
import type { SignatureVerifier } from './verifier.ts';

/** Parts the pipeline works with. */
export interface PipelineDeps {
  db: GatewayDb;
  registry: Registry;
  quarantine: Quarantine;
  evaluator: Evaluator;
  verifier: SignatureVerifier;
  sink: TimeSeriesStore | undefined;
  metrics: GatewayMetrics;
  logger: Logger;
  now(): number;
  maxBatchSize: number;
  maxBatchDelayMs: number;
  /** Called after each batch is committed and acknowledged (benchmarks, demos). */
  onBatchCommitted?: ((batch: CommittedBatch) => void) | undefined;
}

/** What one committed batch contained. */
export interface CommittedBatch {
  readings: readonly LedgerReading[];
  quarantined: number;
  duplicates: number;
  committedAtMs: number;
}

/** Running totals since start, for tests, the demo and `/health`. */
export interface PipelineCounts {
  received: number;
  accepted: number;
  late: number;
  duplicates: number;
  rejected: number;
  /** Byte-identical copies of messages already in quarantine (QoS 1 redeliveries): acknowledged, not stored twice. */
  redeliveredRejects: number;
  batches: number;
}

interface Prepared {
  message: IncomingMessage;
  pre: Prevalidated | Rejection;
  /** Whether the signature verifies against the registered key (meaningful when `pre.ok`). */
  signatureValid: boolean;
}

/** Ledger writes: 6 attempts, waiting about 0.1, 0.3, 0.9, 2.7 and 5 s in between. */
const LEDGER_WRITE_RETRY = { maxAttempts: 6, minDelayMs: 100, maxDelayMs: 5_000, factor: 3, jitter: 0.2 };
/** Accepted readings waiting for the time-series store beyond which ledger writes wait for it (back-pressure). */
const SINK_MAX_QUEUED = 20_000;

/**
 * The ingest pipeline: messages are collected into batches (by size or age); each batch is
 * validated without state on the main thread, its signatures are checked in worker threads while
 * the previous batch is being written, then the stateful checks run in arrival order (which keeps
 * every device's order), accepted readings and rejected messages are written in ONE DuckDB
 * transaction, and only then are the PUBACKs sent and the accepted readings handed to the
 * time-series store. A kill at any point loses nothing acknowledged: unacknowledged messages are
 * redelivered by the broker and recognised as duplicates if they were already committed.
 *
 * @example
 * const pipeline = new IngestPipeline(deps);
 * source.onMessage = (m) => pipeline.push(m);
 * await pipeline.drain();
 */
export class IngestPipeline {
  private pending: IncomingMessage[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Batches are applied one at a time, in the order they were closed (the mutex is FIFO). */
  private readonly applying = new Mutex();
  /** The last batch handed to `apply`: once it settles, every earlier batch has. */
  private chain: Promise<void> = Promise.resolve();
  /** Batches handed to the signature workers and not yet verified. */
  private verifying = 0;
  /** The batch timer fired while every worker was busy: close the batch when one is free. */
  private flushWhenVerifierFree = false;
  /** Accepted readings committed to the ledger, not yet given to the time-series store (in commit order). */
  private sinkQueue: AcceptedReading[] = [];
  private sinkRunning: Promise<void> | undefined;
  private unacked = 0;
  private failed: Error | undefined;
  private closed = false;
  readonly counts: PipelineCounts = {
    received: 0,
    accepted: 0,
    late: 0,
    duplicates: 0,
    rejected: 0,
    redeliveredRejects: 0,
    batches: 0,
  };

  constructor(private readonly deps: PipelineDeps) {}

  /** Messages received and not yet acknowledged. */
  queueDepth(): number {
    return this.unacked;
  }

  /** The error that stopped the pipeline, if any (the gateway then reports unhealthy). */
  failure(): Error | undefined {
    return this.failed;
  }

  /** Takes one message; it is acknowledged once durable. */
  push(message: IncomingMessage): void {
    if (this.closed || this.failed) return; // not acknowledged: the broker redelivers after a restart
    this.counts.received++;
    this.unacked++;
    this.deps.metrics.received.inc();
    this.pending.push(message);
    if (this.pending.length >= this.deps.maxBatchSize) this.flush();
    else if (this.timer === undefined && !this.flushWhenVerifierFree)
      this.timer = setTimeout(() => this.onBatchTimer(), this.deps.maxBatchDelayMs);
  }

  /**
   * The batch is old enough. If every signature worker is still busy with earlier batches, a new
   * batch would only wait in the workers' queue: keep collecting until one is free (or the batch is
   * full), so batches grow with the load and batch verification pays off, while an idle gateway
   * still closes a batch after `maxBatchDelayMs`.
   */
  private onBatchTimer(): void {
    this.timer = undefined;
    if (this.verifying >= this.deps.verifier.concurrency) this.flushWhenVerifierFree = true;
    else this.flush();
  }

  /** Closes the current batch and resolves when every batch so far is written and acknowledged. */
  async drain(): Promise<void> {
    this.flush();
    await this.chain;
    while (this.sinkRunning !== undefined) await this.sinkRunning;
  }

  /** Stops taking messages and drains. */
  async close(): Promise<void> {
    // Messages arriving from now on are not acknowledged: the broker keeps them for the next session.
    this.closed = true;
    await this.drain();
  }

  private flush(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.flushWhenVerifierFree = false;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    // The workers parse the raw payloads and check signatures against the key of the device the
    // topic names (the only key a reading on that topic can pass the later steps with).
    const keyed = batch.map((message) => topicDeviceRecord(message.topic, this.deps.registry));
    const parsed = this.parseAndVerify(batch, keyed);
    parsed.catch(() => undefined); // observed in the chain below
    this.chain = this.applying
      .runExclusive(() => this.apply(batch, keyed, parsed))
      .catch((error) => this.fail(error, 'applying a batch failed')); // later batches see `failed` and stop
  }

  private async parseAndVerify(
    batch: IncomingMessage[],
    keyed: (DeviceRecord | undefined)[],
  ): Promise<PayloadResult[]> {
    const items = batch.map((message, i) => ({ payload: message.payload, publicKey: keyed[i]?.publicKey }));
    const started = performance.now();
    this.verifying++;
    try {
      const results = await this.deps.verifier.parseAndVerify(items);
      this.deps.metrics.verifySeconds.observe((performance.now() - started) / 1000);
      return results;
    } finally {
      this.verifying--;
      if (this.flushWhenVerifierFree) this.flush();
    }
  }

  private async apply(
    batch: IncomingMessage[],
    keyed: (DeviceRecord | undefined)[],
    parsedResults: Promise<PayloadResult[]>,
  ): Promise<void> {
    if (this.failed) return;
    let parsed: PayloadResult[];
    try {
      parsed = await parsedResults;
    } catch (error) {
      this.fail(error, 'signature verification failed');
      return;
    }
    const prepared = batch.map((message, i): Prepared => {
      const result = parsed[i]!;
      const pre = prevalidateParsed(message.topic, result, this.deps.registry);
      if (!pre.ok || !result.ok) return { message, pre, signatureValid: false };
      const sentKey = keyed[i]?.publicKey;
      const key = pre.device.publicKey;
      // The registry changed while the batch was in the workers: check this one here.
      const signatureValid =
        sentKey !== undefined && sentKey.Ax === key.Ax && sentKey.Ay === key.Ay
          ? result.signatureValid === true
          : verifyReading(pre.reading, key);
      return { message, pre, signatureValid };
    });
    try {
      await retry(
        async (attempt) => {
          if (attempt > 1) await this.deps.evaluator.restore().catch(() => undefined);
          try {
            await this.evaluateAndWrite(prepared);
          } catch (error) {
            this.deps.evaluator.discard();
            this.deps.metrics.writeFailures.inc();
            throw error;
          }
        },
        {
          ...LEDGER_WRITE_RETRY,
          onRetry: ({ error, attempt, delayMs }) =>
            this.deps.logger.error({ err: error, attempt, delayMs }, 'ledger write failed; retrying'),
        },
      );
    } catch (error) {
      this.fail(error, 'ledger write failed after retries');
    }
  }

  private fail(error: unknown, what: string): void {
    this.failed = error instanceof Error ? error : new Error(String(error));
    this.deps.logger.error(
      { err: error },
      `${what}; ingest stopped, unacknowledged messages stay with the broker`,
    );
  }

  private async evaluateAndWrite(prepared: Prepared[]): Promise<void> {
    const { evaluator, metrics } = this.deps;
    const rows: LedgerReading[] = [];
    const handOffs: AcceptedReading[] = [];
    const rejects: QuarantineRecord[] = [];
    let duplicates = 0;
    let redeliveredRejects = 0;
    const rejectedInBatch = new Set<string>();
    for (const { message, pre, signatureValid } of prepared) {
      let rejection: Rejection | undefined;
      if (!pre.ok) rejection = pre;
      else if (!signatureValid) {
        rejection = {
          ok: false,
          reason: 'SIGNATURE_INVALID',
          field: 'sig',
          message: `signature does not verify against the registered key of ${pre.reading.deviceId}`,
          deviceId: pre.reading.deviceId,
          seq: pre.reading.seq,
        };
      } else {
        let verdict = evaluator.evaluate(pre, message.payload.toString('utf8'), message.receivedAtMs);
        if (verdict instanceof Promise) verdict = await verdict;
        if (!('kind' in verdict)) rejection = verdict;
        else if (verdict.kind === 'accept') {
          rows.push(verdict.row);
          if (verdict.handOff !== undefined) handOffs.push(verdict.handOff);
        } else duplicates++;
      }
      if (rejection !== undefined) {
        // QoS 1 is at-least-once: a byte-identical copy of a quarantined message on the same topic
        // (a broker redelivery after a lost PUBACK, or a publisher's resend) is acknowledged, counted,
        // and not stored twice.
        const key = quarantineKey(message.topic, payloadSha256(message.payload));
        if (rejectedInBatch.has(key) || (await this.deps.quarantine.seen(key, message.dup))) {
          redeliveredRejects++;
          continue;
        }
        rejectedInBatch.add(key);
        rejects.push({
          receivedAtMs: message.receivedAtMs,
          reason: rejection.reason,
          field: rejection.field,
          message: rejection.message,
          topic: message.topic,
          clientId: topicDeviceId(message.topic),
          deviceId: rejection.deviceId,
          seq: rejection.seq,
          payload: message.payload,
        });
      }
    }

    const started = performance.now();
    let appendedQuarantine = 0;
    try {
      await this.deps.db.exclusive(() =>
        inTransaction(this.deps.db.writer, async () => {
          if (rows.length > 0) {
            const appender = await this.deps.db.writer.createAppender('readings');
            Ledger.appendRows(appender, rows);
            appender.flushSync();
            appender.closeSync();
          }
          if (rejects.length > 0) {
            const appender = await this.deps.db.writer.createAppender('quarantine');
            appendedQuarantine = this.deps.quarantine.appendRows(appender, rejects).length;
            appender.flushSync();
            appender.closeSync();
          }
        }),
      );
    } catch (error) {
      this.deps.quarantine.rewind(appendedQuarantine);
      throw error;
    }
    metrics.ledgerWriteSeconds.observe((performance.now() - started) / 1000);
    evaluator.commit();
    for (const key of rejectedInBatch) this.deps.quarantine.remember(key);

    // Durable: acknowledge in receive order.
    for (const { message } of prepared) message.ack();
    this.unacked -= prepared.length;

    this.deps.onBatchCommitted?.({
      readings: rows,
      quarantined: rejects.length,
      duplicates,
      committedAtMs: Date.now(),
    });
    const late = rows.length - handOffs.length;
    this.counts.batches++;
    this.counts.accepted += rows.length;
    this.counts.late += late;
    this.counts.duplicates += duplicates;
    this.counts.redeliveredRejects += redeliveredRejects;
    this.counts.rejected += rejects.length;
    metrics.batchSize.observe(prepared.length);
    for (const row of rows) metrics.accepted.inc({ pool: String(row.poolId) });
    if (late > 0) metrics.late.inc(late);
    if (duplicates > 0) metrics.duplicates.inc(duplicates);
    if (redeliveredRejects > 0) metrics.redeliveredRejects.inc(redeliveredRejects);
    for (const r of rejects) metrics.rejected.inc({ reason: r.reason });
    if (rejects.length > 0) {
      this.deps.logger.debug({ count: rejects.length, first: rejects[0]?.reason }, 'messages quarantined');
    }

    if (this.deps.sink !== undefined && handOffs.length > 0) {
      for (const r of handOffs) this.sinkQueue.push(r);
      this.sinkRunning ??= this.runSink(this.deps.sink);
      // The store is a derived view (rebuildable from the ledger): ledger writes go on while it
      // writes, unless it falls far behind.
      if (this.sinkQueue.length > SINK_MAX_QUEUED) await this.sinkRunning;
    }
  }

  /**
   * Hands the queued accepted readings to the time-series store in commit order, one `write` at a
   * time; what was committed while a write ran goes into the next one.
   */
  private async runSink(sink: TimeSeriesStore): Promise<void> {
    while (this.sinkQueue.length > 0) {
      const readings = this.sinkQueue;
      this.sinkQueue = [];
      try {
        await sink.write(readings);
      } catch (error) {
        this.deps.metrics.timeSeriesErrors.inc();
        this.deps.logger.error(
          { err: error, readings: readings.length },
          'time-series hand-off failed; the ledger keeps the readings',
        );
      }
    }
    this.sinkRunning = undefined;
  }
}
