/** Phase "verification": holders withdraw, the investor verifier checks the pool from the chain and bundles. */
import { join } from 'node:path';
import type { Address, PublicClient } from 'viem';
import { openBundleSource } from '../../oracle/bundles.ts';
import { type VerifyReport, verifyPool } from '../../verifier/verify-pool.ts';
import { type HolderFacts, withdrawAll } from '../chain-facts.ts';
import type { DemoDeployment } from './chain.ts';
import { type DemoContext, phaseLog } from './context.ts';
import type { DemoOracle } from './oracle.ts';
import type { DemoPoolAccounts } from './pool.ts';

/** The holders' withdrawals and the verifier's report. */
export interface DemoVerification {
  holders: HolderFacts[];
  verifier: VerifyReport;
  verifyMs: number;
}

/** Holders withdraw; then the investor's check, from the chain and the public bundles only. */
export async function verifyDemo(
  context: DemoContext,
  chain: DemoDeployment,
  accounts: DemoPoolAccounts,
  oracle: DemoOracle,
): Promise<DemoVerification> {
  const log = phaseLog(context, 'verification');
  const { pool, deployment } = chain;
  const holders = await withdrawAll(
    accounts.investors,
    pool.token as Address,
    deployment.contracts.stablecoin,
  );
  const startedMs = Date.now();
  const bundlesUrl = oracle.oracle.bundleServer!.url;
  log.info(
    `verifier: checking every proof, the root chain, feed answers and distributions from ${bundlesUrl} ...`,
  );
  const verifier = await verifyPool({
    publicClient: oracle.oracle.publicClient as PublicClient,
    contracts: chain.contracts,
    poolId: pool.poolId,
    feed: pool.feed as Address,
    token: pool.token as Address,
    bundles: openBundleSource(bundlesUrl),
    vkeyDir: join('build', 'circuits'),
    fromBlock: BigInt(deployment.deployedAtBlock),
  });
  return { holders, verifier, verifyMs: Date.now() - startedMs };
}
