import { join } from 'node:path';
import { type Address, createPublicClient, defineChain, type Hex, http, type PublicClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { assertInstanceKeysAllowedFor } from '../ceremony/instance-keys.ts';
import { artifactPaths } from '../circuits/proving/instances.ts';
import type { Deployment } from '../contracts/deploy.ts';
import type { AttestationViewsProvider, Registry } from '../gateway/index.ts';
import { createLogger, type Logger, type LogLevel } from '../lib/log.ts';
import { createAttestationViews } from './attestation-views.ts';
import { type BundleServer, serveBundles } from './bundle-server.ts';
import { createBundleStore } from './bundles.ts';
import type { Clock } from './clock.ts';
import { type EpochOutcome, nextEpochOf, type PoolCircuits, runEpochJob } from './epoch-job.ts';
import type { PoolSchedule } from './epochs.ts';
import { OracleConfigError } from './errors.ts';
import {
  countRpcErrors,
  createOracleMetrics,
  instrumentProver,
  type OracleMetrics,
  observeEpochOutcome,
  observeSchedulerEvent,
  observeTxEvent,
} from './metrics.ts';
import { createProverPool, type ProverProgress } from './prover-pool.ts';
import { type RegistrySyncReport, startRegistrySync } from './registry-sync.ts';
import { createEpochScheduler, type EpochScheduler, type SchedulerEvent } from './scheduler.ts';
import type { ReadingSource } from './sources.ts';
import { openStageStore } from './stage-store.ts';
import { createTxSender } from './tx-sender.ts';

/** Configuration of {@link startOracle}. */
export interface OracleConfig {
  rpcUrl: string;
  /** The oracle's key: it must hold each served pool's attester role. */
  privateKey: Hex;
  /** Contract addresses and pools (`deployments/<chainId>.json`). */
  deployment: Deployment;
  /** Holds `oracle.duckdb` (job stages) and `bundles/` (proof bundles). Default `data/oracle`. */
  dataDir?: string;
  /** Pools to serve (default: every pool of the deployment, with its circuit instances). */
  pools?: Array<{ poolId: number } & PoolCircuits>;
  /** Grace period after an epoch's end for late readings. Default 60 s. */
  graceS?: number;
  /** node-cron expression of the epoch checks. Default every 10 s. */
  cronExpression?: string;
  /** Parallel proofs. Default: the number of cores. */
  proverConcurrency?: number;
  /** Confirmations before a transaction counts. Default 1. */
  confirmations?: number;
  /** Serve the public proof bundles over HTTP (`false` to disable). Default 127.0.0.1 on a free port. */
  bundleServer?: { port?: number; host?: string } | false;
  /** Keep a gateway registry in step with the chain every `intervalMs`. */
  registrySync?: { registry: Registry; intervalMs?: number };
  /** Level of the default logger (when no `logger` is passed). Default `LOG_LEVEL` or `info`. */
  logLevel?: LogLevel;
  /**
   * A finalized ceremony's `transcript.json` per circuit instance; required on any chain but a local
   * development one, where a development key is refused (`DevelopmentKeyRefusedError`).
   */
  ceremonyTranscripts?: Readonly<Record<string, string>>;
}

/** Options of {@link startOracle} that are not configuration. */
export interface StartOracleOptions {
  readings: ReadingSource;
  clock?: Clock;
  /** Observes the oracle programmatically (tests, the demo); the logger already logs what happens. */
  onEvent?: (event: OracleEvent) => void;
  /**
   * Root logger; the oracle makes a child per component (`scheduler`, `epoch-job`, `prover-pool`, `tx-sender`,
   * `registry-sync`). Default: the project logger (`lib/log.ts`) at `config.logLevel`.
   */
  logger?: Logger;
}

/** A running oracle. */
export interface OracleHandle {
  readonly scheduler: EpochScheduler;
  readonly bundleServer: BundleServer | undefined;
  readonly publicClient: PublicClient;
  /** Prometheus metrics of this oracle (also served at `GET /metrics` by the bundle server). */
  readonly metrics: OracleMetrics;
  /**
   * Epoch and attestation views of the served pools for the gateway's HTTP API:
   * `gateway.attachAttestations(oracle.attestationViews)` serves them at `/pools/:poolId/epochs[/:epoch]`.
   */
  readonly attestationViews: AttestationViewsProvider;
  /** Runs one scheduler check now (closes every closable epoch). */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

/** Structured events of the oracle (scheduler, prover, transactions, registry sync). */
export type OracleEvent =
  | SchedulerEvent
  | { type: 'prover'; progress: ProverProgress }
  | { type: 'epoch:outcome'; outcome: EpochOutcome }
  | { type: 'registry-sync'; report: RegistrySyncReport };

/**
 * Starts the oracle: the durable job store, the prover pool, the transaction sender, the bundle server, the
 * optional registry sync, and the per-pool epoch scheduler. At start it resumes whatever job was in progress.
 * It logs through `options.logger` and counts its work in Prometheus metrics (`handle.metrics`, `GET /metrics`).
 *
 * @example
 * const gateway = await startGateway(gatewayConfig);
 * const oracle = await startOracle(
 *   { rpcUrl, privateKey, deployment: readDeployment('deployments/31337.json'), graceS: 120 },
 *   { readings: gatewayReadingSource(gateway.ledger, gateway.registry), logger: createLogger() },
 * );
 * console.log(oracle.bundleServer?.metricsUrl); // Prometheus scrape target
 */
export async function startOracle(config: OracleConfig, options: StartOracleOptions): Promise<OracleHandle> {
  const emit = (event: OracleEvent) => options.onEvent?.(event);
  const logger = options.logger ?? createLogger({ level: config.logLevel, base: { service: 'oracle' } });
  const metrics = createOracleMetrics();
  const dataDir = config.dataDir ?? join('data', 'oracle');
  const pools =
    config.pools ??
    config.deployment.pools.map((p) => ({
      poolId: p.poolId,
      epoch: p.epochVerifierInstance,
      registration: p.registrationVerifierInstance,
    }));
  if (pools.length === 0)
    throw new OracleConfigError('no pools to serve', { hint: 'deploy a pool or pass pools' });
  const chain = defineChain({
    id: config.deployment.chainId,
    name: `chain-${config.deployment.chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [config.rpcUrl] } },
  });
  // RPC transport failures are retried by viem's transport (exponential backoff from 250 ms), nowhere else.
  const publicClient = createPublicClient({
    chain,
    transport: countRpcErrors(http(config.rpcUrl, { retryCount: 4, retryDelay: 250 }), metrics),
  }) as PublicClient;
  // Trust root: proofs made with a development key are refused off a local chain (the RPC's chain id).
  await assertInstanceKeysAllowedFor(publicClient, {
    instances: pools.flatMap((p) => [p.epoch, p.registration]),
    transcripts: config.ceremonyTranscripts,
  });
  const stages = await openStageStore(join(dataDir, 'oracle.duckdb'));
  const bundles = createBundleStore(join(dataDir, 'bundles'));
  const circuitKinds = new Map<string, string>();
  for (const p of pools) {
    circuitKinds.set(artifactPaths(p.epoch).wasm, 'epoch');
    circuitKinds.set(artifactPaths(p.registration).wasm, 'registration');
  }
  const prover = instrumentProver(
    createProverPool({
      concurrency: config.proverConcurrency,
      onProgress: (progress) => emit({ type: 'prover', progress }),
      logger,
    }),
    metrics,
    (job) => circuitKinds.get(job.wasmPath) ?? 'unknown',
  );
  const jobLog = logger.child({ component: 'epoch-job' });
  const onLog = (message: string, fields: Record<string, unknown>) => jobLog.info(fields, message);
  const sender = createTxSender({
    publicClient,
    account: privateKeyToAccount(config.privateKey),
    confirmations: config.confirmations,
    logger,
    onEvent: (event) => observeTxEvent(metrics, event),
  });
  const contracts = {
    poolRegistry: config.deployment.contracts.poolRegistry as Address,
    attestationRegistry: config.deployment.contracts.attestationRegistry as Address,
  };
  const circuits = new Map(pools.map((p) => [p.poolId, { epoch: p.epoch, registration: p.registration }]));
  const schedules: PoolSchedule[] = pools.map((p) => {
    const deployed = config.deployment.pools.find((d) => d.poolId === p.poolId);
    if (!deployed) throw new OracleConfigError(`pool ${p.poolId} is not in the deployment`);
    return { poolId: p.poolId, genesisTs: deployed.genesisTs, epochLengthS: deployed.epochLengthS };
  });
  const context = {
    publicClient,
    sender,
    contracts,
    stages,
    bundles,
    prover,
    readings: options.readings,
    circuitsOf: (poolId: number) => circuits.get(poolId)!,
    fromBlock: BigInt(config.deployment.deployedAtBlock ?? 0),
    onLog,
  };
  const scheduler = createEpochScheduler({
    pools: () => schedules,
    nextEpoch: (poolId) => nextEpochOf(stages, poolId),
    runEpoch: async (pool, epoch) => {
      const outcome = await runEpochJob(context, pool, epoch);
      observeEpochOutcome(metrics, outcome);
      emit({ type: 'epoch:outcome', outcome });
    },
    clock: options.clock,
    graceS: config.graceS,
    cronExpression: config.cronExpression,
    logger,
    onEvent: (event) => {
      observeSchedulerEvent(metrics, event);
      emit(event);
    },
  });
  for (const { poolId } of pools)
    metrics.finalisedEpoch.set({ pool: String(poolId) }, (await nextEpochOf(stages, poolId)) - 1);
  const bundleServer =
    config.bundleServer === false
      ? undefined
      : await serveBundles(bundles, { ...config.bundleServer, metrics: metrics.registry });
  const syncLog = logger.child({ component: 'registry-sync' });
  const sync = config.registrySync
    ? startRegistrySync({
        publicClient,
        contracts,
        registry: config.registrySync.registry,
        fromBlock: context.fromBlock,
        intervalMs: config.registrySync.intervalMs,
        onReport: (report) => {
          logSyncReport(syncLog, report);
          emit({ type: 'registry-sync', report });
        },
        onError: (error) => syncLog.error({ err: error }, 'registry sync failed'),
      })
    : undefined;
  const attestationViews = createAttestationViews({
    publicClient,
    contracts,
    stages,
    bundles,
    schedules,
    bundleBaseUrl: bundleServer?.url,
    fromBlock: context.fromBlock,
    clock: options.clock,
  });
  scheduler.start();
  return {
    scheduler,
    bundleServer,
    publicClient,
    metrics,
    attestationViews,
    tick: () => scheduler.tick(),
    async stop() {
      await scheduler.stop();
      await sync?.stop();
      await bundleServer?.close();
      await prover.close();
      stages.close();
    },
  };
}

/** Logs what a registry sync changed (info) or found wrong (warn); a sync that found nothing logs at debug. */
function logSyncReport(log: Logger, report: RegistrySyncReport): void {
  const { poolsAdded, devicesDeactivated, poolMismatches, unknownToGateway, notOnChain } = report;
  if (poolsAdded.length > 0 || devicesDeactivated.length > 0)
    log.info({ poolsAdded, devicesDeactivated }, 'gateway registry updated from the chain');
  if (poolMismatches.length > 0)
    log.warn({ poolMismatches }, 'gateway pool parameters differ from the chain (the chain is right)');
  if (unknownToGateway.length > 0 || notOnChain.length > 0)
    log.debug(
      { unknownToGateway: unknownToGateway.length, notOnChain: notOnChain.length },
      'devices registered on one side only',
    );
  log.debug(
    { poolsAdded: poolsAdded.length, devicesDeactivated: devicesDeactivated.length },
    'registry synced',
  );
}
