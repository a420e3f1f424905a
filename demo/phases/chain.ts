/** Phase "chain": build what is missing, start or join a chain, deploy the contracts and the demo pool. */
import { join } from 'node:path';
import type { Address, Hex } from 'viem';
import { buildCircuits } from '../../circuits/build.ts';
import { buildContracts } from '../../contracts/build.ts';
import { ANVIL_FIRST_TEST_KEY, createChainClients } from '../../contracts/chain.ts';
import { type Deployment, deployAll } from '../../contracts/deploy.ts';
import { startAnvil } from '../../lib/servers/anvil.ts';
import { checkAborted, type DemoContext, phaseLog } from './context.ts';

/** Simulated grace after an epoch's end before the oracle closes it. */
export const GRACE_S = 300;

/** The chain the demo runs on. */
export interface DemoChain {
  rpcUrl: string;
  chainId: number;
  privateKey: Hex;
  embedded: boolean;
}

/** The deployed contracts and the demo pool. */
export interface DemoDeployment {
  chain: DemoChain;
  operator: ReturnType<typeof createChainClients>;
  deployment: Deployment;
  pool: Deployment['pools'][number];
  contracts: { poolRegistry: Address; attestationRegistry: Address };
  genesisTs: number;
}

/** Builds the circuits and contracts (cached by input hashes: a second run is nearly free). */
export async function buildArtifacts(context: DemoContext): Promise<void> {
  const { options } = context;
  const log = phaseLog(context, 'build');
  log.info(
    `build: circuits ${options.epochInstance}, ${options.registrationInstance} and contracts (cached after the first run)`,
  );
  await buildCircuits({
    instances: [options.epochInstance, options.registrationInstance],
    ptauPath: options.ptauPath,
    log: (line) => log.info(line),
  });
  await buildContracts({ log: (line) => log.info(line) });
  checkAborted(context.signal);
}

async function startChain(context: DemoContext): Promise<DemoChain> {
  const { options } = context;
  if (options.chain)
    return { ...options.chain, privateKey: options.chain.privateKey as Hex, embedded: false };
  const anvil = await startAnvil();
  context.stops.push(() => anvil.stop());
  return { rpcUrl: anvil.rpcUrl, chainId: 31337, privateKey: ANVIL_FIRST_TEST_KEY, embedded: true };
}

/**
 * Starts (or joins) the chain and deploys everything with the demo pool, whose genesis puts the whole simulated
 * period in the chain's past, so every epoch can be finalised on-chain at once.
 */
export async function deployOnChain(context: DemoContext): Promise<DemoDeployment> {
  const { options } = context;
  const log = phaseLog(context, 'chain');
  const chain = await startChain(context);
  log.info(
    `chain: ${chain.embedded ? 'anvil (embedded)' : 'external'} at ${chain.rpcUrl}, chain id ${chain.chainId}`,
  );
  const operator = createChainClients(chain);
  const chainNowS = Number((await operator.publicClient.getBlock()).timestamp);
  const epochLengthS = options.epochLengthS;
  const genesisTs =
    Math.floor((chainNowS - options.epochs * epochLengthS - GRACE_S - 600) / epochLengthS) * epochLengthS;
  const deployment = await deployAll({
    rpcUrl: chain.rpcUrl,
    chainId: chain.chainId,
    privateKey: chain.privateKey,
    outFile: join(options.dataDir, 'deployment.json'),
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
  log.info(
    `contracts: deployed (registry ${deployment.contracts.poolRegistry}, attestations ${deployment.contracts.attestationRegistry}); pool ${pool.poolId}, token ${pool.token}, feed ${pool.feed}`,
  );
  checkAborted(context.signal);
  const contracts = {
    poolRegistry: deployment.contracts.poolRegistry as Address,
    attestationRegistry: deployment.contracts.attestationRegistry as Address,
  };
  return { chain, operator, deployment, pool, contracts, genesisTs };
}
