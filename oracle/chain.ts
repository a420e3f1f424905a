import type { Address, Hash, Hex, PublicClient } from 'viem';
import type { AttestationEvent } from '../verifier/checks.ts';
import { attestationRegistryAbi, poolRegistryAbi } from '../contracts/abis.ts';

/** Addresses the oracle talks to (from `deployments/<chainId>.json`). */
export interface OracleContracts {
  poolRegistry: Address;
  attestationRegistry: Address;
}

/** A pool as the on-chain registry holds it. */
export interface ChainPool {
  poolId: number;
  maxTariffMinorPerKwh: number;
  epochLengthS: number;
  genesisTs: number;
  treeDepth: number;
  registeredCount: number;
  activeCount: number;
  investorShareBps: number;
  currencyDecimals: number;
  /** Verifier registry instance ids of the pool's proofs. */
  epochInstanceId: Hex;
  registrationInstanceId: Hex;
  /** The verifiers the instances resolve to now (governance can replace them after the timelock delay). */
  epochVerifier: Address;
  registrationVerifier: Address;
  emptyRoot: bigint;
}

/** A device registration event, in slot order. */
export interface ChainDevice {
  poolId: number;
  slot: number;
  keyHash: bigint;
  Ax: bigint;
  Ay: bigint;
  ratedPowerW: number;
  kind: number;
  chain: bigint;
}

/** The attestation state of a pool. */
export interface AttestationState {
  stateRoot: bigint;
  attestedCount: number;
  lastFinalisedEpoch: number;
  openEpoch: number;
  openBatchCount: number;
}

/**
 * Reads a pool from the registry.
 *
 * @example
 * const pool = await readPool(publicClient, contracts, 1);
 */
export async function readPool(
  client: PublicClient,
  contracts: OracleContracts,
  poolId: number,
): Promise<ChainPool> {
  const registry = { address: contracts.poolRegistry, abi: poolRegistryAbi } as const;
  const [pool, [epochVerifier, registrationVerifier]] = await Promise.all([
    client.readContract({ ...registry, functionName: 'getPool', args: [poolId] }),
    client.readContract({ ...registry, functionName: 'verifiersOf', args: [poolId] }),
  ]);
  return {
    poolId,
    maxTariffMinorPerKwh: Number(pool.maxTariffMinorPerKwh),
    epochLengthS: Number(pool.epochLengthS),
    genesisTs: Number(pool.genesisTs),
    treeDepth: Number(pool.treeDepth),
    registeredCount: Number(pool.registeredCount),
    activeCount: Number(pool.activeCount),
    investorShareBps: Number(pool.investorShareBps),
    currencyDecimals: Number(pool.currencyDecimals),
    epochInstanceId: pool.epochInstanceId,
    registrationInstanceId: pool.registrationInstanceId,
    epochVerifier,
    registrationVerifier,
    emptyRoot: pool.emptyRoot,
  };
}

/** The number of pools created so far (pool ids are 1..count). */
export async function readPoolCount(client: PublicClient, contracts: OracleContracts): Promise<number> {
  return Number(
    await client.readContract({
      address: contracts.poolRegistry,
      abi: poolRegistryAbi,
      functionName: 'poolCount',
    }),
  );
}

/**
 * Every device registered in `poolId`, in slot order, from the registry's `DeviceRegistered` events.
 *
 * @example
 * const devices = await readDevices(publicClient, contracts, 1, deployment.deployedAtBlock);
 */
export async function readDevices(
  client: PublicClient,
  contracts: OracleContracts,
  poolId: number,
  fromBlock: bigint = 0n,
): Promise<ChainDevice[]> {
  const logs = await client.getContractEvents({
    address: contracts.poolRegistry,
    abi: poolRegistryAbi,
    eventName: 'DeviceRegistered',
    args: { poolId },
    fromBlock,
    toBlock: 'latest',
  });
  return logs
    .map((log) => ({
      poolId,
      slot: Number(log.args.slot),
      keyHash: log.args.keyHash!,
      Ax: log.args.ax!,
      Ay: log.args.ay!,
      ratedPowerW: Number(log.args.ratedPowerW),
      kind: Number(log.args.kind),
      chain: log.args.chain!,
    }))
    .sort((a, b) => a.slot - b.slot);
}

/** Reads the attestation registry's state of a pool (root, attested count, epochs). */
export async function readAttestationState(
  client: PublicClient,
  contracts: OracleContracts,
  poolId: number,
): Promise<AttestationState> {
  const common = { address: contracts.attestationRegistry, abi: attestationRegistryAbi } as const;
  const [stateRoot, attestedCount, lastFinalisedEpoch, open] = await Promise.all([
    client.readContract({ ...common, functionName: 'stateRootOf', args: [poolId] }),
    client.readContract({ ...common, functionName: 'attestedCountOf', args: [poolId] }),
    client.readContract({ ...common, functionName: 'lastFinalisedEpochOf', args: [poolId] }),
    client.readContract({ ...common, functionName: 'openEpochOf', args: [poolId] }),
  ]);
  return {
    stateRoot,
    attestedCount: Number(attestedCount),
    lastFinalisedEpoch: Number(lastFinalisedEpoch),
    openEpoch: Number(open.epoch),
    openBatchCount: Number(open.batchCount),
  };
}

/** An attestation event as read from the chain: with its pool and its transaction. */
export type ChainAttestationEvent = AttestationEvent & { poolId: number; transactionHash: Hash };

/**
 * Reads the attestation registry's events (registration batches, epoch batches, finalisations) of one pool, or of
 * every pool when `poolId` is undefined, in chain order, each with its transaction hash.
 *
 * @example
 * const events = await readAttestationEvents(client, contracts, 1, BigInt(deployment.deployedAtBlock));
 */
export async function readAttestationEvents(
  client: PublicClient,
  contracts: OracleContracts,
  poolId: number | undefined,
  fromBlock = 0n,
  toBlock: bigint | 'latest' = 'latest',
): Promise<ChainAttestationEvent[]> {
  const common = {
    address: contracts.attestationRegistry,
    abi: attestationRegistryAbi,
    args: poolId === undefined ? undefined : { poolId },
    fromBlock,
    toBlock,
  } as const;
  const [registrations, batches, finalisations] = await Promise.all([
    client.getContractEvents({ ...common, eventName: 'RegistrationAttested' }),
    client.getContractEvents({ ...common, eventName: 'BatchAccepted' }),
    client.getContractEvents({ ...common, eventName: 'EpochFinalised' }),
  ]);
  const events: ChainAttestationEvent[] = [
    ...registrations.map((l) => ({
      kind: 'registration' as const,
      poolId: Number(l.args.poolId),
      transactionHash: l.transactionHash,
      blockNumber: l.blockNumber,
      logIndex: l.logIndex,
      oldRoot: l.args.oldRoot!,
      newRoot: l.args.newRoot!,
      oldCount: Number(l.args.oldCount),
      newCount: Number(l.args.newCount),
    })),
    ...batches.map((l) => ({
      kind: 'batch' as const,
      poolId: Number(l.args.poolId),
      transactionHash: l.transactionHash,
      blockNumber: l.blockNumber,
      logIndex: l.logIndex,
      epoch: Number(l.args.epoch),
      batchIndex: Number(l.args.batchIndex),
      oldRoot: l.args.oldRoot!,
      newRoot: l.args.newRoot!,
      energyWh: l.args.energyWh!,
      revenueMinor: l.args.revenueMinor!,
      reportingCount: l.args.reportingCount!,
    })),
    ...finalisations.map((l) => ({
      kind: 'finalised' as const,
      poolId: Number(l.args.poolId),
      transactionHash: l.transactionHash,
      blockNumber: l.blockNumber,
      logIndex: l.logIndex,
      epoch: Number(l.args.epoch),
      revenueMinor: l.args.revenueMinor!,
      energyWh: l.args.energyWh!,
      reportingCount: Number(l.args.reportingCount),
      registeredCount: Number(l.args.registeredCount),
      batchCount: Number(l.args.batchCount),
      stateRoot: l.args.stateRoot!,
    })),
  ];
  return events.sort((a, b) =>
    a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1,
  );
}
