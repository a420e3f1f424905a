import { type Address, keccak256, stringToHex, zeroAddress } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attestationRegistryAbi, revenueShareTokenAbi, testStablecoinAbi } from '../../contracts/abis.ts';
import { readArtifact } from '../../contracts/build.ts';
import { type ChainClients, writeAndWait } from '../../contracts/chain.ts';
import {
  type CoreContracts,
  deployCore,
  eventsOf,
  expectDeployRevert,
  expectReadRevert,
  expectRevert,
  latestTimestamp,
  registerTestInstances,
  startTestChain,
  type TestChain,
} from './support.ts';
import { createTestPool, deployToken, tokenIssuance } from './token-fixture.ts';

// Compliance, roles and the distribution paths that need no proven revenue. Distribution of proven revenue,
// shortfalls, withdrawals and the random-sequence invariants run with real proofs in token-distribution.test.ts.

let chain: TestChain;
let admin: ChainClients;
let agent: ChainClients;
let distributor: ChainClients;
let alice: ChainClients;
let bob: ChainClients;
let carol: ChainClients;
let stranger: ChainClients;
let core: CoreContracts;
let poolId: number;
let token: Address;
const AGENT_ROLE = keccak256(stringToHex('AGENT_ROLE'));
const DISTRIBUTOR_ROLE = keccak256(stringToHex('DISTRIBUTOR_ROLE'));
const ADMIN_ROLE = `0x${'00'.repeat(32)}` as const;

const tokenAt = () => ({ address: token, abi: revenueShareTokenAbi });
const read = <T>(functionName: string, args: readonly unknown[] = []) =>
  admin.publicClient.readContract({
    ...tokenAt(),
    functionName: functionName as never,
    args: args as never,
  }) as Promise<T>;
const write = (who: ChainClients, functionName: string, args: readonly unknown[] = []) =>
  writeAndWait(who, { ...tokenAt(), functionName, args });

beforeAll(async () => {
  chain = await startTestChain();
  [admin, agent, distributor, alice, bob, carol, stranger] = chain.accounts as ChainClients[] as [
    ChainClients,
    ChainClients,
    ChainClients,
    ChainClients,
    ChainClients,
    ChainClients,
    ChainClients,
  ];
  core = await deployCore(admin);
  const nowS = await latestTimestamp(chain);
  // finalizeEpoch never calls a verifier; the pool's verifiers only need code here
  await registerTestInstances(admin, core, [4], {
    epochVerifier: core.poseidonT3,
    registrationVerifier: core.poseidonT3,
  });
  poolId = await createTestPool(admin, core, {
    operator: distributor.account.address,
    genesisTs: nowS - 10n * 3600n,
  });
  token = await deployToken({ admin, agent, distributor }, core, poolId);
  for (const holder of [alice, bob]) await write(agent, 'setVerified', [holder.account.address, true]);
});

afterAll(async () => {
  await chain?.stop();
});

describe('deployment', () => {
  it('constructor records the pool, the stablecoin, the rate and the admin', async () => {
    expect(await read('typeAndVersion')).toBe('RevenueShareToken 2.0.0');
    expect(await read('poolId')).toBe(poolId);
    expect(await read('stablecoin')).toBe(core.stablecoin);
    expect(await read('attestationRegistry')).toBe(core.attestationRegistry);
    expect(await read('conversionRateE18')).toBe(1_400n * 10n ** 18n);
    expect(await read('hasRole', [ADMIN_ROLE, admin.account.address])).toBe(true);
    expect(await read('AGENT_ROLE')).toBe(AGENT_ROLE);
    expect(await read('DISTRIBUTOR_ROLE')).toBe(DISTRIBUTOR_ROLE);
  });

  const artifact = () => readArtifact('RevenueShareToken');
  const args = (overrides: {
    poolId?: number;
    stablecoin?: Address;
    rate?: bigint;
    admin?: Address;
    governance?: Address;
  }) => [
    'T',
    'T',
    overrides.admin ?? admin.account.address,
    overrides.governance ?? core.timelock,
    core.attestationRegistry,
    overrides.poolId ?? poolId,
    overrides.stablecoin ?? core.stablecoin,
    tokenIssuance({ fixedRateE18: overrides.rate ?? 1n }),
  ];

  it('constructor reverts when the pool does not exist', async () => {
    const { abi, bytecode } = artifact();
    await expectDeployRevert(admin, { abi, bytecode, args: args({ poolId: 77 }) }, 'PoolNotFound', [77]);
  });

  it('constructor reverts when the conversion rate is 0', async () => {
    const { abi, bytecode } = artifact();
    await expectDeployRevert(admin, { abi, bytecode, args: args({ rate: 0n }) }, 'ConversionRateZero', []);
  });

  it('constructor reverts when the stablecoin, the admin or the governance is the zero address', async () => {
    const { abi, bytecode } = artifact();
    await expectDeployRevert(
      admin,
      { abi, bytecode, args: args({ stablecoin: zeroAddress }) },
      'ZeroAddress',
      [],
    );
    await expectDeployRevert(admin, { abi, bytecode, args: args({ admin: zeroAddress }) }, 'ZeroAddress', []);
    await expectDeployRevert(
      admin,
      { abi, bytecode, args: args({ governance: zeroAddress }) },
      'ZeroAddress',
      [],
    );
  });
});

describe('allowlist and freezing', () => {
  it('setVerified adds and removes an address and emits HolderVerificationSet', async () => {
    const receipt = await write(agent, 'setVerified', [carol.account.address, true]);
    expect(eventsOf(receipt, token, revenueShareTokenAbi)).toEqual([
      {
        eventName: 'HolderVerificationSet',
        args: { account: carol.account.address, verified: true, agent: agent.account.address },
      },
    ]);
    expect(await read('isVerified', [carol.account.address])).toBe(true);
    await write(agent, 'setVerified', [carol.account.address, false]);
    expect(await read('isVerified', [carol.account.address])).toBe(false);
  });

  it('setVerified reverts when the caller is not an agent', async () => {
    await expectRevert(
      stranger,
      { ...tokenAt(), functionName: 'setVerified', args: [stranger.account.address, true] },
      'AccessControlUnauthorizedAccount',
      [stranger.account.address, AGENT_ROLE],
    );
  });

  it('setAddressFrozen freezes and unfreezes and emits AddressFrozen', async () => {
    const receipt = await write(agent, 'setAddressFrozen', [carol.account.address, true]);
    expect(eventsOf(receipt, token, revenueShareTokenAbi)).toEqual([
      {
        eventName: 'AddressFrozen',
        args: { userAddress: carol.account.address, isFrozen: true, owner: agent.account.address },
      },
    ]);
    expect(await read('isFrozen', [carol.account.address])).toBe(true);
    await write(agent, 'setAddressFrozen', [carol.account.address, false]);
    expect(await read('isFrozen', [carol.account.address])).toBe(false);
  });

  it('setAddressFrozen reverts when the caller is not an agent', async () => {
    await expectRevert(
      stranger,
      { ...tokenAt(), functionName: 'setAddressFrozen', args: [alice.account.address, true] },
      'AccessControlUnauthorizedAccount',
      [stranger.account.address, AGENT_ROLE],
    );
  });
});

describe('mint and burn', () => {
  it('mint credits a verified holder and emits Transfer from zero', async () => {
    const receipt = await write(agent, 'mint', [alice.account.address, 1_000n]);
    expect(eventsOf(receipt, token, revenueShareTokenAbi)).toEqual([
      { eventName: 'Transfer', args: { from: zeroAddress, to: alice.account.address, value: 1_000n } },
    ]);
    expect(await read('balanceOf', [alice.account.address])).toBe(1_000n);
  });

  it('mint reverts when the receiver is not verified', async () => {
    await expectRevert(
      agent,
      { ...tokenAt(), functionName: 'mint', args: [stranger.account.address, 1n] },
      'ReceiverNotVerified',
      [stranger.account.address],
    );
  });

  it('mint reverts when the receiver is frozen', async () => {
    await write(agent, 'setAddressFrozen', [bob.account.address, true]);
    await expectRevert(
      agent,
      { ...tokenAt(), functionName: 'mint', args: [bob.account.address, 1n] },
      'AccountFrozen',
      [bob.account.address],
    );
    await write(agent, 'setAddressFrozen', [bob.account.address, false]);
  });

  it('mint reverts when the caller is not an agent', async () => {
    await expectRevert(
      stranger,
      { ...tokenAt(), functionName: 'mint', args: [alice.account.address, 1n] },
      'AccessControlUnauthorizedAccount',
      [stranger.account.address, AGENT_ROLE],
    );
  });

  it('burn removes tokens of any holder and emits Transfer to zero', async () => {
    await write(agent, 'mint', [bob.account.address, 50n]);
    const receipt = await write(agent, 'burn', [bob.account.address, 50n]);
    expect(eventsOf(receipt, token, revenueShareTokenAbi)).toEqual([
      { eventName: 'Transfer', args: { from: bob.account.address, to: zeroAddress, value: 50n } },
    ]);
    expect(await read('balanceOf', [bob.account.address])).toBe(0n);
  });

  it('burn reverts when the balance is too low', async () => {
    await expectRevert(
      agent,
      { ...tokenAt(), functionName: 'burn', args: [bob.account.address, 1n] },
      'ERC20InsufficientBalance',
      [bob.account.address, 0n, 1n],
    );
  });

  it('burn reverts when the caller is not an agent', async () => {
    await expectRevert(
      stranger,
      { ...tokenAt(), functionName: 'burn', args: [alice.account.address, 1n] },
      'AccessControlUnauthorizedAccount',
      [stranger.account.address, AGENT_ROLE],
    );
  });
});

describe('transfers', () => {
  it('transfer moves tokens between verified, unfrozen holders', async () => {
    const receipt = await write(alice, 'transfer', [bob.account.address, 10n]);
    expect(eventsOf(receipt, token, revenueShareTokenAbi)).toEqual([
      { eventName: 'Transfer', args: { from: alice.account.address, to: bob.account.address, value: 10n } },
    ]);
    expect(await read('balanceOf', [bob.account.address])).toBe(10n);
  });

  it('transfer reverts when the receiver is not verified', async () => {
    await expectRevert(
      alice,
      { ...tokenAt(), functionName: 'transfer', args: [stranger.account.address, 1n] },
      'ReceiverNotVerified',
      [stranger.account.address],
    );
  });

  it('transfer reverts when the sender is no longer verified', async () => {
    await write(agent, 'setVerified', [bob.account.address, false]);
    await expectRevert(
      bob,
      { ...tokenAt(), functionName: 'transfer', args: [alice.account.address, 1n] },
      'SenderNotVerified',
      [bob.account.address],
    );
    await write(agent, 'setVerified', [bob.account.address, true]);
  });

  it('transfer reverts when the sender is frozen', async () => {
    await write(agent, 'setAddressFrozen', [alice.account.address, true]);
    await expectRevert(
      alice,
      { ...tokenAt(), functionName: 'transfer', args: [bob.account.address, 1n] },
      'AccountFrozen',
      [alice.account.address],
    );
    await write(agent, 'setAddressFrozen', [alice.account.address, false]);
  });

  it('transfer reverts when the receiver is frozen', async () => {
    await write(agent, 'setAddressFrozen', [bob.account.address, true]);
    await expectRevert(
      alice,
      { ...tokenAt(), functionName: 'transfer', args: [bob.account.address, 1n] },
      'AccountFrozen',
      [bob.account.address],
    );
    await write(agent, 'setAddressFrozen', [bob.account.address, false]);
  });

  it('transferFrom applies the same rules to the holder, not the spender', async () => {
    await write(alice, 'approve', [stranger.account.address, 5n]);
    await write(stranger, 'transferFrom', [alice.account.address, bob.account.address, 2n]);
    await expectRevert(
      stranger,
      {
        ...tokenAt(),
        functionName: 'transferFrom',
        args: [alice.account.address, stranger.account.address, 1n],
      },
      'ReceiverNotVerified',
      [stranger.account.address],
    );
    await write(agent, 'setAddressFrozen', [alice.account.address, true]);
    await expectRevert(
      stranger,
      { ...tokenAt(), functionName: 'transferFrom', args: [alice.account.address, bob.account.address, 1n] },
      'AccountFrozen',
      [alice.account.address],
    );
    await write(agent, 'setAddressFrozen', [alice.account.address, false]);
  });

  it('transfer and transferFrom revert while paused', async () => {
    const receipt = await write(agent, 'pause');
    expect(eventsOf(receipt, token, revenueShareTokenAbi)).toEqual([
      { eventName: 'Paused', args: { account: agent.account.address } },
    ]);
    await expectRevert(
      alice,
      { ...tokenAt(), functionName: 'transfer', args: [bob.account.address, 1n] },
      'EnforcedPause',
      [],
    );
    await expectRevert(
      stranger,
      { ...tokenAt(), functionName: 'transferFrom', args: [alice.account.address, bob.account.address, 1n] },
      'EnforcedPause',
      [],
    );
    const unpaused = await write(agent, 'unpause');
    expect(eventsOf(unpaused, token, revenueShareTokenAbi)).toEqual([
      { eventName: 'Unpaused', args: { account: agent.account.address } },
    ]);
  });

  it('pause and unpause revert when the caller is not an agent', async () => {
    await expectRevert(
      stranger,
      { ...tokenAt(), functionName: 'pause' },
      'AccessControlUnauthorizedAccount',
      [stranger.account.address, AGENT_ROLE],
    );
    await expectRevert(
      stranger,
      { ...tokenAt(), functionName: 'unpause' },
      'AccessControlUnauthorizedAccount',
      [stranger.account.address, AGENT_ROLE],
    );
  });
});

describe('forced transfer and recovery', () => {
  it('forcedTransfer moves tokens out of a frozen holder, even while paused, and emits ForcedTransfer', async () => {
    await write(agent, 'setAddressFrozen', [alice.account.address, true]);
    await write(agent, 'pause');
    const before = await read<bigint>('balanceOf', [alice.account.address]);
    const receipt = await write(agent, 'forcedTransfer', [alice.account.address, bob.account.address, 3n]);
    expect(eventsOf(receipt, token, revenueShareTokenAbi)).toEqual([
      { eventName: 'Transfer', args: { from: alice.account.address, to: bob.account.address, value: 3n } },
      {
        eventName: 'ForcedTransfer',
        args: {
          from: alice.account.address,
          to: bob.account.address,
          amount: 3n,
          agent: agent.account.address,
        },
      },
    ]);
    expect(await read('balanceOf', [alice.account.address])).toBe(before - 3n);
    await write(agent, 'unpause');
    await write(agent, 'setAddressFrozen', [alice.account.address, false]);
  });

  it('forcedTransfer reverts when the receiver is not verified or frozen', async () => {
    await expectRevert(
      agent,
      {
        ...tokenAt(),
        functionName: 'forcedTransfer',
        args: [alice.account.address, stranger.account.address, 1n],
      },
      'ReceiverNotVerified',
      [stranger.account.address],
    );
    await write(agent, 'setAddressFrozen', [bob.account.address, true]);
    await expectRevert(
      agent,
      {
        ...tokenAt(),
        functionName: 'forcedTransfer',
        args: [alice.account.address, bob.account.address, 1n],
      },
      'AccountFrozen',
      [bob.account.address],
    );
    await write(agent, 'setAddressFrozen', [bob.account.address, false]);
  });

  it('forcedTransfer reverts when the caller is not an agent', async () => {
    await expectRevert(
      stranger,
      {
        ...tokenAt(),
        functionName: 'forcedTransfer',
        args: [alice.account.address, bob.account.address, 1n],
      },
      'AccessControlUnauthorizedAccount',
      [stranger.account.address, AGENT_ROLE],
    );
  });

  it('recoveryAddress moves the whole balance to the new wallet and emits RecoverySuccess', async () => {
    await write(agent, 'setVerified', [carol.account.address, true]);
    const balance = await read<bigint>('balanceOf', [bob.account.address]);
    const receipt = await write(agent, 'recoveryAddress', [bob.account.address, carol.account.address]);
    expect(eventsOf(receipt, token, revenueShareTokenAbi)).toEqual([
      {
        eventName: 'Transfer',
        args: { from: bob.account.address, to: carol.account.address, value: balance },
      },
      {
        eventName: 'RecoverySuccess',
        args: {
          lostWallet: bob.account.address,
          newWallet: carol.account.address,
          amount: balance,
          fundsMoved: 0n,
        },
      },
    ]);
    expect(await read('balanceOf', [bob.account.address])).toBe(0n);
    expect(await read('balanceOf', [carol.account.address])).toBe(balance);
  });

  it('recoveryAddress reverts when the new wallet is not verified', async () => {
    await expectRevert(
      agent,
      {
        ...tokenAt(),
        functionName: 'recoveryAddress',
        args: [alice.account.address, stranger.account.address],
      },
      'ReceiverNotVerified',
      [stranger.account.address],
    );
  });

  it('recoveryAddress reverts when the caller is not an agent', async () => {
    await expectRevert(
      stranger,
      { ...tokenAt(), functionName: 'recoveryAddress', args: [alice.account.address, carol.account.address] },
      'AccessControlUnauthorizedAccount',
      [stranger.account.address, AGENT_ROLE],
    );
  });
});

describe('conversion rate', () => {
  it('setConversionRate reverts when the caller is the admin (only the governance timelock may)', async () => {
    const governanceRole = keccak256(stringToHex('GOVERNANCE_ROLE'));
    await expectRevert(
      admin,
      { ...tokenAt(), functionName: 'setConversionRate', args: [1n] },
      'AccessControlUnauthorizedAccount',
      [admin.account.address, governanceRole],
    );
    expect(await read('conversionRateE18')).toBe(1_400n * 10n ** 18n);
  });
});

describe('distribution without proven revenue', () => {
  it('distribute reverts when the epoch is not finalised', async () => {
    await expectRevert(
      distributor,
      { ...tokenAt(), functionName: 'distribute', args: [1n] },
      'EpochNotFinalised',
      [poolId, 1n, 0n],
    );
    await expectRevert(
      distributor,
      { ...tokenAt(), functionName: 'distribute', args: [0n] },
      'EpochNotFinalised',
      [poolId, 0n, 0n],
    );
  });

  it('distribute records a finalised epoch without revenue and emits EpochDistributed with zeros', async () => {
    await writeAndWait(distributor, {
      address: core.attestationRegistry,
      abi: attestationRegistryAbi,
      functionName: 'finalizeEpoch',
      args: [poolId, 1n],
    });
    const receipt = await write(distributor, 'distribute', [1n]);
    expect(eventsOf(receipt, token, revenueShareTokenAbi)).toEqual([
      {
        eventName: 'EpochDistributed',
        args: { epoch: 1n, revenueMinor: 0n, requiredUnits: 0n, depositedUnits: 0n, shortfallUnits: 0n },
      },
    ]);
    const record = await read<{ distributedAt: bigint; investorShareBps: number }>('epochDistribution', [1n]);
    expect(record.distributedAt).toBeGreaterThan(0n);
    expect(record.investorShareBps).toBe(7_000);
    expect(await read('shortfallOf', [1n])).toBe(0n);
  });

  it('distribute reverts when the epoch was already distributed', async () => {
    await expectRevert(
      distributor,
      { ...tokenAt(), functionName: 'distribute', args: [1n] },
      'EpochAlreadyDistributed',
      [1n],
    );
  });

  it('distribute reverts when the caller is not a distributor', async () => {
    await expectRevert(
      stranger,
      { ...tokenAt(), functionName: 'distribute', args: [1n] },
      'AccessControlUnauthorizedAccount',
      [stranger.account.address, DISTRIBUTOR_ROLE],
    );
  });

  it('payShortfall reverts when the epoch was not distributed', async () => {
    await expectRevert(
      distributor,
      { ...tokenAt(), functionName: 'payShortfall', args: [2n, 1n] },
      'EpochNotDistributed',
      [2n],
    );
  });

  it('payShortfall reverts when the epoch has no shortfall', async () => {
    await expectRevert(
      distributor,
      { ...tokenAt(), functionName: 'payShortfall', args: [1n, 1n] },
      'NoShortfall',
      [1n],
    );
  });

  it('withdrawFunds reverts when there is nothing to withdraw', async () => {
    await expectRevert(alice, { ...tokenAt(), functionName: 'withdrawFunds' }, 'NothingToWithdraw', [
      alice.account.address,
    ]);
  });

  it('withdrawFunds reverts when the caller is frozen or the token is paused', async () => {
    await write(agent, 'setAddressFrozen', [alice.account.address, true]);
    await expectRevert(alice, { ...tokenAt(), functionName: 'withdrawFunds' }, 'AccountFrozen', [
      alice.account.address,
    ]);
    await write(agent, 'setAddressFrozen', [alice.account.address, false]);
    await write(agent, 'pause');
    await expectRevert(alice, { ...tokenAt(), functionName: 'withdrawFunds' }, 'EnforcedPause', []);
    await write(agent, 'unpause');
  });

  it('views report nothing withdrawn or deposited yet', async () => {
    expect(await read('withdrawableFundsOf', [alice.account.address])).toBe(0n);
    expect(await read('withdrawnFundsOf', [alice.account.address])).toBe(0n);
    expect(await read('accumulativeFundsOf', [alice.account.address])).toBe(0n);
    expect(await read('totalDepositedUnits')).toBe(0n);
    expect(await read('totalWithdrawnUnits')).toBe(0n);
  });
});

describe('test stablecoin', () => {
  it('has 6 decimals and only its owner can mint', async () => {
    const coin = { address: core.stablecoin, abi: testStablecoinAbi };
    expect(await admin.publicClient.readContract({ ...coin, functionName: 'decimals' })).toBe(6);
    expect(await admin.publicClient.readContract({ ...coin, functionName: 'typeAndVersion' })).toBe(
      'TestStablecoin 1.0.0',
    );
    const receipt = await writeAndWait(admin, {
      ...coin,
      functionName: 'mint',
      args: [alice.account.address, 5_000_000n],
    });
    expect(eventsOf(receipt, core.stablecoin, testStablecoinAbi)).toEqual([
      { eventName: 'Transfer', args: { from: zeroAddress, to: alice.account.address, value: 5_000_000n } },
    ]);
    await expectRevert(
      stranger,
      { ...coin, functionName: 'mint', args: [stranger.account.address, 1n] },
      'OwnableUnauthorizedAccount',
      [stranger.account.address],
    );
  });
});

void expectReadRevert;
