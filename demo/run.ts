import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Address, Hex, PublicClient } from 'viem';
import { type EmbeddedBroker, startEmbeddedBroker } from '../broker/embedded.ts';
import { buildCircuits } from '../circuits/build.ts';
import { buildContracts } from '../contracts/build.ts';
import { ANVIL_FIRST_TEST_KEY, createChainClients } from '../contracts/chain.ts';
import { type Deployment, deployAll } from '../contracts/deploy.ts';
import {
  createBrokerAuth,
  type GatewayConfigInput,
  type GatewayHandle,
  sha256Hex,
  startGateway,
} from '../gateway/index.ts';
import { startAnvil } from '../lib/servers/anvil.ts';
import { openBundleSource } from '../oracle/bundles.ts';
import type { EpochOutcome } from '../oracle/epoch-job.ts';
import { epochBounds } from '../oracle/epochs.ts';
import { type OracleEvent, type OracleHandle, startOracle } from '../oracle/service.ts';
import { gatewayReadingSource } from '../oracle/sources.ts';
import { type VerifyReport, verifyPool } from '../verifier/verify-pool.ts';
import { parseFleetConfig } from '../simulator/config.ts';
import { FleetGenerator, type FleetStats } from '../simulator/generator.ts';
import { runFleet } from '../simulator/runner.ts';
import { formatFixed } from '../simulator/summary.ts';
import { type DemoAccount, deriveAccount, fundForGas } from './accounts.ts';
import {
  type DistributionFacts,
  distributeEpoch,
  type EpochGas,
  gasByEpoch,
  type HolderFacts,
  withdrawAll,
} from './chain-facts.ts';
import { DemoAbortedError, DemoRunError } from './errors.ts';
import type { DemoOptions } from './options.ts';
import { registerFleet, setUpInvestors } from './pool.ts';
import { LedgerWatermark } from './watermark.ts';

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
  /** A progress line (default: none). */
  log?: (line: string) => void;
  /** Stops the run cleanly (Ctrl-C). */
  signal?: AbortSignal;
}

const GATEWAY_ACCOUNT = { username: 'demo-gateway', password: 'demo-gateway-secret' };
const RELAY_ACCOUNT = { username: 'demo-fleet-relay', password: 'demo-fleet-relay-secret' };
/**
 * The gateway's timestamp tolerance in simulated seconds: 3 s of wall time at the run's compression (delivery
 * delays of a loaded machine), at least 2 h. The simulator's clock-skew fault puts a device 4 times further ahead.
 */
export function skewToleranceS(speed: number): number {
  return Math.max(7_200, Math.ceil(3 * speed));
}

/** Simulated grace after an epoch's end before the oracle closes it. */
const GRACE_S = 300;
const STABLECOIN_BUDGET_UNITS = 10n ** 15n;

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new DemoAbortedError('the demo was interrupted', { hint: 'run it again' });
}

/**
 * The product's main job on embedded defaults (or the real parts named in `options`): builds what is missing,
 * starts the broker, the gateway and a chain, deploys the contracts, creates a pool of EV piles and PV sites and
 * registers its devices, runs the fleet in compressed time with faults, lets the oracle prove, post and finalise
 * each epoch, distributes each epoch's investor share to the token holders, and runs the investor verifier.
 *
 * @example
 * const result = await runDemo(parseDemoOptions({}), { log: (l) => console.log(l) });
 * console.log(result.verifier.ok);
 */
export async function runDemo(options: DemoOptions, hooks: DemoHooks = {}): Promise<DemoResult> {
  const log = hooks.log ?? (() => {});
  const signal = hooks.signal;
  const startedMs = Date.now();
  const since = () => `${((Date.now() - startedMs) / 1000).toFixed(0).padStart(4)}s`;
  const say = (line: string) => log(`[${since()}] ${line}`);
  const stops: Array<() => Promise<void>> = [];
  const dataDir = options.dataDir;
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });

  try {
    // 1. build (cached by input hashes: a second run is nearly free)
    say(
      `build: circuits ${options.epochInstance}, ${options.registrationInstance} and contracts (cached after the first run)`,
    );
    await buildCircuits({
      instances: [options.epochInstance, options.registrationInstance],
      ptauPath: options.ptauPath,
      log: (line) => say(`  ${line}`),
    });
    await buildContracts({ log: (line) => say(`  ${line}`) });
    const buildMs = Date.now() - startedMs;
    checkAborted(signal);

    // 2. chain
    const setupStartedMs = Date.now();
    let chain: { rpcUrl: string; chainId: number; privateKey: Hex; embedded: boolean };
    if (options.chain) {
      chain = { ...options.chain, privateKey: options.chain.privateKey as Hex, embedded: false };
    } else {
      const anvil = await startAnvil();
      stops.push(() => anvil.stop());
      chain = { rpcUrl: anvil.rpcUrl, chainId: 31337, privateKey: ANVIL_FIRST_TEST_KEY, embedded: true };
    }
    say(
      `chain: ${chain.embedded ? 'anvil (embedded)' : 'external'} at ${chain.rpcUrl}, chain id ${chain.chainId}`,
    );
    const operator = createChainClients(chain);
    const chainNowS = Number((await operator.publicClient.getBlock()).timestamp);
    const epochLengthS = options.epochLengthS;
    // the whole simulated period lies in the chain's past, so every epoch can be finalised on-chain
    const genesisTs =
      Math.floor((chainNowS - options.epochs * epochLengthS - GRACE_S - 600) / epochLengthS) * epochLengthS;
    const deployment = await deployAll({
      rpcUrl: chain.rpcUrl,
      chainId: chain.chainId,
      privateKey: chain.privateKey,
      outFile: join(dataDir, 'deployment.json'),
      build: false,
      pools: [
        {
          name: 'demo',
          maxTariffMinorPerKwh: 190,
          epochLengthS,
          genesisTs,
          investorShareBps: options.investorShareBps,
          epochVerifierInstance: options.epochInstance,
          registrationVerifierInstance: options.registrationInstance,
        },
      ],
    });
    const pool = deployment.pools[0]!;
    const contracts = {
      poolRegistry: deployment.contracts.poolRegistry as Address,
      attestationRegistry: deployment.contracts.attestationRegistry as Address,
    };
    say(
      `contracts: deployed (registry ${deployment.contracts.poolRegistry}, attestations ${deployment.contracts.attestationRegistry}); pool ${pool.poolId}, token ${pool.token}, feed ${pool.feed}`,
    );
    checkAborted(signal);

    // 3. fleet, broker and gateway
    const simStartTs = genesisTs + epochLengthS - options.baselineS;
    const skewS = skewToleranceS(options.speed);
    const lastEndTs = epochBounds({ poolId: pool.poolId, genesisTs, epochLengthS }, options.epochs).endTs;
    const fleetConfig = parseFleetConfig({
      seed: options.seed,
      start: simStartTs,
      durationS: lastEndTs - simStartTs - 1,
      intervalS: options.intervalS,
      speed: options.speed,
      pools: [
        {
          poolId: pool.poolId,
          maxTariffMinorPerKwh: pool.maxTariffMinorPerKwh,
          ev: { piles: options.evPiles, pilesPerStation: 4 },
          pv: { sites: options.pvSites },
        },
      ],
      faults: { ...options.faults, gatewaySkewToleranceS: skewS, clockSkewS: 4 * skewS },
      mqtt: {
        mode: options.broker ? 'pooled' : 'per-device',
        poolSize: 4,
        relayUsername: options.broker?.fleetUsername ?? RELAY_ACCOUNT.username,
        relayPassword: options.broker?.fleetPassword ?? RELAY_ACCOUNT.password,
      },
    });
    const generator = new FleetGenerator(fleetConfig);
    const watermark = new LedgerWatermark(simStartTs);

    let gateway: GatewayHandle | undefined;
    let brokerUrl: string;
    if (options.broker) {
      brokerUrl = options.broker.url;
    } else {
      const broker: EmbeddedBroker = await startEmbeddedBroker(
        createBrokerAuth(() => gateway?.registry, {
          services: [
            { username: GATEWAY_ACCOUNT.username, passwordSha256: sha256Hex(GATEWAY_ACCOUNT.password) },
          ],
          relays: [{ username: RELAY_ACCOUNT.username, passwordSha256: sha256Hex(RELAY_ACCOUNT.password) }],
        }),
      );
      stops.push(() => broker.close());
      brokerUrl = broker.url;
    }
    const gatewayConfig: GatewayConfigInput = {
      mqtt: {
        url: brokerUrl,
        // a fresh session per run: a broker that outlives the demo keeps no readings of an earlier run for it
        clientId: `demo-gateway-${Date.now().toString(36)}`,
        username: options.broker ? options.broker.username : GATEWAY_ACCOUNT.username,
        password: options.broker ? options.broker.password : GATEWAY_ACCOUNT.password,
      },
      ledgerPath: join(dataDir, 'gateway.duckdb'),
      http: { host: '127.0.0.1', port: 0 },
      validation: { maxClockSkewS: skewS },
      verify: { threads: 1 },
      logLevel: 'warn',
      ...(options.influx
        ? {
            timeseries: {
              kind: 'influx',
              url: options.influx.url,
              token: options.influx.token,
              org: options.influx.org,
              bucket: options.influx.bucket,
              bufferDir: join(dataDir, 'influx-buffer'),
              query:
                options.influx.query === 'victoria-metrics'
                  ? { kind: 'victoria-metrics', url: options.influx.url }
                  : { kind: 'flux' },
            },
          }
        : {}),
    };
    gateway = await startGateway(gatewayConfig, { now: () => watermark.publisherNowS() * 1000 });
    const gw = gateway;
    stops.push(() => gw.close());
    say(
      `gateway: ${gw.apiUrl} (ledger ${gatewayConfig.ledgerPath}); broker ${brokerUrl}${options.broker ? '' : ' (embedded aedes)'}`,
    );

    const evCount = generator.devices.filter((d) => d.kind === 'ev').length;
    const pvCount = generator.devices.length - evCount;
    say(
      `pool: registering ${evCount} EV charging piles and ${pvCount} PV sites on-chain and at the gateway ...`,
    );
    await registerFleet(operator, deployment, pool, gw.registry, generator, signal);
    const distributor = deriveAccount(chain, chain.privateKey, 'distributor');
    const investors = options.investorTokens.map((tokens, i) => ({
      account: deriveAccount(chain, chain.privateKey, `investor-${i + 1}`),
      tokens,
    }));
    await fundForGas(operator, [distributor, ...investors.map((i) => i.account)]);
    await setUpInvestors(operator, deployment, pool, investors, distributor, STABLECOIN_BUDGET_UNITS);
    say(
      `token: ${investors.map((i) => `${i.account.label} ${i.tokens}`).join(', ')} tokens minted to allowlisted wallets; distributor ${distributor.address}`,
    );
    const setupMs = Date.now() - setupStartedMs;
    checkAborted(signal);

    // 4. oracle
    const capTs = lastEndTs + GRACE_S;
    const outcomes = new Map<number, EpochOutcome>();
    const distributions = new Map<number, DistributionFacts>();
    const failures = new Map<number, number>();
    const proving = { label: '', done: 0, queued: 0 };
    let distributing = Promise.resolve();
    let fatal: Error | undefined;
    const onEvent = (event: OracleEvent) => {
      if (event.type === 'epoch:started')
        say(`oracle: epoch ${event.epoch} closed, proving${event.catchUp ? ' (catching up)' : ''} ...`);
      else if (event.type === 'prover' && event.progress.type === 'finished') {
        proving.done = event.progress.done;
        proving.queued = event.progress.queued;
      } else if (event.type === 'epoch:failed') {
        const count = (failures.get(event.epoch) ?? 0) + 1;
        failures.set(event.epoch, count);
        say(`oracle: epoch ${event.epoch} failed (attempt ${count}): ${String(event.error)}`);
        if (count >= 3)
          fatal = new DemoRunError(`epoch ${event.epoch} failed ${count} times`, { cause: event.error });
      } else if (event.type === 'epoch:outcome') {
        const o = event.outcome;
        outcomes.set(o.epoch, o);
        say(
          `oracle: epoch ${o.epoch} finalised: ${o.reportingCount} devices, ${formatFixed(o.totalEnergyWh, 3)} kWh, revenue ${formatFixed(o.totalRevenueMinor, 2)} CNY; ${o.registrationBatches} registration + ${o.epochBatches} epoch proofs in ${(o.timingsMs.prove / 1000).toFixed(1)} s`,
        );
        distributing = distributing.then(async () => {
          const facts = await distributeEpoch(distributor, pool.token as Address, o.epoch);
          distributions.set(o.epoch, facts);
          say(`token: epoch ${o.epoch} distributed ${formatFixed(facts.depositedUnits, 6)} tUSD to holders`);
        });
        distributing.catch((error) => {
          fatal = error instanceof Error ? error : new Error(String(error));
        });
      }
    };
    const oracle: OracleHandle = await startOracle(
      {
        rpcUrl: chain.rpcUrl,
        privateKey: chain.privateKey,
        deployment,
        dataDir: join(dataDir, 'oracle'),
        graceS: GRACE_S,
        cronExpression: '* * * * * *',
        proverConcurrency: options.proverConcurrency,
        confirmations: 1,
        bundleServer: { host: '127.0.0.1', port: 0 },
        registrySync: { registry: gw.registry, intervalMs: 10_000 },
      },
      {
        readings: gatewayReadingSource(gw.ledger, gw.registry),
        clock: { nowS: () => Math.min(watermark.nowS(), capTs) },
        onEvent,
      },
    );
    stops.push(() => oracle.stop());
    gw.attachAttestations(oracle.attestationViews);
    stops.push(async () => gw.attachAttestations(undefined));
    const epochsUrl = `${gw.apiUrl}/pools/${pool.poolId}/epochs`;
    say(
      `oracle: proof bundles at ${oracle.bundleServer!.url}; ${options.proverConcurrency} prover threads; epochs at ${epochsUrl}`,
    );

    // 5. the fleet, in compressed time
    const processed = () => {
      const c = gw.counts();
      return c.accepted + c.late + c.duplicates + c.rejected + c.redeliveredRejects;
    };
    const ticker = setInterval(() => watermark.update(processed()), 100);
    stops.push(async () => clearInterval(ticker));
    const fleetStartedMs = Date.now();
    let lastLogMs = 0;
    const fleetRun = await runFleet({
      config: fleetConfig,
      generator,
      brokerUrl,
      signal,
      progressIntervalMs: 250,
      onStart: () =>
        say(
          `fleet: publishing ${new Date(simStartTs * 1000).toISOString().slice(0, 16)}Z .. ${new Date(lastEndTs * 1000).toISOString().slice(0, 16)}Z at ${options.speed}x (${options.epochs} epochs of ${epochLengthS / 3600} h)`,
        ),
      onAcked: (message) => watermark.acked(message.publishTs),
      onSettled: ({ acked, lastPublishTs }) => watermark.settled(acked, lastPublishTs),
      onProgress: (p) => {
        if (Date.now() - lastLogMs < 2_000) return;
        lastLogMs = Date.now();
        const c = gw.counts();
        say(
          `fleet: ${new Date(p.simNowTs * 1000).toISOString().slice(0, 16)}Z ${String(Math.round(p.fraction * 100)).padStart(3)}%  published ${p.published}  ledger +${c.accepted}  duplicates ${c.duplicates}  quarantined ${c.rejected}${proving.queued + proving.done > 0 ? `  | proofs done ${proving.done}, queued ${proving.queued}` : ''}`,
        );
      },
    });
    checkAborted(signal);
    const fleetMs = Date.now() - fleetStartedMs;
    say(
      `fleet: done, ${fleetRun.published} messages in ${(fleetMs / 1000).toFixed(1)} s; waiting for the gateway ...`,
    );
    // every acknowledged message reaches the gateway; wait until it has processed all of them
    const drainDeadlineMs = Date.now() + 60_000;
    while (processed() < fleetRun.acked && Date.now() < drainDeadlineMs) {
      checkAborted(signal);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await gw.drain();
    if (processed() < fleetRun.acked) {
      throw new DemoRunError('the gateway did not receive every acknowledged message', {
        details: `${fleetRun.acked} acknowledged by the broker, ${processed()} processed by the gateway after 60 s`,
      });
    }
    watermark.finished(processed());
    say(`gateway: ${processed()} messages processed; waiting for the oracle ...`);

    // 6. every epoch proven, posted, finalised and distributed
    const provingStartedMs = Date.now();
    let lastReportMs = Date.now();
    while (distributions.size < options.epochs) {
      checkAborted(signal);
      if (fatal) throw fatal;
      if (Date.now() - lastReportMs > 10_000) {
        lastReportMs = Date.now();
        say(
          `oracle: ${outcomes.size}/${options.epochs} epochs finalised; proofs done ${proving.done}, queued ${proving.queued}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await distributing;
    const provingMs = Date.now() - provingStartedMs;
    const holders = await withdrawAll(investors, pool.token as Address, deployment.contracts.stablecoin);

    // 7. the investor's check, from the chain and the public bundles only
    const verifyStartedMs = Date.now();
    say(
      `verifier: checking every proof, the root chain, feed answers and distributions from ${oracle.bundleServer!.url} ...`,
    );
    const verifier = await verifyPool({
      publicClient: oracle.publicClient as PublicClient,
      contracts,
      poolId: pool.poolId,
      feed: pool.feed as Address,
      token: pool.token as Address,
      bundles: openBundleSource(oracle.bundleServer!.url),
      vkeyDir: join('build', 'circuits'),
      fromBlock: BigInt(deployment.deployedAtBlock),
    });
    const verifyMs = Date.now() - verifyStartedMs;
    const epochsView = (await (await fetch(epochsUrl)).json()) as {
      epochs: Array<{ epoch: number; status: string; totals: { revenueMinor: string } | null }>;
    };

    const gas = await gasByEpoch(
      oracle.publicClient as PublicClient,
      contracts,
      pool.poolId,
      BigInt(deployment.deployedAtBlock),
    );
    const epochs: DemoEpoch[] = [...outcomes.values()]
      .sort((a, b) => a.epoch - b.epoch)
      .map((outcome) => {
        const bounds = epochBounds({ poolId: pool.poolId, genesisTs, epochLengthS }, outcome.epoch);
        return {
          epoch: outcome.epoch,
          startTs: bounds.startTs,
          endTs: bounds.endTs,
          baseline: outcome.epoch === 1,
          outcome,
          registeredCount: generator.devices.length,
          gas: gas.get(outcome.epoch) ?? { registrationTxs: 0, batchTxs: 0, finaliseTxs: 0, gasUsed: 0n },
          distribution: distributions.get(outcome.epoch)!,
        };
      });
    return {
      poolId: pool.poolId,
      chain: { rpcUrl: chain.rpcUrl, chainId: chain.chainId, embedded: chain.embedded },
      brokerUrl,
      gatewayUrl: gw.apiUrl,
      bundlesUrl: oracle.bundleServer!.url,
      dataDir,
      deployment,
      devices: { ev: evCount, pv: pvCount },
      fleet: generator.stats,
      published: fleetRun.published,
      ledgerReadings: await gw.ledger.count(pool.poolId),
      quarantineByReason: await gw.quarantine.countByReason(),
      epochsApi: { url: epochsUrl, epochs: epochsView.epochs.filter((e) => e.epoch <= options.epochs) },
      epochs,
      holders,
      verifier,
      timingsMs: {
        build: buildMs,
        setup: setupMs,
        fleet: fleetMs,
        proving: provingMs,
        verify: verifyMs,
        total: Date.now() - startedMs,
      },
    };
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

export type { DemoAccount };
