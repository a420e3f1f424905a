import { type Address, getAddress, keccak256, encodeAbiParameters, stringToHex, zeroAddress } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poolRegistryAbi } from '../../contracts/abis.ts';
import { readArtifact } from '../../contracts/build.ts';
import type { ChainClients } from '../../contracts/chain.ts';
import { writeAndWait } from '../../contracts/chain.ts';
import { deriveKeyHashes, randomDevice } from './devices.ts';
import { FIELD_MODULUS, poseidonHash } from '../../protocol/index.ts';
import {
  type CoreContracts,
  deployCore,
  eventsOf,
  expectDeployRevert,
  expectReadRevert,
  expectRevert,
  poolParams,
  registerTestInstances,
  startTestChain,
  testInstanceIds,
  type TestChain,
} from './support.ts';

let chain: TestChain;
let admin: ChainClients;
let operator: ChainClients;
let stranger: ChainClients;
let core: CoreContracts;
// The registry never calls a pool's verifiers; any contract serves as the instances' verifier here
// (the attestation tests use the real generated verifiers).
let codeAddress: Address;
const DEPTHS = [1, 4, 20];

function emptyRoot(depth: number): bigint {
  let node = 0n;
  for (let level = 0; level < depth; level++) node = poseidonHash([node, node]);
  return node;
}

async function createPool(
  overrides: Parameters<typeof poolParams>[0] extends infer P ? Partial<P> : never = {},
) {
  const params = poolParams({
    operator: operator.account.address,
    ...overrides,
  });
  const receipt = await writeAndWait(admin, {
    address: core.poolRegistry,
    abi: poolRegistryAbi,
    functionName: 'createPool',
    args: [params],
  });
  const [event] = eventsOf(receipt, core.poolRegistry, poolRegistryAbi).filter(
    (e) => e.eventName === 'PoolCreated',
  );
  return { params, poolId: event!.args.poolId as number, receipt };
}

const registry = () => ({ address: core.poolRegistry, abi: poolRegistryAbi });
const UNKNOWN_INSTANCE = keccak256(stringToHex('no such instance'));

beforeAll(async () => {
  chain = await startTestChain();
  [admin, operator, stranger] = chain.accounts as [ChainClients, ChainClients, ChainClients];
  core = await deployCore(admin);
  codeAddress = core.poseidonT3;
  await registerTestInstances(admin, core, DEPTHS, {
    epochVerifier: codeAddress,
    registrationVerifier: codeAddress,
  });
});

afterAll(async () => {
  await chain?.stop();
});

describe('constructor', () => {
  it('constructor reverts when the Poseidon address holds no code', async () => {
    const { abi, bytecode } = readArtifact('PoolRegistry');
    const noCode = getAddress('0x00000000000000000000000000000000000000cc');
    await expectDeployRevert(
      admin,
      { abi, bytecode, args: [admin.account.address, noCode, core.verifierRegistry] },
      'VerifierNotContract',
      [noCode],
    );
  });

  it('constructor reverts when the verifier registry address holds no code', async () => {
    const { abi, bytecode } = readArtifact('PoolRegistry');
    const noCode = getAddress('0x00000000000000000000000000000000000000cd');
    await expectDeployRevert(
      admin,
      { abi, bytecode, args: [admin.account.address, core.poseidonT3, noCode] },
      'VerifierNotContract',
      [noCode],
    );
  });
});

describe('createPool', () => {
  it('creates a pool, computes the empty-tree root on-chain and emits PoolCreated', async () => {
    const { params, poolId, receipt } = await createPool({ treeDepth: 4 });
    expect(poolId).toBe(1);
    const pool = await admin.publicClient.readContract({
      ...registry(),
      functionName: 'getPool',
      args: [poolId],
    });
    expect(pool).toMatchObject({
      currencyCode: params.currencyCode,
      currencyDecimals: 2,
      investorShareBps: 7000,
      treeDepth: 4,
      maxTariffMinorPerKwh: 190,
      epochLengthS: 3600,
      genesisTs: params.genesisTs,
      registeredCount: 0,
      activeCount: 0,
      epochInstanceId: testInstanceIds(4).epochInstanceId,
      registrationInstanceId: testInstanceIds(4).registrationInstanceId,
      emptyRoot: emptyRoot(4),
    });
    expect(
      await admin.publicClient.readContract({ ...registry(), functionName: 'verifiersOf', args: [poolId] }),
    ).toEqual([codeAddress, codeAddress]);
    const events = eventsOf(receipt, core.poolRegistry, poolRegistryAbi);
    expect(events.map((event) => event.eventName)).toEqual(['RoleGranted', 'PoolCreated']);
    expect(events[1]?.args).toEqual({ poolId: 1, operator: operator.account.address, pool });
    const role = await admin.publicClient.readContract({
      ...registry(),
      functionName: 'poolOperatorRole',
      args: [1],
    });
    expect(role).toBe(
      keccak256(
        encodeAbiParameters(
          [{ type: 'bytes32' }, { type: 'uint32' }],
          [keccak256(stringToHex('POOL_OPERATOR_ROLE')), 1],
        ),
      ),
    );
    expect(
      await admin.publicClient.readContract({
        ...registry(),
        functionName: 'hasRole',
        args: [role, operator.account.address],
      }),
    ).toBe(true);
    expect(await admin.publicClient.readContract({ ...registry(), functionName: 'poolCount' })).toBe(1);
  });

  it('createPool computes the empty root for depth 1 and depth 20', async () => {
    for (const depth of [1, 20]) {
      const { poolId } = await createPool({ treeDepth: depth });
      const pool = await admin.publicClient.readContract({
        ...registry(),
        functionName: 'getPool',
        args: [poolId],
      });
      expect(pool.emptyRoot).toBe(emptyRoot(depth));
    }
  });

  it('createPool reverts when the caller is not the admin', async () => {
    await expectRevert(
      stranger,
      {
        ...registry(),
        functionName: 'createPool',
        args: [poolParams({ operator: operator.account.address })],
      },
      'AccessControlUnauthorizedAccount',
      [stranger.account.address, '0x0000000000000000000000000000000000000000000000000000000000000000'],
    );
  });

  const invalid: Array<[string, Record<string, unknown>, string, unknown[]]> = [
    ['the operator is the zero address', { operator: zeroAddress }, 'OperatorZeroAddress', []],
    [
      'the epoch instance is not in the verifier registry',
      { epochInstanceId: UNKNOWN_INSTANCE },
      'VerifierInstanceUnknown',
      [UNKNOWN_INSTANCE],
    ],
    [
      'the registration instance is not in the verifier registry',
      { registrationInstanceId: UNKNOWN_INSTANCE },
      'VerifierInstanceUnknown',
      [UNKNOWN_INSTANCE],
    ],
    [
      'the epoch instance is a registration instance',
      { epochInstanceId: testInstanceIds(4).registrationInstanceId },
      'VerifierInstanceTemplateMismatch',
      [testInstanceIds(4).registrationInstanceId, 1, 2],
    ],
    [
      "the epoch instance's depth differs from the pool's",
      { treeDepth: 4, epochInstanceId: testInstanceIds(20).epochInstanceId },
      'TreeDepthMismatch',
      [testInstanceIds(20).epochInstanceId, 20, 4],
    ],
    [
      "the registration instance's depth differs from the pool's",
      { treeDepth: 4, registrationInstanceId: testInstanceIds(1).registrationInstanceId },
      'TreeDepthMismatch',
      [testInstanceIds(1).registrationInstanceId, 1, 4],
    ],
    [
      'the investor share is above 10,000 bps',
      { investorShareBps: 10_001 },
      'InvestorShareOutOfRange',
      [10_001],
    ],
    ['the tree depth is 0', { treeDepth: 0 }, 'TreeDepthOutOfRange', [0]],
    ['the tree depth is 33', { treeDepth: 33 }, 'TreeDepthOutOfRange', [33]],
    ['the epoch length is 0', { epochLengthS: 0 }, 'EpochLengthZero', []],
    ['the tariff cap is 0', { maxTariffMinorPerKwh: 0 }, 'MaxTariffZero', []],
    ['the currency has more than 18 decimals', { currencyDecimals: 19 }, 'CurrencyDecimalsOutOfRange', [19]],
  ];
  for (const [condition, overrides, errorName, args] of invalid) {
    it(`createPool reverts when ${condition}`, async () => {
      const params = { ...poolParams({ operator: operator.account.address }), ...overrides };
      await expectRevert(
        admin,
        { ...registry(), functionName: 'createPool', args: [params] },
        errorName,
        args,
      );
    });
  }
});

describe('registerDevice', () => {
  let poolId: number;
  let otherPoolId: number;
  beforeAll(async () => {
    poolId = (await createPool({ treeDepth: 4 })).poolId;
    otherPoolId = (await createPool({ treeDepth: 4 })).poolId;
  });

  it('registers devices, folds the Poseidon chain per SPEC section 5 and emits DeviceRegistered', async () => {
    let chainValue = 0n;
    for (let slot = 0; slot < 3; slot++) {
      const device = randomDevice(120_000 + slot, slot % 2 === 0 ? 1 : 2);
      const { keyHash, deviceCommit } = deriveKeyHashes(device);
      chainValue = poseidonHash([chainValue, deviceCommit]);
      const receipt = await writeAndWait(operator, {
        ...registry(),
        functionName: 'registerDevice',
        args: [poolId, device.ax, device.ay, device.ratedPowerW, device.kind],
      });
      const [event] = eventsOf(receipt, core.poolRegistry, poolRegistryAbi);
      expect(event?.eventName).toBe('DeviceRegistered');
      expect(event?.args).toEqual({
        poolId,
        keyHash,
        slot,
        ax: device.ax,
        ay: device.ay,
        ratedPowerW: device.ratedPowerW,
        kind: device.kind,
        deviceCommit,
        chain: chainValue,
      });
      expect(
        await admin.publicClient.readContract({
          ...registry(),
          functionName: 'chainAt',
          args: [poolId, BigInt(slot + 1)],
        }),
      ).toBe(chainValue);
      expect(
        await admin.publicClient.readContract({ ...registry(), functionName: 'getDevice', args: [keyHash] }),
      ).toEqual({
        poolId,
        slot,
        ratedPowerW: device.ratedPowerW,
        kind: device.kind,
        active: true,
      });
    }
    expect(
      await admin.publicClient.readContract({ ...registry(), functionName: 'chainAt', args: [poolId, 0n] }),
    ).toBe(0n);
    const pool = await admin.publicClient.readContract({
      ...registry(),
      functionName: 'getPool',
      args: [poolId],
    });
    expect([pool.registeredCount, pool.activeCount]).toEqual([3, 3]);
  });

  it('registerDevice reverts when the key is already registered in the same pool', async () => {
    const device = randomDevice(7_000, 1);
    await writeAndWait(operator, {
      ...registry(),
      functionName: 'registerDevice',
      args: [poolId, device.ax, device.ay, 7_000, 1],
    });
    await expectRevert(
      operator,
      { ...registry(), functionName: 'registerDevice', args: [poolId, device.ax, device.ay, 11_000, 1] },
      'DeviceKeyAlreadyRegistered',
      [deriveKeyHashes(device).keyHash, poolId],
    );
  });

  it('registerDevice reverts when the key is already registered in another pool (double financing)', async () => {
    const device = randomDevice(60_000, 1);
    await writeAndWait(operator, {
      ...registry(),
      functionName: 'registerDevice',
      args: [poolId, device.ax, device.ay, 60_000, 1],
    });
    await expectRevert(
      operator,
      { ...registry(), functionName: 'registerDevice', args: [otherPoolId, device.ax, device.ay, 60_000, 1] },
      'DeviceKeyAlreadyRegistered',
      [deriveKeyHashes(device).keyHash, poolId],
    );
  });

  it('registerDevice reverts when the key stays bound after deactivation', async () => {
    const device = randomDevice(60_000, 2);
    await writeAndWait(operator, {
      ...registry(),
      functionName: 'registerDevice',
      args: [poolId, device.ax, device.ay, 60_000, 2],
    });
    const { keyHash } = deriveKeyHashes(device);
    await writeAndWait(operator, { ...registry(), functionName: 'deactivateDevice', args: [keyHash] });
    await expectRevert(
      operator,
      { ...registry(), functionName: 'registerDevice', args: [otherPoolId, device.ax, device.ay, 60_000, 2] },
      'DeviceKeyAlreadyRegistered',
      [keyHash, poolId],
    );
  });

  it('registerDevice reverts when the public key is not on Baby Jubjub', async () => {
    const device = randomDevice(7_000, 1);
    await expectRevert(
      operator,
      { ...registry(), functionName: 'registerDevice', args: [poolId, device.ax, device.ay + 1n, 7_000, 1] },
      'PublicKeyNotOnCurve',
      [device.ax, device.ay + 1n],
    );
  });

  it('registerDevice reverts when a coordinate is not a canonical field element', async () => {
    const device = randomDevice(7_000, 1);
    const p = FIELD_MODULUS;
    await expectRevert(
      operator,
      { ...registry(), functionName: 'registerDevice', args: [poolId, device.ax + p, device.ay, 7_000, 1] },
      'PublicKeyNotOnCurve',
      [device.ax + p, device.ay],
    );
  });

  it('registerDevice reverts when the rated power is 0', async () => {
    const device = randomDevice(7_000, 1);
    await expectRevert(
      operator,
      { ...registry(), functionName: 'registerDevice', args: [poolId, device.ax, device.ay, 0, 1] },
      'RatedPowerZero',
      [],
    );
  });

  it('registerDevice reverts when the kind is neither EV (1) nor PV (2)', async () => {
    const device = randomDevice(7_000, 1);
    for (const kind of [0, 3]) {
      await expectRevert(
        operator,
        { ...registry(), functionName: 'registerDevice', args: [poolId, device.ax, device.ay, 7_000, kind] },
        'DeviceKindUnknown',
        [kind],
      );
    }
  });

  it('registerDevice reverts when the caller is not the pool operator', async () => {
    const device = randomDevice(7_000, 1);
    const role = await admin.publicClient.readContract({
      ...registry(),
      functionName: 'poolOperatorRole',
      args: [poolId],
    });
    await expectRevert(
      stranger,
      { ...registry(), functionName: 'registerDevice', args: [poolId, device.ax, device.ay, 7_000, 1] },
      'AccessControlUnauthorizedAccount',
      [stranger.account.address, role],
    );
  });

  it('registerDevice reverts when the pool does not exist', async () => {
    const role = await admin.publicClient.readContract({
      ...registry(),
      functionName: 'poolOperatorRole',
      args: [999],
    });
    await writeAndWait(admin, {
      ...registry(),
      functionName: 'grantRole',
      args: [role, operator.account.address],
    });
    const device = randomDevice(7_000, 1);
    await expectRevert(
      operator,
      { ...registry(), functionName: 'registerDevice', args: [999, device.ax, device.ay, 7_000, 1] },
      'PoolNotFound',
      [999],
    );
  });

  it('registerDevice reverts when the pool tree is full', async () => {
    const { poolId: tinyPool } = await createPool({ treeDepth: 1 });
    for (let i = 0; i < 2; i++) {
      const device = randomDevice(7_000, 1);
      await writeAndWait(operator, {
        ...registry(),
        functionName: 'registerDevice',
        args: [tinyPool, device.ax, device.ay, 7_000, 1],
      });
    }
    const device = randomDevice(7_000, 1);
    await expectRevert(
      operator,
      { ...registry(), functionName: 'registerDevice', args: [tinyPool, device.ax, device.ay, 7_000, 1] },
      'PoolFull',
      [tinyPool, 2n],
    );
  });
});

describe('deactivateDevice', () => {
  let poolId: number;
  let keyHash: bigint;
  beforeAll(async () => {
    poolId = (await createPool()).poolId;
    const device = randomDevice(22_000, 1);
    keyHash = deriveKeyHashes(device).keyHash;
    await writeAndWait(operator, {
      ...registry(),
      functionName: 'registerDevice',
      args: [poolId, device.ax, device.ay, 22_000, 1],
    });
  });

  it('deactivateDevice marks the device inactive, lowers activeCount and emits DeviceDeactivated', async () => {
    const receipt = await writeAndWait(operator, {
      ...registry(),
      functionName: 'deactivateDevice',
      args: [keyHash],
    });
    expect(eventsOf(receipt, core.poolRegistry, poolRegistryAbi)).toEqual([
      { eventName: 'DeviceDeactivated', args: { poolId, keyHash, slot: 0 } },
    ]);
    const device = await admin.publicClient.readContract({
      ...registry(),
      functionName: 'getDevice',
      args: [keyHash],
    });
    expect(device.active).toBe(false);
    const pool = await admin.publicClient.readContract({
      ...registry(),
      functionName: 'getPool',
      args: [poolId],
    });
    expect([pool.registeredCount, pool.activeCount]).toEqual([1, 0]);
  });

  it('deactivateDevice reverts when the device is already inactive', async () => {
    await expectRevert(
      operator,
      { ...registry(), functionName: 'deactivateDevice', args: [keyHash] },
      'DeviceAlreadyInactive',
      [keyHash],
    );
  });

  it('deactivateDevice reverts when no device has the key hash', async () => {
    await expectRevert(
      operator,
      { ...registry(), functionName: 'deactivateDevice', args: [12345n] },
      'DeviceNotFound',
      [12345n],
    );
  });

  it('deactivateDevice reverts when the caller is not the pool operator', async () => {
    const device = randomDevice(22_000, 1);
    const otherKey = deriveKeyHashes(device).keyHash;
    await writeAndWait(operator, {
      ...registry(),
      functionName: 'registerDevice',
      args: [poolId, device.ax, device.ay, 22_000, 1],
    });
    const role = await admin.publicClient.readContract({
      ...registry(),
      functionName: 'poolOperatorRole',
      args: [poolId],
    });
    await expectRevert(
      stranger,
      { ...registry(), functionName: 'deactivateDevice', args: [otherKey] },
      'AccessControlUnauthorizedAccount',
      [stranger.account.address, role],
    );
  });
});

describe('views', () => {
  it('getPool reverts when the pool does not exist', async () => {
    await expectReadRevert(admin, { ...registry(), functionName: 'getPool', args: [0] }, 'PoolNotFound', [0]);
    await expectReadRevert(
      admin,
      { ...registry(), functionName: 'getPool', args: [4242] },
      'PoolNotFound',
      [4242],
    );
  });

  it('getDevice reverts when no device has the key hash', async () => {
    await expectReadRevert(
      admin,
      { ...registry(), functionName: 'getDevice', args: [7n] },
      'DeviceNotFound',
      [7n],
    );
  });

  it('chainAt reverts when the count is above the registered count', async () => {
    const pool = await admin.publicClient.readContract({ ...registry(), functionName: 'getPool', args: [1] });
    await expectReadRevert(
      admin,
      { ...registry(), functionName: 'chainAt', args: [1, BigInt(pool.registeredCount + 1)] },
      'CountBeyondRegistered',
      [1, BigInt(pool.registeredCount + 1), pool.registeredCount],
    );
  });

  it('typeAndVersion and poseidonT3 describe the deployment', async () => {
    expect(await admin.publicClient.readContract({ ...registry(), functionName: 'typeAndVersion' })).toBe(
      'PoolRegistry 2.0.0',
    );
    expect(await admin.publicClient.readContract({ ...registry(), functionName: 'poseidonT3' })).toBe(
      core.poseidonT3,
    );
    expect(await admin.publicClient.readContract({ ...registry(), functionName: 'verifierRegistry' })).toBe(
      core.verifierRegistry,
    );
  });
});
