import { join } from 'node:path';
import { type Address, createPublicClient, defineChain, type Hex, http, type PublicClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import type { Deployment } from '../contracts/deploy.ts';
import type { AttestationViewsProvider, Registry } from '../gateway/index.ts';
import { createAttestationViews } from './attestation-views.ts';
import { type BundleServer, serveBundles } from './bundle-server.ts';
import { createBundleStore } from './bundles.ts';
import type { Clock } from './clock.ts';
import type { PoolSchedule } from './epochs.ts';
import { type EpochOutcome, nextEpochOf, type PoolCircuits, runEpochJob } from './epoch-job.ts';
import { OracleConfigError } from './errors.ts';
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
}

/** A running oracle. */
export interface OracleHandle {
  readonly scheduler: EpochScheduler;
  readonly bundleServer: BundleServer | undefined;
  readonly publicClient: PublicClient;
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
  | { type: 'log'; message: string; fields: Record<string, unknown> }
  | { type: 'epoch:outcome'; outcome: EpochOutcome }
  | { type: 'registry-sync'; report: RegistrySyncReport };

/**
 * Starts the oracle: the durable job store, the prover pool, the transaction sender, the bundle server, the
 * optional registry sync, and the per-pool epoch scheduler. At start it resumes whatever job was in progress.
 *
 * @example
 * const gateway = await startGateway(gatewayConfig);
 * const oracle = await startOracle(
 *   { rpcUrl, privateKey, deployment: readDeployment(31337), graceS: 120 },
 *   { readings: gatewayReadingSource(gateway.ledger, gateway.registry), onEvent: (e) => log(e) },
 * );
 */
export async function startOracle(
  config: OracleConfig,
  options: { readings: ReadingSource; clock?: Clock; onEvent?: (event: OracleEvent) => void },
): Promise<OracleHandle> {
  const emit = (event: OracleEvent) => options.onEvent?.(event);
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
    transport: http(config.rpcUrl, { retryCount: 4, retryDelay: 250 }),
  }) as PublicClient;
  const stages = await openStageStore(join(dataDir, 'oracle.duckdb'));
  const bundles = createBundleStore(join(dataDir, 'bundles'));
  const prover = createProverPool({
    concurrency: config.proverConcurrency,
    onProgress: (progress) => emit({ type: 'prover', progress }),
  });
  const onLog = (message: string, fields: Record<string, unknown>) => emit({ type: 'log', message, fields });
  const sender = createTxSender({
    publicClient,
    account: privateKeyToAccount(config.privateKey),
    confirmations: config.confirmations,
    onLog,
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
    runEpoch: async (pool, epoch) =>
      emit({ type: 'epoch:outcome', outcome: await runEpochJob(context, pool, epoch) }),
    clock: options.clock,
    graceS: config.graceS,
    cronExpression: config.cronExpression,
    onEvent: emit,
  });
  const bundleServer =
    config.bundleServer === false ? undefined : await serveBundles(bundles, config.bundleServer ?? {});
  const sync = config.registrySync
    ? startRegistrySync({
        publicClient,
        contracts,
        registry: config.registrySync.registry,
        fromBlock: context.fromBlock,
        intervalMs: config.registrySync.intervalMs,
        onReport: (report) => emit({ type: 'registry-sync', report }),
        onError: (error) => onLog('registry sync failed', { error: String(error) }),
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
