import type { Address } from 'viem';
import { attestationRegistryAbi, poolRegistryAbi, revenueShareTokenAbi } from '../../contracts/abis.ts';
import { type ChainClients, writeAndWait } from '../../contracts/chain.ts';
import { deployArtifact } from '../../contracts/deploy.ts';
import { type CoreContracts, eventsOf, poolParams } from './support.ts';

/** Roles of the token tests: admin deploys, agent runs compliance, distributor funds epochs. */
export interface TokenActors {
  admin: ChainClients;
  agent: ChainClients;
  distributor: ChainClients;
}

/** Creates a pool (operator = attester = `operator`) and returns its id. */
export async function createTestPool(
  admin: ChainClients,
  core: CoreContracts,
  input: {
    operator: Address;
    epochVerifier: Address;
    registrationVerifier: Address;
    treeDepth?: number;
    genesisTs?: bigint;
    epochLengthS?: number;
    investorShareBps?: number;
  },
): Promise<number> {
  const receipt = await writeAndWait(admin, {
    address: core.poolRegistry,
    abi: poolRegistryAbi,
    functionName: 'createPool',
    args: [
      poolParams({
        operator: input.operator,
        epochVerifier: input.epochVerifier,
        registrationVerifier: input.registrationVerifier,
        ...(input.treeDepth === undefined ? {} : { treeDepth: input.treeDepth }),
        ...(input.genesisTs === undefined ? {} : { genesisTs: input.genesisTs }),
        ...(input.epochLengthS === undefined ? {} : { epochLengthS: input.epochLengthS }),
        ...(input.investorShareBps === undefined ? {} : { investorShareBps: input.investorShareBps }),
      }),
    ],
  });
  const created = eventsOf(receipt, core.poolRegistry, poolRegistryAbi).find(
    (event) => event.eventName === 'PoolCreated',
  );
  const poolId = created!.args.poolId as number;
  const role = await admin.publicClient.readContract({
    address: core.attestationRegistry,
    abi: attestationRegistryAbi,
    functionName: 'attesterRole',
    args: [poolId],
  });
  await writeAndWait(admin, {
    address: core.attestationRegistry,
    abi: attestationRegistryAbi,
    functionName: 'grantRole',
    args: [role, input.operator],
  });
  return poolId;
}

/** Deploys a revenue-share token for `poolId` and grants the agent and distributor roles. */
export async function deployToken(
  actors: TokenActors,
  core: CoreContracts,
  poolId: number,
  conversionRateE18: bigint = 1_400n * 10n ** 18n,
): Promise<Address> {
  const token = (
    await deployArtifact(actors.admin, 'RevenueShareToken', [
      'Pool revenue share',
      'PRS',
      actors.admin.account.address,
      core.attestationRegistry,
      poolId,
      core.stablecoin,
      conversionRateE18,
    ])
  ).address;
  for (const [role, holder] of [
    ['AGENT_ROLE', actors.agent],
    ['DISTRIBUTOR_ROLE', actors.distributor],
  ] as const) {
    const roleId = await actors.admin.publicClient.readContract({
      address: token,
      abi: revenueShareTokenAbi,
      functionName: role,
    });
    await writeAndWait(actors.admin, {
      address: token,
      abi: revenueShareTokenAbi,
      functionName: 'grantRole',
      args: [roleId, holder.account.address],
    });
  }
  return token;
}
