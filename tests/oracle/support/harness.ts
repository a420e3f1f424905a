import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Address, createPublicClient, http, type PublicClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { requireArtifacts } from '../../../circuits/proving/instances.ts';
import { poolRegistryAbi } from '../../../contracts/abis.ts';
import { ANVIL_FIRST_TEST_KEY, createChainClients, writeAndWait } from '../../../contracts/chain.ts';
import { type Deployment, deployAll } from '../../../contracts/deploy.ts';
import { createBundleStore } from '../../../oracle/bundles.ts';
import type { EpochJobContext, FaultPoint } from '../../../oracle/epoch-job.ts';
import { createProverPool, type ProverPool } from '../../../oracle/prover-pool.ts';
import type { ReadingSource } from '../../../oracle/sources.ts';
import { openStageStore } from '../../../oracle/stage-store.ts';
import { createTxSender } from '../../../oracle/tx-sender.ts';
import { afterAll, beforeAll } from 'vitest';
import { startAnvil } from '../../../lib/servers/anvil.ts';
import type { TestDevice } from './fleet.ts';

export const EPOCH_INSTANCE = 'epoch_test';
export const REGISTRATION_INSTANCE = 'registration_test';
export const EPOCH_LENGTH_S = 3600;

/** Asserts the circuits' test instances are built (npm run build does it once). */
export function requireTestCircuits(): void {
  requireArtifacts(EPOCH_INSTANCE, { proving: true });
  requireArtifacts(REGISTRATION_INSTANCE, { proving: true });
}

/** The chain a test file runs against: anvil with the contracts deployed, and a prover pool. */
export interface TestChain {
  readonly rpcUrl: string;
  readonly deployment: Deployment;
  readonly prover: ProverPool;
}

/**
 * Registers hooks that, before the file's tests, check the test circuits are built, start anvil, deploy the
 * contracts with `poolCount` test pools (genesis `epochsAgo` epochs back) and start a 2-thread prover pool, and
 * stop them after. Call at module level, before the file's own hooks (so its parts stop first).
 */
export function useTestChain(poolCount: number, epochsAgo: number): TestChain {
  let anvil: Awaited<ReturnType<typeof startAnvil>> | undefined;
  let deployment: Deployment | undefined;
  let prover: ProverPool | undefined;
  beforeAll(async () => {
    requireTestCircuits();
    anvil = await startAnvil();
    deployment = await deployTestPools(anvil.rpcUrl, poolCount, epochsAgo);
    prover = createProverPool({ concurrency: 2 });
  });
  afterAll(async () => {
    await prover?.close();
    await anvil?.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined)
      throw new Error('the test chain is not started (useTestChain registers beforeAll)');
    return value;
  };
  return {
    get rpcUrl() {
      return started(anvil).rpcUrl;
    },
    get deployment() {
      return started(deployment);
    },
    get prover() {
      return started(prover);
    },
  };
}

/** Deploys the contracts with `poolCount` test pools whose genesis lies `epochsAgo` epochs in the past. */
export async function deployTestPools(
  rpcUrl: string,
  poolCount: number,
  epochsAgo: number,
): Promise<Deployment> {
  const genesisTs = Math.floor(Date.now() / 1000) - epochsAgo * EPOCH_LENGTH_S;
  return deployAll({
    rpcUrl,
    chainId: 31337,
    outFile: false,
    pools: Array.from({ length: poolCount }, (_, i) => ({
      name: `test-${i + 1}`,
      maxTariffMinorPerKwh: 190,
      epochLengthS: EPOCH_LENGTH_S,
      genesisTs,
      investorShareBps: 7_000,
      epochVerifierInstance: EPOCH_INSTANCE,
      registrationVerifierInstance: REGISTRATION_INSTANCE,
    })),
  });
}

/** Registers devices on-chain in `poolId` (the deployer is every pool's operator). */
export async function registerOnChain(
  rpcUrl: string,
  deployment: Deployment,
  poolId: number,
  devices: readonly TestDevice[],
): Promise<void> {
  const clients = createChainClients({ rpcUrl, chainId: 31337, privateKey: ANVIL_FIRST_TEST_KEY });
  for (const d of devices) {
    await writeAndWait(clients, {
      address: deployment.contracts.poolRegistry,
      abi: poolRegistryAbi,
      functionName: 'registerDevice',
      args: [poolId, BigInt(d.publicKey.Ax), BigInt(d.publicKey.Ay), d.ratedPowerW, 1],
    });
  }
}

export function publicClientFor(rpcUrl: string): PublicClient {
  return createPublicClient({
    chain: foundry,
    transport: http(rpcUrl),
    pollingInterval: 100,
  }) as PublicClient;
}

/** A fresh oracle context over a stage database and a bundle directory: what a (re)started oracle builds. */
export async function oracleContext(options: {
  chain: TestChain;
  dataDir: string;
  readings: ReadingSource;
  faults?: (point: FaultPoint) => void | Promise<void>;
}): Promise<EpochJobContext & { close(): void }> {
  const { rpcUrl, deployment, prover } = options.chain;
  const publicClient = publicClientFor(rpcUrl);
  const stages = await openStageStore(join(options.dataDir, 'oracle.duckdb'));
  return {
    publicClient,
    sender: createTxSender({ publicClient, account: privateKeyToAccount(ANVIL_FIRST_TEST_KEY), pollMs: 50 }),
    contracts: {
      poolRegistry: deployment.contracts.poolRegistry as Address,
      attestationRegistry: deployment.contracts.attestationRegistry as Address,
    },
    stages,
    bundles: createBundleStore(join(options.dataDir, 'bundles')),
    prover,
    readings: options.readings,
    circuitsOf: () => ({ epoch: EPOCH_INSTANCE, registration: REGISTRATION_INSTANCE }),
    fromBlock: 0n,
    faults: options.faults,
    close: () => stages.close(),
  };
}

export const tempDir = (label: string) => mkdtempSync(join(tmpdir(), `oracle-${label}-`));
