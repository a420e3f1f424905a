import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The gateway's Prometheus metrics (one registry per gateway, so several can run in one process). */
export interface GatewayMetrics {
  readonly registry: Registry;
  readonly received: Counter;
  readonly accepted: Counter<'pool'>;
  readonly late: Counter;
  readonly duplicates: Counter;
  readonly rejected: Counter<'reason'>;
  readonly redeliveredRejects: Counter;
  readonly ledgerWriteSeconds: Histogram;
  readonly batchSize: Histogram;
  readonly verifySeconds: Histogram;
  readonly timeSeriesErrors: Counter;
  readonly writeFailures: Counter;
  readonly verifyWorkerFailures: Counter;
}

/**
 * Creates the metrics. `queueDepth` and `timeSeriesBuffered` are read when Prometheus scrapes.
 *
 * @example
 * const metrics = createGatewayMetrics(() => pipeline.queueDepth(), () => store.bufferedPoints());
 * const text = await metrics.registry.metrics();
 */
export function createGatewayMetrics(
  queueDepth: () => number,
  timeSeriesBuffered: () => number,
): GatewayMetrics {
  const registry = new Registry();
  const received = new Counter({
    name: 'gateway_messages_received_total',
    help: 'MQTT messages received on the reading topics (ingest rate: rate() of this)',
    registers: [registry],
  });
  const accepted = new Counter({
    name: 'gateway_readings_accepted_total',
    help: 'Readings accepted into the evidence ledger',
    labelNames: ['pool'] as const,
    registers: [registry],
  });
  const late = new Counter({
    name: 'gateway_readings_late_total',
    help: 'Accepted readings that arrived after a reading with a higher sequence (stored, not re-counted)',
    registers: [registry],
  });
  const duplicates = new Counter({
    name: 'gateway_readings_duplicate_total',
    help: 'Exact duplicates of accepted readings: acknowledged and ignored',
    registers: [registry],
  });
  const rejected = new Counter({
    name: 'gateway_readings_rejected_total',
    help: 'Messages quarantined, by reason code',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const redeliveredRejects = new Counter({
    name: 'gateway_rejects_redelivered_total',
    help: 'Byte-identical copies of messages already quarantined (QoS 1 redeliveries): acknowledged, not stored twice',
    registers: [registry],
  });
  const ledgerWriteSeconds = new Histogram({
    name: 'gateway_ledger_write_seconds',
    help: 'Duration of one ledger + quarantine transaction (one batch)',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const batchSize = new Histogram({
    name: 'gateway_batch_messages',
    help: 'Messages per ingest batch',
    buckets: [1, 10, 50, 100, 250, 500, 1000, 2000, 5000],
    registers: [registry],
  });
  const verifySeconds = new Histogram({
    name: 'gateway_signature_verify_seconds',
    help: 'Duration of signature verification of one batch (worker threads)',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const timeSeriesErrors = new Counter({
    name: 'gateway_timeseries_write_errors_total',
    help: 'Failed hand-offs of accepted readings to the time-series store (the ledger has them)',
    registers: [registry],
  });
  const writeFailures = new Counter({
    name: 'gateway_ledger_write_failures_total',
    help: 'Failed ledger transactions (retried; messages stay unacknowledged)',
    registers: [registry],
  });
  const verifyWorkerFailures = new Counter({
    name: 'gateway_verify_worker_failures_total',
    help: 'Batches whose signature worker failed and that were verified on the main thread instead',
    registers: [registry],
  });
  new Gauge({
    name: 'gateway_queue_depth',
    help: 'Messages received and not yet acknowledged',
    registers: [registry],
    collect() {
      this.set(queueDepth());
    },
  });
  new Gauge({
    name: 'gateway_timeseries_buffered_points',
    help: 'Points buffered by the time-series store, not yet written to its server',
    registers: [registry],
    collect() {
      this.set(timeSeriesBuffered());
    },
  });
  return {
    registry,
    received,
    accepted,
    late,
    duplicates,
    rejected,
    redeliveredRejects,
    ledgerWriteSeconds,
    batchSize,
    verifySeconds,
    timeSeriesErrors,
    writeFailures,
    verifyWorkerFailures,
  };
}
