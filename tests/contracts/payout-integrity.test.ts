import { type Address, keccak256, stringToHex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attestationRegistryAbi,
  governanceTimelockAbi,
  revenueShareTokenAbi,
  testFxFeedAbi,
  testStablecoinAbi,
} from '../../contracts/abis.ts';
import { readArtifact } from '../../contracts/build.ts';
import { type ChainClients, writeAndWait } from '../../contracts/chain.ts';
import { deployArtifact } from '../../contracts/deploy.ts';
import { governThroughTimelock, scheduleThroughTimelock } from '../../contracts/governance.ts';
import {
  type CoreContracts,
  deployCore,
  eventsOf,
  expectDeployRevert,
  expectRevert,
  increaseTime,
  latestTimestamp,
  registerTestInstances,
  startTestChain,
  type TestChain,
} from './support.ts';
import {
  CONVERSION_MODE,
  createTestPool,
  deployToken,
  tokenArgs,
  type tokenIssuance,
} from './token-fixture.ts';

// Payouts need finalised epochs with revenue. Proofs are not what these tests are about, so the pool's
// instances are registered (through the timelock, as governance may) with a verifier that accepts anything;
// verifier-registry.test.ts shows that no one else can do that.

const DELAY_S = 3_600;
const GRACE_S = 36_000;
const EPOCH_LENGTH_S = 3_600;
const GOVERNANCE_ROLE = keccak256(stringToHex('GOVERNANCE_ROLE'));
const RATE_E18 = 1_400n * 10n ** 18n;
const FX = { maxAgeS: 3_600, minAnswer: 5_000_000n, maxAnswer: 50_000_000n };
const forgedProof = {
  a: [0n, 0n],
  b: [
    [0n, 0n],
    [0n, 0n],
  ],
  c: [0n, 0n],
};

let chain: TestChain;
let admin: ChainClients;
let agent: ChainClients;
let distributor: ChainClients;
let alice: ChainClients;
let stranger: ChainClients;
let core: CoreContracts;
let poolId: number;
let genesisTs: bigint;
let fxFeed: Address;
let nextEpoch = 1n;

/** Reference: floor(revenue * bps * rateE18 / (10,000 * 1e18)). */
const requiredUnits = (revenueMinor: bigint, rateE18: bigint, bps = 7_000n) =>
  (revenueMinor * bps * rateE18) / (10_000n * 10n ** 18n);
/** Reference: answer * 10^(18 + 6) / 10^(8 + 2), floored (6-decimal stablecoin, 8-decimal feed, CNY fen). */
const rateOfAnswer = (answer: bigint) => (answer * 10n ** 24n) / 10n ** 10n;

async function finaliseEpochWithRevenue(revenueMinor: bigint): Promise<bigint> {
  const epoch = nextEpoch++;
  const start = genesisTs + (epoch - 1n) * BigInt(EPOCH_LENGTH_S);
  const registry = { address: core.attestationRegistry, abi: attestationRegistryAbi } as const;
  const root = await admin.publicClient.readContract({
    ...registry,
    functionName: 'stateRootOf',
    args: [poolId],
  });
  const signals = [
    BigInt(poolId),
    epoch,
    start,
    start + BigInt(EPOCH_LENGTH_S),
    190n,
    root,
    1_000n + epoch,
    1n,
    revenueMinor,
    1n,
  ];
  await writeAndWait(distributor, {
    ...registry,
    functionName: 'submitBatch',
    args: [poolId, epoch, forgedProof, signals],
  });
  await writeAndWait(distributor, { ...registry, functionName: 'finalizeEpoch', args: [poolId, epoch] });
  return epoch;
}

async function setFxAnswer(answer: bigint, updatedAt?: bigint): Promise<void> {
  await writeAndWait(admin, {
    address: fxFeed,
    abi: testFxFeedAbi,
    functionName: 'setAnswer',
    args: [answer, updatedAt ?? (await latestTimestamp(chain))],
  });
}

async function fundedToken(issuance: Parameters<typeof tokenIssuance>[0] = {}): Promise<Address> {
  const token = await deployToken({ admin, agent, distributor }, core, poolId, {
    distributionGraceS: GRACE_S,
    ...issuance,
  });
  const write = (functionName: string, args: readonly unknown[]) =>
    writeAndWait(agent, { address: token, abi: revenueShareTokenAbi, functionName, args });
  await write('setVerified', [alice.account.address, true]);
  await write('mint', [alice.account.address, 100n * 10n ** 18n]);
  return token;
}

const fxIssuance = () => ({
  mode: CONVERSION_MODE.FxFeed,
  fixedRateE18: 0n,
  fx: { feed: fxFeed, ...FX },
});
const tokenCall = (token: Address, functionName: string, args: readonly unknown[] = []) => ({
  address: token,
  abi: revenueShareTokenAbi,
  functionName,
  args,
});
const readToken = <T>(token: Address, functionName: string, args: readonly unknown[] = []) =>
  admin.publicClient.readContract(tokenCall(token, functionName, args) as never) as Promise<T>;
const approve = (token: Address, units: bigint) =>
  writeAndWait(distributor, {
    address: core.stablecoin,
    abi: testStablecoinAbi,
    functionName: 'approve',
    args: [token, units],
  });

beforeAll(async () => {
  chain = await startTestChain();
  [admin, agent, distributor, alice, stranger] = chain.accounts as [
    ChainClients,
    ChainClients,
    ChainClients,
    ChainClients,
    ChainClients,
  ];
  core = await deployCore(admin, { minDelayS: DELAY_S });
  const alwaysTrue = (await deployArtifact(admin, 'AlwaysTrueVerifier')).address;
  await registerTestInstances(admin, core, [4], {
    epochVerifier: alwaysTrue,
    registrationVerifier: alwaysTrue,
  });
  genesisTs = (await latestTimestamp(chain)) - 500n * BigInt(EPOCH_LENGTH_S);
  poolId = await createTestPool(admin, core, {
    operator: distributor.account.address,
    genesisTs,
    epochLengthS: EPOCH_LENGTH_S,
  });
  fxFeed = (await deployArtifact(admin, 'TestFxFeed', [admin.account.address, 8, 'CNY / USD'])).address;
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

describe('FX-feed conversion', () => {
  let token: Address;

  beforeAll(async () => {
    await setFxAnswer(14_000_000n);
    token = await fundedToken(fxIssuance());
  });

  it('distribute reverts when the answer is older than the maximum age', async () => {
    const epoch = await finaliseEpochWithRevenue(100_000n);
    const nowS = await latestTimestamp(chain);
    await setFxAnswer(14_000_000n, nowS - BigInt(FX.maxAgeS) - 1n);
    await expectRevert(distributor, tokenCall(token, 'distribute', [epoch]), 'FxAnswerStale', [
      nowS - BigInt(FX.maxAgeS) - 1n,
      FX.maxAgeS,
      await latestTimestamp(chain),
    ]);
  });

  it('distribute reverts when the answer is dated in the future', async () => {
    const future = (await latestTimestamp(chain)) + 1_000n;
    await setFxAnswer(14_000_000n, future);
    await expectRevert(distributor, tokenCall(token, 'distribute', [nextEpoch - 1n]), 'FxAnswerStale', [
      future,
      FX.maxAgeS,
      await latestTimestamp(chain),
    ]);
  });

  for (const answer of [0n, -14_000_000n]) {
    it(`distribute reverts when the answer is ${answer === 0n ? 'zero' : 'negative'}`, async () => {
      await setFxAnswer(answer);
      await expectRevert(
        distributor,
        tokenCall(token, 'distribute', [nextEpoch - 1n]),
        'FxAnswerNotPositive',
        [answer],
      );
    });
  }

  for (const answer of [FX.minAnswer - 1n, FX.maxAnswer + 1n, 1n]) {
    it(`distribute reverts when the answer ${answer} is outside [minAnswer, maxAnswer]`, async () => {
      await setFxAnswer(answer);
      await expectRevert(
        distributor,
        tokenCall(token, 'distribute', [nextEpoch - 1n]),
        'FxAnswerOutOfBounds',
        [answer, FX.minAnswer, FX.maxAnswer],
      );
    });
  }

  it('distribute converts a good answer exactly (integer reference) and records the rate', async () => {
    const revenueMinor = 1_234_567n;
    const epoch = await finaliseEpochWithRevenue(revenueMinor);
    const answer = 13_734_569n; // 0.13734569 USD per CNY
    await setFxAnswer(answer);
    const rateE18 = rateOfAnswer(answer);
    expect(rateE18).toBe(1_373_456_900_000_000_000_000n);
    expect(await readToken(token, 'conversionRateE18')).toBe(rateE18);
    const required = requiredUnits(revenueMinor, rateE18);
    expect(required).toBe(1_186_937_195n); // 864,196.9 fen (70 %) x 1,373.4569 units/fen = 1,186,937,195.6 units
    await approve(token, required);
    const receipt = await writeAndWait(distributor, tokenCall(token, 'distribute', [epoch]));
    expect(eventsOf(receipt, token, revenueShareTokenAbi)).toEqual([
      {
        eventName: 'FundsDistributed',
        args: { by: distributor.account.address, fundsDistributed: required },
      },
      {
        eventName: 'EpochDistributed',
        args: { epoch, revenueMinor, requiredUnits: required, depositedUnits: required, shortfallUnits: 0n },
      },
    ]);
    expect(await readToken(token, 'epochDistribution', [epoch])).toMatchObject({
      stablecoinPerMinorE18: rateE18,
      requiredUnits: required,
      depositedUnits: required,
    });
  });

  it('setFxFeed reverts when the admin calls it directly', async () => {
    await expectRevert(
      admin,
      tokenCall(token, 'setFxFeed', [{ feed: fxFeed, ...FX, maxAnswer: 10n ** 30n }]),
      'AccessControlUnauthorizedAccount',
      [admin.account.address, GOVERNANCE_ROLE],
    );
  });

  it('setFxFeed through the timelock changes the bounds and emits FxFeedSet', async () => {
    const bounds = { feed: fxFeed, maxAgeS: 7_200, minAnswer: 10_000_000n, maxAnswer: 20_000_000n };
    const receipt = await governThroughTimelock(
      admin,
      core.timelock,
      [{ target: token, abi: revenueShareTokenAbi, functionName: 'setFxFeed', args: [bounds] }],
      { local: true },
    );
    expect(eventsOf(receipt, token, revenueShareTokenAbi)).toEqual([
      { eventName: 'FxFeedSet', args: bounds },
    ]);
    expect(await readToken(token, 'fxFeed')).toEqual(bounds);
    expect(await readToken(token, 'conversionMode')).toBe(CONVERSION_MODE.FxFeed);
  });

  const invalidFx: Array<[string, () => Record<string, unknown>, string, () => unknown[]]> = [
    [
      'the feed holds no code',
      () => ({ feed: alice.account.address }),
      'FxFeedNotContract',
      () => [alice.account.address],
    ],
    ['the maximum age is 0', () => ({ maxAgeS: 0 }), 'FxMaxAgeZero', () => []],
    ['the minimum answer is 0', () => ({ minAnswer: 0n }), 'FxBoundsInvalid', () => [0n, FX.maxAnswer]],
    [
      'the minimum is above the maximum',
      () => ({ minAnswer: FX.maxAnswer + 1n }),
      'FxBoundsInvalid',
      () => [FX.maxAnswer + 1n, FX.maxAnswer],
    ],
  ];
  for (const [condition, fx, errorName, args] of invalidFx) {
    it(`constructor reverts when ${condition}`, async () => {
      const issuance = fxIssuance();
      const deployArgs = tokenArgs(admin.account.address, core, poolId, {
        ...issuance,
        fx: { ...issuance.fx, ...fx() },
      });
      const { abi, bytecode } = readArtifact('RevenueShareToken');
      await expectDeployRevert(admin, { abi, bytecode, args: deployArgs }, errorName, args());
    });
  }
});

describe('fixed rate under the timelock', () => {
  let token: Address;

  beforeAll(async () => {
    token = await fundedToken();
  });

  it('attack: the admin cannot set the rate to 1 before distribute, nor grant itself the governance role', async () => {
    const epoch = await finaliseEpochWithRevenue(500_000n);
    await expectRevert(
      admin,
      tokenCall(token, 'setConversionRate', [1n]),
      'AccessControlUnauthorizedAccount',
      [admin.account.address, GOVERNANCE_ROLE],
    );
    await expectRevert(
      admin,
      tokenCall(token, 'grantRole', [GOVERNANCE_ROLE, admin.account.address]),
      'AccessControlUnauthorizedAccount',
      [admin.account.address, GOVERNANCE_ROLE],
    );
    // the distributor pays nothing: the whole amount at the issuance rate is a recorded shortfall
    await approve(token, 0n);
    const required = requiredUnits(500_000n, RATE_E18);
    expect(required).toBe(490_000_000n);
    const receipt = await writeAndWait(distributor, tokenCall(token, 'distribute', [epoch]));
    expect(eventsOf(receipt, token, revenueShareTokenAbi)).toEqual([
      {
        eventName: 'EpochDistributed',
        args: {
          epoch,
          revenueMinor: 500_000n,
          requiredUnits: required,
          depositedUnits: 0n,
          shortfallUnits: required,
        },
      },
    ]);
    expect(await readToken(token, 'shortfallOf', [epoch])).toBe(required);
  });

  it('setConversionRate scheduled through the timelock reverts before the delay and applies after it', async () => {
    const batch = await scheduleThroughTimelock(admin, core.timelock, [
      {
        target: token,
        abi: revenueShareTokenAbi,
        functionName: 'setConversionRate',
        args: [2_000n * 10n ** 18n],
      },
    ]);
    await expectRevert(
      admin,
      {
        address: core.timelock,
        abi: governanceTimelockAbi,
        functionName: 'executeBatch',
        args: [batch.targets, batch.values, batch.payloads, batch.predecessor, batch.salt],
      },
      'TimelockUnexpectedOperationState',
      [batch.operationId, '0x0000000000000000000000000000000000000000000000000000000000000004'],
    );
    expect(await readToken(token, 'conversionRateE18')).toBe(RATE_E18);
    await increaseTime(chain, DELAY_S);
    const receipt = await writeAndWait(admin, {
      address: core.timelock,
      abi: governanceTimelockAbi,
      functionName: 'executeBatch',
      args: [batch.targets, batch.values, batch.payloads, batch.predecessor, batch.salt],
    });
    expect(eventsOf(receipt, token, revenueShareTokenAbi)).toEqual([
      {
        eventName: 'ConversionRateSet',
        args: { oldStablecoinPerMinorE18: RATE_E18, newStablecoinPerMinorE18: 2_000n * 10n ** 18n },
      },
    ]);
    expect(await readToken(token, 'conversionRateE18')).toBe(2_000n * 10n ** 18n);
    expect(await readToken(token, 'conversionMode')).toBe(CONVERSION_MODE.FixedRate);
  });
});

describe('recording an undistributed epoch', () => {
  let token: Address;
  let epoch: bigint;
  let finalisedAt: bigint;
  const revenueMinor = 300_000n;

  beforeAll(async () => {
    token = await fundedToken();
    epoch = await finaliseEpochWithRevenue(revenueMinor);
    finalisedAt = await latestTimestamp(chain);
  });

  it('recordUndistributed reverts before the grace period ends', async () => {
    await expectRevert(stranger, tokenCall(token, 'recordUndistributed', [epoch]), 'GracePeriodNotOver', [
      epoch,
      finalisedAt + BigInt(GRACE_S),
      await latestTimestamp(chain),
    ]);
  });

  it('recordUndistributed reverts when the epoch is not finalised', async () => {
    await expectRevert(stranger, tokenCall(token, 'recordUndistributed', [nextEpoch]), 'EpochNotFinalised', [
      poolId,
      nextEpoch,
      nextEpoch - 1n,
    ]);
  });

  it('after the grace period anyone records it: required amount and full shortfall fixed, UndistributedRecorded', async () => {
    await increaseTime(chain, GRACE_S);
    const receipt = await writeAndWait(stranger, tokenCall(token, 'recordUndistributed', [epoch]));
    const required = requiredUnits(revenueMinor, RATE_E18);
    expect(eventsOf(receipt, token, revenueShareTokenAbi)).toEqual([
      {
        eventName: 'UndistributedRecorded',
        args: {
          epoch,
          revenueMinor,
          stablecoinPerMinorE18: RATE_E18,
          requiredUnits: required,
          recorder: stranger.account.address,
        },
      },
    ]);
    expect(await readToken(token, 'shortfallOf', [epoch])).toBe(required);
    const record = await readToken<{ recordedAt: bigint; distributedAt: bigint }>(
      token,
      'epochDistribution',
      [epoch],
    );
    expect(record).toMatchObject({
      revenueMinor,
      investorShareBps: 7_000,
      requiredUnits: required,
      depositedUnits: 0n,
    });
    expect(record.recordedAt).toBe(await latestTimestamp(chain));
    expect(record.distributedAt).toBe(0n);
    await expectRevert(stranger, tokenCall(token, 'recordUndistributed', [epoch]), 'EpochAlreadyRecorded', [
      epoch,
    ]);
  });

  it('a later distribute pays into the record at the recorded amount, whatever the rate is by then', async () => {
    await governThroughTimelock(
      admin,
      core.timelock,
      [{ target: token, abi: revenueShareTokenAbi, functionName: 'setConversionRate', args: [1n] }],
      { local: true },
    );
    const required = requiredUnits(revenueMinor, RATE_E18);
    await approve(token, required);
    const receipt = await writeAndWait(distributor, tokenCall(token, 'distribute', [epoch]));
    expect(eventsOf(receipt, token, revenueShareTokenAbi)).toEqual([
      {
        eventName: 'FundsDistributed',
        args: { by: distributor.account.address, fundsDistributed: required },
      },
      {
        eventName: 'EpochDistributed',
        args: { epoch, revenueMinor, requiredUnits: required, depositedUnits: required, shortfallUnits: 0n },
      },
    ]);
    expect(await readToken(token, 'shortfallOf', [epoch])).toBe(0n);
    await expectRevert(
      stranger,
      tokenCall(token, 'recordUndistributed', [epoch]),
      'EpochAlreadyDistributed',
      [epoch],
    );
  });
});

describe('supply cap', () => {
  let token: Address;
  const cap = 150n * 10n ** 18n;

  beforeAll(async () => {
    token = await fundedToken({ supplyCap: cap }); // 100 tokens minted to alice
  });

  it('mint reverts when the agent mints beyond the cap', async () => {
    await expectRevert(
      agent,
      tokenCall(token, 'mint', [alice.account.address, cap - 100n * 10n ** 18n + 1n]),
      'SupplyCapExceeded',
      [cap, cap + 1n],
    );
  });

  it('the agent mints up to the cap', async () => {
    await writeAndWait(agent, tokenCall(token, 'mint', [alice.account.address, cap - 100n * 10n ** 18n]));
    expect(await readToken(token, 'totalSupply')).toBe(cap);
  });

  it('setSupplyCap reverts when the admin or the agent calls it directly', async () => {
    for (const caller of [admin, agent]) {
      await expectRevert(
        caller,
        tokenCall(token, 'setSupplyCap', [cap * 2n]),
        'AccessControlUnauthorizedAccount',
        [caller.account.address, GOVERNANCE_ROLE],
      );
    }
  });

  it('setSupplyCap through the timelock reverts below the supply', async () => {
    const batch = await scheduleThroughTimelock(admin, core.timelock, [
      { target: token, abi: revenueShareTokenAbi, functionName: 'setSupplyCap', args: [cap - 1n] },
    ]);
    await increaseTime(chain, DELAY_S);
    await expectRevert(
      admin,
      {
        address: core.timelock,
        abi: [...governanceTimelockAbi, ...revenueShareTokenAbi],
        functionName: 'executeBatch',
        args: [batch.targets, batch.values, batch.payloads, batch.predecessor, batch.salt],
      },
      'SupplyCapBelowSupply',
      [cap - 1n, cap],
    );
  });

  it('the cap raised through the timelock emits SupplyCapSet and lets the agent mint again', async () => {
    const receipt = await governThroughTimelock(
      admin,
      core.timelock,
      [{ target: token, abi: revenueShareTokenAbi, functionName: 'setSupplyCap', args: [cap * 2n] }],
      { local: true },
    );
    expect(eventsOf(receipt, token, revenueShareTokenAbi)).toEqual([
      { eventName: 'SupplyCapSet', args: { oldSupplyCap: cap, newSupplyCap: cap * 2n } },
    ]);
    await writeAndWait(agent, tokenCall(token, 'mint', [alice.account.address, cap]));
    expect(await readToken(token, 'totalSupply')).toBe(cap * 2n);
  });
});
