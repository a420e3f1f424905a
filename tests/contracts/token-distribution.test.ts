import type { Address } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revenueShareTokenAbi, testStablecoinAbi } from '../../contracts/abis.ts';
import { type ChainClients, writeAndWait } from '../../contracts/chain.ts';
import {
  deployTestVerifiers,
  EPOCH_INSTANCE,
  EPOCH_LENGTH_S,
  ProvenPool,
  REGISTRATION_INSTANCE,
} from './proven-pool.ts';
import {
  requireCircuitBuilt,
  type CoreContracts,
  deployCore,
  eventsOf,
  expectRevert,
  latestTimestamp,
  startTestChain,
  type TestChain,
} from './support.ts';
import { deployToken } from './token-fixture.ts';

// Distribution of PROVEN revenue (real proofs of the circuits' test instance): required amounts, shortfalls,
// withdrawals, recovery of accrued funds, and invariants over random seeded sequences.
requireCircuitBuilt(EPOCH_INSTANCE);
requireCircuitBuilt(REGISTRATION_INSTANCE);
const RATE_E18 = 1_400n * 10n ** 18n; // 1 fen = 0.0014 tUSD = 1,400 units of 10^-6

let chain: TestChain;
let admin: ChainClients;
let agent: ChainClients;
let distributor: ChainClients;
let holders: ChainClients[];
let stranger: ChainClients;
let core: CoreContracts;
let pool: ProvenPool;
let token: Address;

const tokenAt = () => ({ address: token, abi: revenueShareTokenAbi });
const read = <T>(functionName: string, args: readonly unknown[] = []) =>
  admin.publicClient.readContract({
    ...tokenAt(),
    functionName: functionName as never,
    args: args as never,
  }) as Promise<T>;
const write = (who: ChainClients, functionName: string, args: readonly unknown[] = []) =>
  writeAndWait(who, { ...tokenAt(), functionName, args });
const coinBalance = (address: Address) =>
  admin.publicClient.readContract({
    address: core.stablecoin,
    abi: testStablecoinAbi,
    functionName: 'balanceOf',
    args: [address],
  });
const approve = (units: bigint) =>
  writeAndWait(distributor, {
    address: core.stablecoin,
    abi: testStablecoinAbi,
    functionName: 'approve',
    args: [token, units],
  });
/** ERC-2222 accrual for a holder that held `balance` of `supply` during a distribution of `units` (with its dust). */
const accrual = (units: bigint, balance: bigint, supply: bigint) =>
  (((units * 2n ** 128n) / supply) * balance) / 2n ** 128n;
const required = (revenueMinor: bigint) => (revenueMinor * 7_000n * RATE_E18) / (10_000n * 10n ** 18n);

describe('revenue-share token distributing proven revenue', () => {
  const revenueEpoch2 = 9_000n;
  const revenueEpoch3 = 18_000n;

  beforeAll(async () => {
    chain = await startTestChain();
    const accounts = chain.accounts;
    [admin, agent, distributor] = accounts as [ChainClients, ChainClients, ChainClients];
    holders = accounts.slice(3, 7);
    stranger = accounts[7]!;
    core = await deployCore(admin);
    const verifiers = await deployTestVerifiers(admin, core);
    const genesisTs = (await latestTimestamp(chain)) - 6n * BigInt(EPOCH_LENGTH_S);
    pool = await ProvenPool.create(admin, distributor, core, verifiers, genesisTs);
    await pool.registerDevices(1);
    await pool.submitRegistration(await pool.proveRegistration());
    // epoch 1 baseline, epoch 2: 50 kWh for 90.00 CNY, epoch 3: 100 kWh for 180.00 CNY
    const energy = [1_000, 51_000, 151_000];
    const revenue = [500, 500 + Number(revenueEpoch2), 500 + Number(revenueEpoch2 + revenueEpoch3)];
    for (let epoch = 1; epoch <= 3; epoch++) {
      const proofs = await pool.proveEpoch(
        epoch,
        new Map([[0, pool.reading(0, epoch, energy[epoch - 1]!, revenue[epoch - 1]!)]]),
      );
      for (const proof of proofs) await pool.submitBatch(epoch, proof);
      await pool.finalize(epoch);
    }
    token = await deployToken({ admin, agent, distributor }, core, pool.poolId, { fixedRateE18: RATE_E18 });
    for (const holder of holders) await write(agent, 'setVerified', [holder.account.address, true]);
    await write(agent, 'mint', [holders[0]!.account.address, 600n * 10n ** 18n]);
    await write(agent, 'mint', [holders[1]!.account.address, 400n * 10n ** 18n]);
    await writeAndWait(admin, {
      address: core.stablecoin,
      abi: testStablecoinAbi,
      functionName: 'mint',
      args: [distributor.account.address, 10n ** 15n],
    });
  });

  afterAll(async () => {
    await chain?.stop();
  });

  it('distribute pulls investor share x proven revenue x rate and emits FundsDistributed and EpochDistributed', async () => {
    const requiredUnits = required(revenueEpoch2);
    expect(requiredUnits).toBe(8_820_000n);
    await approve(requiredUnits);
    const receipt = await write(distributor, 'distribute', [2n]);
    expect(eventsOf(receipt, token, revenueShareTokenAbi)).toEqual([
      {
        eventName: 'FundsDistributed',
        args: { by: distributor.account.address, fundsDistributed: requiredUnits },
      },
      {
        eventName: 'EpochDistributed',
        args: {
          epoch: 2n,
          revenueMinor: revenueEpoch2,
          requiredUnits,
          depositedUnits: requiredUnits,
          shortfallUnits: 0n,
        },
      },
    ]);
    expect(await coinBalance(token)).toBe(requiredUnits);
    const supply = 1_000n * 10n ** 18n;
    // 60 % and 40 % of 8,820,000 units, floored through the 2^128 points: one unit of dust each at most
    expect(accrual(requiredUnits, 600n * 10n ** 18n, supply)).toBe(5_291_999n);
    expect(await read('withdrawableFundsOf', [holders[0]!.account.address])).toBe(5_291_999n);
    expect(await read('withdrawableFundsOf', [holders[1]!.account.address])).toBe(
      accrual(requiredUnits, 400n * 10n ** 18n, supply),
    );
    expect(await read('epochDistribution', [2n])).toMatchObject({
      revenueMinor: revenueEpoch2,
      investorShareBps: 7_000,
      stablecoinPerMinorE18: RATE_E18,
      requiredUnits,
      depositedUnits: requiredUnits,
    });
  });

  it('withdrawFunds pays the holder its accrued funds and emits FundsWithdrawn', async () => {
    const holder = holders[0]!;
    const before = await coinBalance(holder.account.address);
    const receipt = await write(holder, 'withdrawFunds');
    expect(eventsOf(receipt, token, revenueShareTokenAbi)).toEqual([
      { eventName: 'FundsWithdrawn', args: { by: holder.account.address, fundsWithdrawn: 5_291_999n } },
    ]);
    expect((await coinBalance(holder.account.address)) - before).toBe(5_291_999n);
    expect(await read('withdrawnFundsOf', [holder.account.address])).toBe(5_291_999n);
    expect(await read('withdrawableFundsOf', [holder.account.address])).toBe(0n);
    expect(await read('accumulativeFundsOf', [holder.account.address])).toBe(5_291_999n);
    expect(await read('totalWithdrawnUnits')).toBe(5_291_999n);
  });

  it('a transfer does not move accrued funds', async () => {
    const [a, b] = [holders[0]!, holders[1]!];
    const before = await Promise.all(
      [a, b].map((h) => read<bigint>('accumulativeFundsOf', [h.account.address])),
    );
    await write(b, 'transfer', [a.account.address, 100n * 10n ** 18n]);
    const after = await Promise.all(
      [a, b].map((h) => read<bigint>('accumulativeFundsOf', [h.account.address])),
    );
    expect(after).toEqual(before);
  });

  it('distribute records a shortfall when the distributor provides less than required', async () => {
    const requiredUnits = required(revenueEpoch3);
    await approve(1_000_000n);
    const receipt = await write(distributor, 'distribute', [3n]);
    expect(eventsOf(receipt, token, revenueShareTokenAbi).at(-1)).toEqual({
      eventName: 'EpochDistributed',
      args: {
        epoch: 3n,
        revenueMinor: revenueEpoch3,
        requiredUnits,
        depositedUnits: 1_000_000n,
        shortfallUnits: requiredUnits - 1_000_000n,
      },
    });
    expect(await read('shortfallOf', [3n])).toBe(requiredUnits - 1_000_000n);
  });

  it('payShortfall pays part of the shortfall and emits ShortfallPaid', async () => {
    const before = await read<bigint>('shortfallOf', [3n]);
    await approve(10n ** 12n);
    const receipt = await write(distributor, 'payShortfall', [3n, 500_000n]);
    expect(eventsOf(receipt, token, revenueShareTokenAbi)).toEqual([
      {
        eventName: 'FundsDistributed',
        args: { by: distributor.account.address, fundsDistributed: 500_000n },
      },
      {
        eventName: 'ShortfallPaid',
        args: { epoch: 3n, paidUnits: 500_000n, remainingShortfallUnits: before - 500_000n },
      },
    ]);
    expect(await read('shortfallOf', [3n])).toBe(before - 500_000n);
  });

  it('recoveryAddress moves the lost wallet balance and its withdrawable funds', async () => {
    const [lost, fresh] = [holders[1]!, holders[2]!];
    const funds = await read<bigint>('withdrawableFundsOf', [lost.account.address]);
    const freshBefore = await read<bigint>('withdrawableFundsOf', [fresh.account.address]);
    expect(funds).toBeGreaterThan(0n);
    const balance = await read<bigint>('balanceOf', [lost.account.address]);
    const receipt = await write(agent, 'recoveryAddress', [lost.account.address, fresh.account.address]);
    expect(eventsOf(receipt, token, revenueShareTokenAbi).at(-1)).toEqual({
      eventName: 'RecoverySuccess',
      args: {
        lostWallet: lost.account.address,
        newWallet: fresh.account.address,
        amount: balance,
        fundsMoved: funds,
      },
    });
    expect(await read('withdrawableFundsOf', [lost.account.address])).toBe(0n);
    expect(await read('withdrawableFundsOf', [fresh.account.address])).toBe(freshBefore + funds);
  });

  it('distribute reverts when the token has no holders and revenue is owed', async () => {
    const empty = await deployToken({ admin, agent, distributor }, core, pool.poolId, {
      fixedRateE18: RATE_E18,
    });
    await expectRevert(
      distributor,
      { address: empty, abi: revenueShareTokenAbi, functionName: 'distribute', args: [2n] },
      'NoTokenHolders',
      [],
    );
  });

  it('invariants hold over 300 random seeded steps of mints, burns, transfers, forced transfers, freezes, distributions and withdrawals', async () => {
    // FundsDistributed so far: distribute(2), distribute(3), payShortfall(3) in the tests above
    const distributions = await runInvariantSequence(0x5eed, 300, 3);
    await runInvariantSequence(0xc0ffee, 150, distributions);
  });
});

/** mulberry32: a small seeded PRNG so failures replay exactly. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function runInvariantSequence(
  seed: number,
  steps: number,
  distributionsSoFar: number,
): Promise<number> {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const amount = (max: bigint): bigint =>
    max <= 0n ? 0n : BigInt(Math.floor(random() * Number(max > 10n ** 15n ? 10n ** 15n : max))) + 1n;
  const everyone = [...holders, stranger];
  // the model starts from the chain's compliance state (a previous sequence may have left some frozen)
  const frozen = new Set<Address>();
  const verified = new Set<Address>();
  for (const h of everyone) {
    if (await read<boolean>('isFrozen', [h.account.address])) frozen.add(h.account.address);
    if (await read<boolean>('isVerified', [h.account.address])) verified.add(h.account.address);
  }
  let distributions = distributionsSoFar;
  const accrued = async (who: ChainClients) => read<bigint>('accumulativeFundsOf', [who.account.address]);

  const checkInvariants = async () => {
    const [deposited, withdrawnTotal, tokenCoins] = await Promise.all([
      read<bigint>('totalDepositedUnits'),
      read<bigint>('totalWithdrawnUnits'),
      coinBalance(token),
    ]);
    const withdrawable = await Promise.all(
      everyone.map((h) => read<bigint>('withdrawableFundsOf', [h.account.address])),
    );
    const withdrawn = await Promise.all(
      everyone.map((h) => read<bigint>('withdrawnFundsOf', [h.account.address])),
    );
    const owed = withdrawable.reduce((s, v) => s + v, 0n) + withdrawn.reduce((s, v) => s + v, 0n);
    // total withdrawn + total withdrawable <= total deposited
    expect(owed).toBeLessThanOrEqual(deposited);
    expect(withdrawn.reduce((s, v) => s + v, 0n)).toBe(withdrawnTotal);
    expect(tokenCoins).toBe(deposited - withdrawnTotal);
    // rounding dust: below one unit per holder plus one per distribution (documented in RevenueShareToken.sol)
    expect(deposited - owed).toBeLessThanOrEqual(BigInt(everyone.length + distributions));
  };

  const blocked = (address: Address) => frozen.has(address) || !verified.has(address);
  const executed = { transfers: 0, refused: 0, forced: 0, distributions: 0, withdrawals: 0, mintsBurns: 0 };

  for (let step = 0; step < steps; step++) {
    const action = pick([
      'mint',
      'mint',
      'burn',
      'transfer',
      'transfer',
      'transfer',
      'transfer',
      'forced',
      'forced',
      'freeze',
      'verify',
      'distribute',
      'withdraw',
      'withdraw',
    ] as const);
    const balances = await Promise.all(everyone.map((h) => read<bigint>('balanceOf', [h.account.address])));
    const funded = everyone.filter((_, i) => balances[i]! > 0n);
    // steps that move tokens start from a holder that has some; the others from anyone
    const a =
      ['burn', 'transfer', 'forced'].includes(action) && funded.length > 0 ? pick(funded) : pick(everyone);
    const b = pick(everyone.filter((h) => h !== a));
    const addressA = a.account.address;
    const addressB = b.account.address;
    const balanceA = await read<bigint>('balanceOf', [addressA]);
    if (action === 'mint') {
      const value = amount(10n ** 20n);
      if (blocked(addressA)) {
        await expectRevert(
          agent,
          { ...tokenAt(), functionName: 'mint', args: [addressA, value] },
          frozen.has(addressA) ? 'AccountFrozen' : 'ReceiverNotVerified',
          [addressA],
        );
        executed.refused++;
      } else {
        const before = await accrued(a);
        await write(agent, 'mint', [addressA, value]);
        expect(await accrued(a)).toBe(before);
        executed.mintsBurns++;
      }
    } else if (action === 'burn' && balanceA > 0n) {
      const before = await accrued(a);
      await write(agent, 'burn', [addressA, amount(balanceA)]);
      expect(await accrued(a)).toBe(before);
      executed.mintsBurns++;
    } else if (action === 'transfer' && balanceA > 0n) {
      const value = amount(balanceA);
      if (blocked(addressA) || blocked(addressB)) {
        const [error, culprit] = frozen.has(addressA)
          ? ['AccountFrozen', addressA]
          : !verified.has(addressA)
            ? ['SenderNotVerified', addressA]
            : frozen.has(addressB)
              ? ['AccountFrozen', addressB]
              : ['ReceiverNotVerified', addressB];
        await expectRevert(a, { ...tokenAt(), functionName: 'transfer', args: [addressB, value] }, error, [
          culprit,
        ]);
        executed.refused++;
      } else {
        const before = await Promise.all([accrued(a), accrued(b)]);
        await write(a, 'transfer', [addressB, value]);
        // a holder's accrued funds never change because of a transfer
        expect(await Promise.all([accrued(a), accrued(b)])).toEqual(before);
        executed.transfers++;
      }
    } else if (action === 'forced' && balanceA > 0n) {
      const value = amount(balanceA);
      if (blocked(addressB)) {
        await expectRevert(
          agent,
          { ...tokenAt(), functionName: 'forcedTransfer', args: [addressA, addressB, value] },
          frozen.has(addressB) ? 'AccountFrozen' : 'ReceiverNotVerified',
          [addressB],
        );
        executed.refused++;
      } else {
        const before = await Promise.all([accrued(a), accrued(b)]);
        await write(agent, 'forcedTransfer', [addressA, addressB, value]);
        expect(await Promise.all([accrued(a), accrued(b)])).toEqual(before);
        executed.forced++;
      }
    } else if (action === 'freeze') {
      // unfreezing is likelier than freezing, so most holders stay active and some stay frozen
      const target =
        frozen.size > 0 && random() < 0.6 ? pick(everyone.filter((h) => frozen.has(h.account.address))) : a;
      const freeze = !frozen.has(target.account.address);
      await write(agent, 'setAddressFrozen', [target.account.address, freeze]);
      if (freeze) frozen.add(target.account.address);
      else frozen.delete(target.account.address);
    } else if (action === 'verify') {
      const unverified = holders.filter((h) => !verified.has(h.account.address));
      const target = unverified.length > 0 && random() < 0.6 ? pick(unverified) : pick(holders);
      const verify = !verified.has(target.account.address);
      await write(agent, 'setVerified', [target.account.address, verify]);
      if (verify) verified.add(target.account.address);
      else verified.delete(target.account.address);
    } else if (action === 'distribute' && (await read<bigint>('totalSupply')) > 0n) {
      const shortfall = await read<bigint>('shortfallOf', [3n]);
      if (shortfall > 0n) {
        await write(distributor, 'payShortfall', [3n, amount(shortfall < 200_000n ? shortfall : 200_000n)]);
        distributions++;
        executed.distributions++;
      }
    } else if (action === 'withdraw') {
      const withdrawable = await read<bigint>('withdrawableFundsOf', [addressA]);
      if (frozen.has(addressA)) {
        await expectRevert(a, { ...tokenAt(), functionName: 'withdrawFunds' }, 'AccountFrozen', [addressA]);
      } else if (withdrawable === 0n) {
        await expectRevert(a, { ...tokenAt(), functionName: 'withdrawFunds' }, 'NothingToWithdraw', [
          addressA,
        ]);
      } else {
        const before = await coinBalance(addressA);
        await write(a, 'withdrawFunds');
        expect((await coinBalance(addressA)) - before).toBe(withdrawable);
        executed.withdrawals++;
      }
    }
    await checkInvariants();
  }
  // the seeded sequence must really exercise every kind of step
  for (const [kind, count] of Object.entries(executed)) expect(count, kind).toBeGreaterThan(3);
  return distributions;
}
