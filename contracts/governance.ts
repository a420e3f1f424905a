import {
  type Abi,
  type Address,
  encodeFunctionData,
  type Hex,
  keccak256,
  toHex,
  type TransactionReceipt,
  zeroHash,
} from 'viem';
import { governanceTimelockAbi } from './abis.ts';
import { type ChainClients, writeAndWait } from './chain.ts';

/** Local development chain id (anvil, hardhat): the timelock delay is skipped with `evm_increaseTime`. */
export const LOCAL_CHAIN_ID = 31337;

/** Circuit templates as the verifier registry numbers them. */
export const TEMPLATE_ID = { EpochBatch: 1, Registration: 2 } as const;

/** One call made through the timelock. */
export interface TimelockCall {
  target: Address;
  abi: readonly unknown[];
  functionName: string;
  args: readonly unknown[];
}

/** A scheduled timelock batch: what `executeBatch` needs, and when it becomes ready. */
export interface ScheduledBatch {
  targets: Address[];
  values: bigint[];
  payloads: Hex[];
  predecessor: Hex;
  salt: Hex;
  /** keccak256 of the batch, as `hashOperationBatch` returns it. */
  operationId: Hex;
  /** Unix seconds from which the batch may be executed. */
  readyAtS: bigint;
  /** The scheduling transaction's receipt (its `CallScheduled` events are the public notice). */
  receipt: TransactionReceipt;
}

/**
 * Schedules `calls` as one timelock batch (`scheduleBatch`, emits `CallScheduled` per call) with the timelock's
 * minimum delay; the caller must hold the proposer role.
 *
 * @example
 * const batch = await scheduleThroughTimelock(clients, timelock, [{ target, abi, functionName, args }]);
 */
export async function scheduleThroughTimelock(
  clients: ChainClients,
  timelock: Address,
  calls: readonly TimelockCall[],
  salt: Hex = keccak256(toHex(`${Date.now()}-${Math.random()}`)),
): Promise<ScheduledBatch> {
  const targets = calls.map((call) => call.target);
  const values = calls.map(() => 0n);
  const payloads = calls.map((call) =>
    encodeFunctionData({
      abi: call.abi as Abi,
      functionName: call.functionName,
      args: call.args as unknown[],
    }),
  );
  const contract = { address: timelock, abi: governanceTimelockAbi } as const;
  const delayS = await clients.publicClient.readContract({ ...contract, functionName: 'getMinDelay' });
  const receipt = await writeAndWait(clients, {
    ...contract,
    functionName: 'scheduleBatch',
    args: [targets, values, payloads, zeroHash, salt, delayS],
  });
  const operationId = await clients.publicClient.readContract({
    ...contract,
    functionName: 'hashOperationBatch',
    args: [targets, values, payloads, zeroHash, salt],
  });
  const readyAtS = await clients.publicClient.readContract({
    ...contract,
    functionName: 'getTimestamp',
    args: [operationId],
    blockNumber: receipt.blockNumber,
  });
  return { targets, values, payloads, predecessor: zeroHash, salt, operationId, readyAtS, receipt };
}

/**
 * Waits until the chain's time reaches `readyAtS`: on a local chain by moving its clock (`evm_increaseTime`),
 * elsewhere by polling the latest block every `pollMs`.
 */
export async function waitUntilChainTime(
  clients: ChainClients,
  readyAtS: bigint,
  options: { local: boolean; pollMs?: number },
): Promise<void> {
  const client = clients.publicClient;
  let nowS = (await client.getBlock()).timestamp;
  if (nowS >= readyAtS) return;
  if (options.local) {
    await client.request({ method: 'evm_increaseTime' as never, params: [Number(readyAtS - nowS)] as never });
    await client.request({ method: 'evm_mine' as never, params: [] as never });
    return;
  }
  while (nowS < readyAtS) {
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 5_000));
    nowS = (await client.getBlock()).timestamp;
  }
}

/** Executes a ready batch (`executeBatch`, emits `CallExecuted` per call); the caller must be an executor. */
export async function executeThroughTimelock(
  clients: ChainClients,
  timelock: Address,
  batch: ScheduledBatch,
) {
  return writeAndWait(clients, {
    address: timelock,
    abi: governanceTimelockAbi,
    functionName: 'executeBatch',
    args: [batch.targets, batch.values, batch.payloads, batch.predecessor, batch.salt],
  });
}

/**
 * Schedules `calls` through the timelock, waits its delay (see {@link waitUntilChainTime}) and executes them:
 * the path every governed change takes. The caller must be both proposer and executor.
 *
 * @example
 * await governThroughTimelock(clients, timelock, [call], { local: chainId === LOCAL_CHAIN_ID });
 */
export async function governThroughTimelock(
  clients: ChainClients,
  timelock: Address,
  calls: readonly TimelockCall[],
  options: { local: boolean; pollMs?: number },
) {
  const batch = await scheduleThroughTimelock(clients, timelock, calls);
  await waitUntilChainTime(clients, batch.readyAtS, options);
  return executeThroughTimelock(clients, timelock, batch);
}
