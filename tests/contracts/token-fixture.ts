import { type Address, type Hex, zeroAddress } from 'viem';
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

/** Creates a pool (operator = attester = `operator`) of the test instances of its depth and returns its id. */
export async function createTestPool(
  admin: ChainClients,
  core: CoreContracts,
  input: {
    operator: Address;
    epochInstanceId?: Hex;
    registrationInstanceId?: Hex;
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
        ...(input.epochInstanceId === undefined ? {} : { epochInstanceId: input.epochInstanceId }),
        ...(input.registrationInstanceId === undefined
          ? {}
          : { registrationInstanceId: input.registrationInstanceId }),
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

/** Conversion modes of `RevenueShareToken` (Solidity enum order). */
export const CONVERSION_MODE = { FixedRate: 0, FxFeed: 1 } as const;

/** The token's issuance parameters (`IRevenueShareToken.Issuance`). */
export interface TokenIssuance {
  mode: number;
  fixedRateE18: bigint;
  fx: { feed: Address; maxAgeS: number; minAnswer: bigint; maxAnswer: bigint };
  supplyCap: bigint;
  distributionGraceS: number;
}

/** Issuance with defaults: fixed rate 1,400e18, supply cap 10^30, grace 1 day. */
export function tokenIssuance(overrides: Partial<TokenIssuance> = {}): TokenIssuance {
  return {
    mode: CONVERSION_MODE.FixedRate,
    fixedRateE18: 1_400n * 10n ** 18n,
    fx: { feed: zeroAddress, maxAgeS: 0, minAnswer: 0n, maxAnswer: 0n },
    supplyCap: 10n ** 30n,
    distributionGraceS: 86_400,
    ...overrides,
  };
}

/** Constructor arguments of `RevenueShareToken` for `poolId` (governance: the core timelock). */
export function tokenArgs(
  admin: Address,
  core: CoreContracts,
  poolId: number,
  issuance: Partial<TokenIssuance> = {},
): readonly unknown[] {
  return [
    'Pool revenue share',
    'PRS',
    admin,
    core.timelock,
    core.attestationRegistry,
    poolId,
    core.stablecoin,
    tokenIssuance(issuance),
  ];
}

/** Deploys a revenue-share token for `poolId` and grants the agent and distributor roles. */
export async function deployToken(
  actors: TokenActors,
  core: CoreContracts,
  poolId: number,
  issuance: Partial<TokenIssuance> = {},
): Promise<Address> {
  const token = (
    await deployArtifact(
      actors.admin,
      'RevenueShareToken',
      tokenArgs(actors.admin.account.address, core, poolId, issuance),
    )
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
