import type { Server } from 'node:http';
import { createLogger, type Logger } from '../lib/log.ts';
import { type GatewayConfig, type GatewayConfigInput, parseGatewayConfig } from './config.ts';
import { type GatewayDb, openGatewayDb } from './db.ts';
import type { AttestationViewsProvider } from './http/attestations.ts';
import { type ApiDeps, startApiServer } from './http/server.ts';
import { connectMqttSource, type MqttSource } from './ingest/mqtt-source.ts';
import { type CommittedBatch, IngestPipeline, type PipelineCounts } from './ingest/pipeline.ts';
import { createSignatureVerifier, type SignatureVerifier } from './ingest/verifier.ts';
import { Ledger } from './ledger/ledger.ts';
import { createGatewayMetrics, type GatewayMetrics } from './metrics.ts';
import { Quarantine } from './quarantine/quarantine.ts';
import { Registry } from './registry/registry.ts';
import { loadTimeSeriesStore } from './timeseries-loader.ts';
import type { TimeSeriesStore } from './timeseries/types.ts';
import { Evaluator } from './validation/evaluator.ts';

export type { GatewayConfig, GatewayConfigInput } from './config.ts';
export { loadGatewayConfig, parseGatewayConfig } from './config.ts';
export { createBrokerAuth, sha256Hex } from './broker-auth.ts';
export { Ledger } from './ledger/ledger.ts';
export { toSignedReading, type LedgerReading } from './ledger/types.ts';
export { Quarantine, type QuarantineEntry } from './quarantine/quarantine.ts';
export { Registry } from './registry/registry.ts';
export type { DeviceRecord, DeviceRegistration, PoolRecord } from './registry/types.ts';
export { openGatewayDb } from './db.ts';
export type { CommittedBatch, PipelineCounts } from './ingest/pipeline.ts';
export type * from './http/attestations.ts';

/** Options of {@link startGateway} that are not configuration. */
export interface StartGatewayOptions {
  /** Gateway clock in ms (tests and time-compressed demos). Default `Date.now`. */
  now?: () => number;
  /** A time-series store to use instead of the configured one; `null` disables the hand-off. */
  timeSeries?: TimeSeriesStore | null;
  /**
   * Root logger; the gateway makes a child per component (`ingest`, `mqtt`, `http`, `verify`). Default: the
   * project logger (`lib/log.ts`) at `config.logLevel`, JSON lines on standard error (pretty on a terminal).
   */
  logger?: Logger;
  /** Wait until the subscription is granted (default true; set false to start while the broker is down). */
  waitForSubscription?: boolean;
  /** Called after each batch is committed to the ledger and acknowledged. */
  onBatchCommitted?: (batch: CommittedBatch) => void;
}

/** Health of a running gateway. */
export interface GatewayHealth {
  ok: boolean;
  mqttConnected: boolean;
  /** Why ingest stopped, if it did. */
  failure: string | undefined;
  queueDepth: number;
}

/** A running gateway. */
export interface GatewayHandle {
  readonly config: GatewayConfig;
  /** Base URL of the HTTP API, e.g. `http://127.0.0.1:8080`. */
  readonly apiUrl: string;
  readonly httpPort: number;
  readonly db: GatewayDb;
  readonly registry: Registry;
  readonly ledger: Ledger;
  readonly quarantine: Quarantine;
  readonly metrics: GatewayMetrics;
  readonly timeSeries: TimeSeriesStore | undefined;
  readonly mqtt: MqttSource;
  /** Counts since start: received, accepted, late, duplicates, rejected, batches. */
  counts(): PipelineCounts;
  /** Messages received but not yet acknowledged. */
  queueDepth(): number;
  /** What `/health` reports: ok when connected and ingest has not stopped on an error. */
  health(): GatewayHealth;
  /** Writes everything received so far and acknowledges it. */
  drain(): Promise<void>;
  /** Serves an oracle's epoch and attestation views at `/pools/:poolId/epochs[/:epoch]` (undefined detaches). */
  attachAttestations(provider: AttestationViewsProvider | undefined): void;
  /** Stops ingest (unprocessed messages stay with the broker), drains, and closes every part. */
  close(): Promise<void>;
}

/** Starts the HTTP API and returns it with the port it listens on (the configured one, or the free one picked for 0). */
async function startHttp(
  config: GatewayConfig,
  deps: ApiDeps,
): Promise<{ server: Server; httpPort: number }> {
  const server = await startApiServer(deps, config.http.host, config.http.port);
  const address = server.address();
  const httpPort = typeof address === 'object' && address !== null ? address.port : config.http.port;
  return { server, httpPort };
}

/** Closes an HTTP server and every open connection. */
function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/**
 * Starts the gateway: opens the DuckDB file (registry, ledger, quarantine), restores each device's
 * validation state from the ledger, starts the signature workers, the time-series store, the HTTP
 * API and the MQTT subscription.
 *
 * @example
 * const gateway = await startGateway({ mqtt: { url: broker.url }, ledgerPath: 'data/gateway.duckdb', http: { port: 0 } });
 * console.log(gateway.apiUrl);
 * await gateway.close();
 */
export async function startGateway(
  input: GatewayConfigInput,
  options: StartGatewayOptions = {},
): Promise<GatewayHandle> {
  const config = parseGatewayConfig(input);
  const logger = options.logger ?? createLogger({ level: config.logLevel, base: { service: 'gateway' } });
  const now = options.now ?? Date.now;
  const db = await openGatewayDb(config.ledgerPath);
  const cleanups: Array<() => Promise<void> | void> = [() => db.close()];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await Promise.resolve(fn()).catch(() => undefined);
  };
  try {
    const registry = await Registry.open(db);
    const ledger = new Ledger(db);
    const quarantine = new Quarantine(db, config.quarantine.payloadPrefixBytes);
    await quarantine.init();
    const evaluator = new Evaluator(ledger, config.validation);
    await evaluator.restore();

    const timeSeries =
      options.timeSeries === null
        ? undefined
        : (options.timeSeries ?? (await loadTimeSeriesStore(config, registry)));
    if (timeSeries !== undefined && options.timeSeries === undefined) cleanups.push(() => timeSeries.close());

    let pipeline: IngestPipeline | undefined;
    const metrics = createGatewayMetrics(
      () => pipeline?.queueDepth() ?? 0,
      () => timeSeries?.bufferedPoints() ?? 0,
    );
    const verifier: SignatureVerifier = await createSignatureVerifier(config.verify.threads, (error) => {
      metrics.verifyWorkerFailures.inc();
      logger
        .child({ component: 'verify' })
        .error({ err: error }, 'signature worker failed; verified this batch on the main thread');
    });
    cleanups.push(() => verifier.close());
    pipeline = new IngestPipeline({
      db,
      registry,
      quarantine,
      evaluator,
      verifier,
      sink: timeSeries,
      metrics,
      logger: logger.child({ component: 'ingest' }),
      now,
      maxBatchSize: config.batch.maxSize,
      maxBatchDelayMs: config.batch.maxDelayMs,
      onBatchCommitted: options.onBatchCommitted,
    });
    const ingest = pipeline;

    const mqtt = connectMqttSource({
      url: config.mqtt.url,
      clientId: config.mqtt.clientId,
      username: config.mqtt.username,
      password: config.mqtt.password,
      topic: config.mqtt.topic,
      reconnectPeriodMs: config.mqtt.reconnectPeriodMs,
      logger: logger.child({ component: 'mqtt' }),
      now,
      onMessage: (message) => ingest.push(message),
    });
    cleanups.push(() => mqtt.close());

    const health = (): GatewayHealth => {
      const failure = ingest.failure();
      return {
        ok: failure === undefined && mqtt.connected(),
        mqttConnected: mqtt.connected(),
        failure: failure?.message,
        queueDepth: ingest.queueDepth(),
      };
    };
    let attestations: AttestationViewsProvider | undefined;
    const { server, httpPort } = await startHttp(config, {
      attestations: () => attestations,
      registry,
      ledger,
      quarantine,
      metrics,
      timeSeries,
      heads: () => evaluator.allHeads(),
      health,
      reportingWindowS: config.fleet.reportingWindowS,
      now,
      logger: logger.child({ component: 'http' }),
    });
    cleanups.push(() => closeServer(server));

    if (options.waitForSubscription !== false) await mqtt.ready;
    logger.info(
      {
        mqtt: config.mqtt.url,
        clientId: config.mqtt.clientId,
        ledgerPath: config.ledgerPath,
        api: `http://${config.http.host}:${httpPort}`,
        devices: registry.listDevices().length,
        verifyThreads: config.verify.threads,
      },
      'gateway started',
    );

    let closing: Promise<void> | undefined;
    return {
      config,
      apiUrl: `http://${config.http.host}:${httpPort}`,
      httpPort,
      db,
      registry,
      ledger,
      quarantine,
      metrics,
      timeSeries,
      mqtt,
      counts: () => ({ ...ingest.counts }),
      health,
      queueDepth: () => ingest.queueDepth(),
      drain: () => ingest.drain(),
      attachAttestations: (provider) => {
        attestations = provider;
      },
      close: () => {
        closing ??= (async () => {
          await ingest.close();
          if (timeSeries !== undefined) await timeSeries.flush().catch(() => undefined);
          await cleanup();
          logger.info({ counts: ingest.counts }, 'gateway stopped');
        })();
        return closing;
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
