import type { Address, Hash, PublicClient } from 'viem';
import { revenueShareTokenAbi, testStablecoinAbi } from '../contracts/abis.ts';
import { type OracleContracts, readAttestationEvents } from '../oracle/chain.ts';
import type { DemoAccount } from './accounts.ts';

/** Gas of the oracle's transactions attributed to an epoch (its registration batches count with it). */
export interface EpochGas {
  registrationTxs: number;
  batchTxs: number;
  finaliseTxs: number;
  gasUsed: bigint;
}

/**
 * Sums the gas of the pool's attestation transactions per epoch, from the receipts of the registry's events:
 * registration batches are attributed to the epoch whose first batch follows them.
 */
export async function gasByEpoch(
  client: PublicClient,
  contracts: OracleContracts,
  poolId: number,
  fromBlock: bigint,
): Promise<Map<number, EpochGas>> {
  const events = await readAttestationEvents(client, contracts, poolId, fromBlock);
  const gasOf = new Map<Hash, bigint>();
  for (const event of events) {
    if (!gasOf.has(event.transactionHash))
      gasOf.set(
        event.transactionHash,
        (await client.getTransactionReceipt({ hash: event.transactionHash })).gasUsed,
      );
  }
  const result = new Map<number, EpochGas>();
  let pending: Hash[] = [];
  for (const event of events) {
    if (event.kind === 'registration') {
      pending.push(event.transactionHash);
      continue;
    }
    const gas = result.get(event.epoch) ?? { registrationTxs: 0, batchTxs: 0, finaliseTxs: 0, gasUsed: 0n };
    result.set(event.epoch, gas);
    for (const hash of pending) {
      gas.registrationTxs++;
      gas.gasUsed += gasOf.get(hash)!;
    }
    pending = [];
    if (event.kind === 'batch') gas.batchTxs++;
    else gas.finaliseTxs++;
    gas.gasUsed += gasOf.get(event.transactionHash)!;
  }
  return result;
}

/** What a distribution of an epoch paid in. */
export interface DistributionFacts {
  epoch: number;
  revenueMinor: bigint;
  requiredUnits: bigint;
  depositedUnits: bigint;
  gasUsed: bigint;
}

/** The distributor funds and distributes an epoch's investor share (ERC-2222 `distribute`). */
export async function distributeEpoch(
  distributor: DemoAccount,
  token: Address,
  epoch: number,
): Promise<DistributionFacts> {
  const { publicClient, walletClient, account, chain } = distributor.clients;
  const { request } = await publicClient.simulateContract({
    account,
    address: token,
    abi: revenueShareTokenAbi,
    functionName: 'distribute',
    args: [BigInt(epoch)],
  });
  const hash = await walletClient.writeContract({ ...request, chain });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  const record = await publicClient.readContract({
    address: token,
    abi: revenueShareTokenAbi,
    functionName: 'epochDistribution',
    args: [BigInt(epoch)],
  });
  return {
    epoch,
    revenueMinor: record.revenueMinor,
    requiredUnits: record.requiredUnits,
    depositedUnits: record.depositedUnits,
    gasUsed: receipt.gasUsed,
  };
}

/** A token holder's funds: what was distributed to it, what it withdrew, and its stablecoin balance after. */
export interface HolderFacts {
  label: string;
  address: Address;
  tokens: number;
  accumulatedUnits: bigint;
  withdrawnUnits: bigint;
  stablecoinUnits: bigint;
}

/** Each holder withdraws its funds (from its own account) and the resulting balances are read. */
export async function withdrawAll(
  holders: ReadonlyArray<{ account: DemoAccount; tokens: number }>,
  token: Address,
  stablecoin: Address,
): Promise<HolderFacts[]> {
  const facts: HolderFacts[] = [];
  for (const { account, tokens } of holders) {
    const { publicClient, walletClient, chain } = account.clients;
    const read = (functionName: 'accumulativeFundsOf' | 'withdrawableFundsOf' | 'withdrawnFundsOf') =>
      publicClient.readContract({
        address: token,
        abi: revenueShareTokenAbi,
        functionName,
        args: [account.address],
      });
    if ((await read('withdrawableFundsOf')) > 0n) {
      const { request } = await publicClient.simulateContract({
        account: account.clients.account,
        address: token,
        abi: revenueShareTokenAbi,
        functionName: 'withdrawFunds',
      });
      await publicClient.waitForTransactionReceipt({
        hash: await walletClient.writeContract({ ...request, chain }),
      });
    }
    facts.push({
      label: account.label,
      address: account.address,
      tokens,
      accumulatedUnits: await read('accumulativeFundsOf'),
      withdrawnUnits: await read('withdrawnFundsOf'),
      stablecoinUnits: await publicClient.readContract({
        address: stablecoin,
        abi: testStablecoinAbi,
        functionName: 'balanceOf',
        args: [account.address],
      }),
    });
  }
  return facts;
}
