/** Phase "oracle": the oracle service on the ledger watermark, and what it reports per epoch. */
import { join } from 'node:path';
import type { Address } from 'viem';
import type { Logger } from '../../lib/log.ts';
import type { EpochOutcome } from '../../oracle/epoch-job.ts';
import { type OracleEvent, type OracleHandle, startOracle } from '../../oracle/service.ts';
import { gatewayReadingSource } from '../../oracle/sources.ts';
import { formatFixed } from '../../simulator/summary.ts';
import { type DistributionFacts, distributeEpoch } from '../chain-facts.ts';
import { DemoRunError } from '../errors.ts';
import { type DemoDeployment, GRACE_S } from './chain.ts';
import { type DemoContext, phaseLog } from './context.ts';
import type { DemoIngest } from './gateway.ts';
import type { DemoPoolAccounts } from './pool.ts';

/** What the oracle has done so far, filled in by its events. */
export interface OracleProgress {
  outcomes: Map<number, EpochOutcome>;
  distributions: Map<number, DistributionFacts>;
  proving: { done: number; queued: number };
  /** The chain of distributions, one epoch after the other. */
  distributing: Promise<void>;
  /** A failure that ends the run (an epoch failed three times, a distribution failed). */
  fatal: Error | undefined;
}

/** The running oracle and its progress. */
export interface DemoOracle {
  oracle: OracleHandle;
  progress: OracleProgress;
  epochsUrl: string;
}

function onOracleEvent(
  log: Logger,
  progress: OracleProgress,
  distributor: DemoPoolAccounts['distributor'],
  token: Address,
) {
  const failures = new Map<number, number>();
  return (event: OracleEvent) => {
    if (event.type === 'epoch:started') {
      log.info(`oracle: epoch ${event.epoch} closed, proving${event.catchUp ? ' (catching up)' : ''} ...`);
    } else if (event.type === 'prover' && event.progress.type === 'finished') {
      progress.proving.done = event.progress.done;
      progress.proving.queued = event.progress.queued;
    } else if (event.type === 'epoch:failed') {
      const count = (failures.get(event.epoch) ?? 0) + 1;
      failures.set(event.epoch, count);
      log.warn(`oracle: epoch ${event.epoch} failed (attempt ${count}): ${String(event.error)}`);
      if (count >= 3)
        progress.fatal = new DemoRunError(`epoch ${event.epoch} failed ${count} times`, {
          cause: event.error,
        });
    } else if (event.type === 'epoch:outcome') {
      const o = event.outcome;
      progress.outcomes.set(o.epoch, o);
      log.info(
        `oracle: epoch ${o.epoch} finalised: ${o.reportingCount} devices, ${formatFixed(o.totalEnergyWh, 3)} kWh, revenue ${formatFixed(o.totalRevenueMinor, 2)} CNY; ${o.registrationBatches} registration + ${o.epochBatches} epoch proofs in ${(o.timingsMs.prove / 1000).toFixed(1)} s`,
      );
      progress.distributing = progress.distributing.then(async () => {
        const facts = await distributeEpoch(distributor, token, o.epoch);
        progress.distributions.set(o.epoch, facts);
        log.info(
          `token: epoch ${o.epoch} distributed ${formatFixed(facts.depositedUnits, 6)} tUSD to holders`,
        );
      });
      progress.distributing.catch((error) => {
        progress.fatal = error instanceof Error ? error : new Error(String(error));
      });
    }
  };
}

/** Starts the oracle: every second it closes the epochs the ledger watermark has passed, proves and posts them. */
export async function startDemoOracle(
  context: DemoContext,
  chain: DemoDeployment,
  ingest: DemoIngest,
  accounts: DemoPoolAccounts,
): Promise<DemoOracle> {
  const { options } = context;
  const log = phaseLog(context, 'oracle');
  const { gateway, watermark } = ingest;
  const capTs = ingest.lastEndTs + GRACE_S;
  const progress: OracleProgress = {
    outcomes: new Map(),
    distributions: new Map(),
    proving: { done: 0, queued: 0 },
    distributing: Promise.resolve(),
    fatal: undefined,
  };
  const oracle = await startOracle(
    {
      rpcUrl: chain.chain.rpcUrl,
      privateKey: chain.chain.privateKey,
      deployment: chain.deployment,
      dataDir: join(options.dataDir, 'oracle'),
      graceS: GRACE_S,
      cronExpression: '* * * * * *',
      proverConcurrency: options.proverConcurrency,
      confirmations: 1,
      bundleServer: { host: '127.0.0.1', port: 0 },
      registrySync: { registry: gateway.registry, intervalMs: 10_000 },
    },
    {
      readings: gatewayReadingSource(gateway.ledger, gateway.registry),
      // The demo reports the oracle's progress itself; the oracle's own lines only when something is wrong.
      logger: log.child({ component: 'oracle' }, { level: 'warn' }),
      clock: { nowS: () => Math.min(watermark.nowS(), capTs) },
      onEvent: onOracleEvent(log, progress, accounts.distributor, chain.pool.token as Address),
    },
  );
  context.stops.push(() => oracle.stop());
  gateway.attachAttestations(oracle.attestationViews);
  context.stops.push(async () => gateway.attachAttestations(undefined));
  const epochsUrl = `${gateway.apiUrl}/pools/${chain.pool.poolId}/epochs`;
  log.info(
    `oracle: proof bundles at ${oracle.bundleServer!.url}; ${options.proverConcurrency} prover threads; epochs at ${epochsUrl}`,
  );
  return { oracle, progress, epochsUrl };
}
