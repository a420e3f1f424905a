import { mkdirSync, rmSync } from 'node:fs';
import type { PublicClient } from 'viem';
import type { Deployment } from '../contracts/deploy.ts';
import { type Logger, silentLogger } from '../lib/log.ts';
import type { EpochOutcome } from '../oracle/epoch-job.ts';
import { epochBounds } from '../oracle/epochs.ts';
import type { FleetStats } from '../simulator/generator.ts';
import type { VerifyReport } from '../verifier/verify-pool.ts';
import type { DemoAccount } from './accounts.ts';
import { type DistributionFacts, type EpochGas, gasByEpoch, type HolderFacts } from './chain-facts.ts';
import type { DemoOptions } from './options.ts';
import { buildArtifacts, type DemoDeployment, deployOnChain } from './phases/chain.ts';
import type { DemoContext } from './phases/context.ts';
import { awaitEpochs } from './phases/epochs.ts';
import { runDemoFleet, type DemoFleetRun } from './phases/fleet.ts';
import { type DemoIngest, skewToleranceS, startIngest } from './phases/gateway.ts';
import { type DemoOracle, startDemoOracle } from './phases/oracle.ts';
import { type DemoPoolAccounts, setUpPool } from './phases/pool.ts';
import { type DemoVerification, verifyDemo } from './phases/verify.ts';

/** One epoch as the demo reports it. */
export interface DemoEpoch {
  epoch: number;
  startTs: number;
  endTs: number;
  /** The first epoch: each device's first closing reading only sets its baseline (zero revenue). */
  baseline: boolean;
  outcome: EpochOutcome;
  registeredCount: number;
  gas: EpochGas;
  distribution: DistributionFacts;
}

/** Everything a demo run produced. */
export interface DemoResult {
  poolId: number;
  chain: { rpcUrl: string; chainId: number; embedded: boolean };
  brokerUrl: string;
  gatewayUrl: string;
  bundlesUrl: string;
  dataDir: string;
  deployment: Deployment;
  devices: { ev: number; pv: number };
  fleet: FleetStats;
  published: number;
  ledgerReadings: number;
  quarantineByReason: Record<string, number>;
  /** The gateway API's epoch view (`GET /pools/:poolId/epochs`) at the end of the run. */
  epochsApi: {
    url: string;
    epochs: Array<{ epoch: number; status: string; totals: { revenueMinor: string } | null }>;
  };
  epochs: DemoEpoch[];
  holders: HolderFacts[];
  verifier: VerifyReport;
  timingsMs: { build: number; setup: number; fleet: number; proving: number; verify: number; total: number };
}

/** Hooks of {@link runDemo}. */
export interface DemoHooks {
  /** Progress logs, one child per phase (default: none). */
  logger?: Logger;
  /** Stops the run cleanly (Ctrl-C). */
  signal?: AbortSignal;
}

export { skewToleranceS };

type EpochsView = DemoResult['epochsApi']['epochs'];

/** The per-epoch rows of the result: bounds, outcome, gas and distribution. */
async function epochRows(
  chain: DemoDeployment,
  ingest: DemoIngest,
  oracle: DemoOracle,
  epochLengthS: number,
) {
  const { pool, deployment, genesisTs } = chain;
  const gas = await gasByEpoch(
    oracle.oracle.publicClient as PublicClient,
    chain.contracts,
    pool.poolId,
    BigInt(deployment.deployedAtBlock),
  );
  return [...oracle.progress.outcomes.values()]
    .sort((a, b) => a.epoch - b.epoch)
    .map((outcome): DemoEpoch => {
      const bounds = epochBounds({ poolId: pool.poolId, genesisTs, epochLengthS }, outcome.epoch);
      return {
        epoch: outcome.epoch,
        startTs: bounds.startTs,
        endTs: bounds.endTs,
        baseline: outcome.epoch === 1,
        outcome,
        registeredCount: ingest.generator.devices.length,
        gas: gas.get(outcome.epoch) ?? { registrationTxs: 0, batchTxs: 0, finaliseTxs: 0, gasUsed: 0n },
        distribution: oracle.progress.distributions.get(outcome.epoch)!,
      };
    });
}

/** Phase "summary": everything the run produced, gathered from the chain, the gateway and the oracle. */
async function summarise(
  context: DemoContext,
  parts: {
    chain: DemoDeployment;
    ingest: DemoIngest;
    accounts: DemoPoolAccounts;
    oracle: DemoOracle;
    fleet: DemoFleetRun;
    verification: DemoVerification;
    timingsMs: Omit<DemoResult['timingsMs'], 'total' | 'fleet' | 'verify'>;
    startedMs: number;
  },
): Promise<DemoResult> {
  const { options } = context;
  const { chain, ingest, oracle, verification } = parts;
  const view = (await (await fetch(oracle.epochsUrl)).json()) as { epochs: EpochsView };
  return {
    poolId: chain.pool.poolId,
    chain: { rpcUrl: chain.chain.rpcUrl, chainId: chain.chain.chainId, embedded: chain.chain.embedded },
    brokerUrl: ingest.brokerUrl,
    gatewayUrl: ingest.gateway.apiUrl,
    bundlesUrl: oracle.oracle.bundleServer!.url,
    dataDir: options.dataDir,
    deployment: chain.deployment,
    devices: { ev: parts.accounts.evCount, pv: parts.accounts.pvCount },
    fleet: ingest.generator.stats,
    published: parts.fleet.published,
    ledgerReadings: await ingest.gateway.ledger.count(chain.pool.poolId),
    quarantineByReason: await ingest.gateway.quarantine.countByReason(),
    epochsApi: { url: oracle.epochsUrl, epochs: view.epochs.filter((e) => e.epoch <= options.epochs) },
    epochs: await epochRows(chain, ingest, oracle, options.epochLengthS),
    holders: verification.holders,
    verifier: verification.verifier,
    timingsMs: {
      ...parts.timingsMs,
      fleet: parts.fleet.fleetMs,
      verify: verification.verifyMs,
      total: Date.now() - parts.startedMs,
    },
  };
}

/**
 * The product's main job on embedded defaults (or the real parts named in `options`), in phases: build what is
 * missing; chain and contracts; broker and gateway; pool and devices; oracle; the fleet in compressed time with
 * faults; every epoch proven, posted, finalised and distributed; the investor verifier; the summary. Whatever
 * it started is stopped at the end, also on Ctrl-C (`hooks.signal`).
 *
 * @example
 * const result = await runDemo(parseDemoOptions({}), { logger: createLogger() });
 * console.log(result.verifier.ok);
 */
export async function runDemo(options: DemoOptions, hooks: DemoHooks = {}): Promise<DemoResult> {
  const context: DemoContext = {
    options,
    log: hooks.logger ?? silentLogger(),
    signal: hooks.signal,
    stops: [],
  };
  const startedMs = Date.now();
  rmSync(options.dataDir, { recursive: true, force: true });
  mkdirSync(options.dataDir, { recursive: true });
  try {
    await buildArtifacts(context);
    const buildMs = Date.now() - startedMs;
    const setupStartedMs = Date.now();
    const chain = await deployOnChain(context);
    const ingest = await startIngest(context, chain);
    const accounts = await setUpPool(context, chain, ingest);
    const setupMs = Date.now() - setupStartedMs;
    const oracle = await startDemoOracle(context, chain, ingest, accounts);
    const fleet = await runDemoFleet(context, ingest, oracle.progress);
    const provingMs = await awaitEpochs(context, oracle.progress);
    const verification = await verifyDemo(context, chain, accounts, oracle);
    const timingsMs = { build: buildMs, setup: setupMs, proving: provingMs };
    return await summarise(context, {
      chain,
      ingest,
      accounts,
      oracle,
      fleet,
      verification,
      timingsMs,
      startedMs,
    });
  } finally {
    for (const stop of context.stops.reverse()) await stop().catch(() => undefined);
  }
}

export type { DemoAccount };
