import type { Address, Hash, PublicClient } from 'viem';
import { attestationRegistryAbi, revenueShareTokenAbi, testStablecoinAbi } from '../contracts/abis.ts';
import type { DemoAccount } from './accounts.ts';

/** Gas of the oracle's transactions attributed to an epoch (its registration batches count with it). */
export interface EpochGas {
  registrationTxs: number;
  batchTxs: number;
  finaliseTxs: number;
  gasUsed: bigint;
}

/**
 * Reads the pool's attestation events and the receipts of their transactions, and sums the gas per epoch:
 * registration batches are attributed to the epoch whose first batch follows them.
 */
export async function gasByEpoch(
  client: PublicClient,
  attestationRegistry: Address,
  poolId: number,
  fromBlock: bigint,
): Promise<Map<number, EpochGas>> {
  const common = {
    address: attestationRegistry,
    abi: attestationRegistryAbi,
    args: { poolId },
    fromBlock,
  } as const;
  const [registrations, batches, finalisations] = await Promise.all([
    client.getContractEvents({ ...common, eventName: 'RegistrationAttested' }),
    client.getContractEvents({ ...common, eventName: 'BatchAccepted' }),
    client.getContractEvents({ ...common, eventName: 'EpochFinalised' }),
  ]);
  type Row = { kind: 'registration' | 'batch' | 'finalise'; epoch: number; hash: Hash; order: bigint };
  const order = (e: { blockNumber: bigint | null; logIndex: number | null }) =>
    (e.blockNumber ?? 0n) * 1_000_000n + BigInt(e.logIndex ?? 0);
  const rows: Row[] = [
    ...registrations.map((e) => ({
      kind: 'registration' as const,
      epoch: 0,
      hash: e.transactionHash!,
      order: order(e),
    })),
    ...batches.map((e) => ({
      kind: 'batch' as const,
      epoch: Number(e.args.epoch),
      hash: e.transactionHash!,
      order: order(e),
    })),
    ...finalisations.map((e) => ({
      kind: 'finalise' as const,
      epoch: Number(e.args.epoch),
      hash: e.transactionHash!,
      order: order(e),
    })),
  ].sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
  const receipts = new Map<Hash, bigint>();
  for (const row of rows) {
    if (!receipts.has(row.hash))
      receipts.set(row.hash, (await client.getTransactionReceipt({ hash: row.hash })).gasUsed);
  }
  const result = new Map<number, EpochGas>();
  const entry = (epoch: number) => {
    const existing = result.get(epoch);
    if (existing) return existing;
    const gas: EpochGas = { registrationTxs: 0, batchTxs: 0, finaliseTxs: 0, gasUsed: 0n };
    result.set(epoch, gas);
    return gas;
  };

  let pending: Row[] = [];
  for (const row of rows) {
    if (row.kind === 'registration') {
      pending.push(row);
      continue;
    }
    const gas = entry(row.epoch);
    for (const registration of pending) {
      gas.registrationTxs++;
      gas.gasUsed += receipts.get(registration.hash)!;
    }
    pending = [];
    if (row.kind === 'batch') gas.batchTxs++;
    else gas.finaliseTxs++;
    gas.gasUsed += receipts.get(row.hash)!;
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
