import { type Address, getAddress, keccak256, padHex, stringToHex, zeroAddress } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alwaysTrueVerifierAbi,
  attestationRegistryAbi,
  governanceTimelockAbi,
  poolRegistryAbi,
  verifierRegistryAbi,
} from '../../contracts/abis.ts';
import type { ChainClients } from '../../contracts/chain.ts';
import { writeAndWait } from '../../contracts/chain.ts';
import { deployArtifact } from '../../contracts/deploy.ts';
import { executeThroughTimelock, scheduleThroughTimelock, TEMPLATE_ID } from '../../contracts/governance.ts';
import { EPOCH_INSTANCE, REGISTRATION_INSTANCE } from './proven-pool.ts';
import {
  type CoreContracts,
  deployCore,
  eventsOf,
  expectReadRevert,
  expectRevert,
  increaseTime,
  instanceIdOf,
  latestTimestamp,
  poolParams,
  registerInstances,
  requireCircuitBuilt,
  startTestChain,
  type TestChain,
  testInstanceIds,
} from './support.ts';
import { createTestPool } from './token-fixture.ts';

requireCircuitBuilt(EPOCH_INSTANCE);
requireCircuitBuilt(REGISTRATION_INSTANCE);

const DELAY_S = 3_600;
const PROPOSER_ROLE = keccak256(stringToHex('PROPOSER_ROLE'));
/** `_encodeStateBitmap(OperationState.Ready)`: bit 2. */
const READY_STATE = padHex('0x04', { size: 32 });
const EPOCH_D4 = { template: 'EpochBatch' as const, batchSize: 1, treeDepth: 4 };
const REGISTRATION_D4 = { template: 'Registration' as const, batchSize: 2, treeDepth: 4 };
/** Timelock and registry errors together: a call executed by the timelock bubbles the target's revert. */
const governedAbi = [...governanceTimelockAbi, ...verifierRegistryAbi];

let chain: TestChain;
let admin: ChainClients;
let operator: ChainClients;
let core: CoreContracts;
let epochVerifier: Address;
let registrationVerifier: Address;
let alwaysTrue: Address;

const registry = () => ({ address: core.verifierRegistry, abi: verifierRegistryAbi });
const setVerifierCall = (instance: typeof EPOCH_D4 | typeof REGISTRATION_D4, verifier: Address) => ({
  target: core.verifierRegistry,
  abi: verifierRegistryAbi,
  functionName: 'setVerifier',
  args: [TEMPLATE_ID[instance.template], instance.batchSize, instance.treeDepth, verifier],
});
const executeArgs = (batch: Awaited<ReturnType<typeof scheduleThroughTimelock>>) => [
  batch.targets,
  batch.values,
  batch.payloads,
  batch.predecessor,
  batch.salt,
];

beforeAll(async () => {
  chain = await startTestChain();
  [admin, operator] = chain.accounts as [ChainClients, ChainClients];
  core = await deployCore(admin, { minDelayS: DELAY_S });
  epochVerifier = (await deployArtifact(admin, `Groth16Verifier_${EPOCH_INSTANCE}`)).address;
  registrationVerifier = (await deployArtifact(admin, `Groth16Verifier_${REGISTRATION_INSTANCE}`)).address;
  alwaysTrue = (await deployArtifact(operator, 'AlwaysTrueVerifier')).address;
});

afterAll(async () => {
  await chain?.stop();
});

describe('governance', () => {
  it('setVerifier reverts when the admin calls it directly', async () => {
    await expectRevert(
      admin,
      { ...registry(), functionName: 'setVerifier', args: [1, 1, 4, epochVerifier] },
      'OwnableUnauthorizedAccount',
      [admin.account.address],
    );
  });

  it('setVerifier reverts when a pool operator calls it directly', async () => {
    await expectRevert(
      operator,
      { ...registry(), functionName: 'setVerifier', args: [1, 1, 4, alwaysTrue] },
      'OwnableUnauthorizedAccount',
      [operator.account.address],
    );
  });

  it('a scheduled change reverts before the delay and succeeds after it with VerifierSet', async () => {
    const batch = await scheduleThroughTimelock(admin, core.timelock, [
      setVerifierCall(EPOCH_D4, epochVerifier),
      setVerifierCall(REGISTRATION_D4, registrationVerifier),
    ]);
    expect(batch.readyAtS).toBe((await latestTimestamp(chain)) + BigInt(DELAY_S));
    await expectRevert(
      admin,
      { address: core.timelock, abi: governedAbi, functionName: 'executeBatch', args: executeArgs(batch) },
      'TimelockUnexpectedOperationState',
      [batch.operationId, READY_STATE],
    );
    await increaseTime(chain, DELAY_S - 5);
    await expectRevert(
      admin,
      { address: core.timelock, abi: governedAbi, functionName: 'executeBatch', args: executeArgs(batch) },
      'TimelockUnexpectedOperationState',
      [batch.operationId, READY_STATE],
    );
    await increaseTime(chain, 5);
    const receipt = await executeThroughTimelock(admin, core.timelock, batch);
    expect(eventsOf(receipt, core.verifierRegistry, verifierRegistryAbi)).toEqual([
      {
        eventName: 'VerifierSet',
        args: { instanceId: instanceIdOf(EPOCH_D4), oldVerifier: zeroAddress, newVerifier: epochVerifier },
      },
      {
        eventName: 'VerifierSet',
        args: {
          instanceId: instanceIdOf(REGISTRATION_D4),
          oldVerifier: zeroAddress,
          newVerifier: registrationVerifier,
        },
      },
    ]);
    expect(
      await admin.publicClient.readContract({
        ...registry(),
        functionName: 'getInstance',
        args: [instanceIdOf(EPOCH_D4)],
      }),
    ).toEqual({ template: 1, batchSize: 1, treeDepth: 4, verifier: epochVerifier });
    expect(
      await admin.publicClient.readContract({
        ...registry(),
        functionName: 'verifierOf',
        args: [instanceIdOf(REGISTRATION_D4)],
      }),
    ).toBe(registrationVerifier);
  });

  it('scheduling reverts when the caller is not a proposer', async () => {
    await expectRevert(
      operator,
      {
        address: core.timelock,
        abi: governanceTimelockAbi,
        functionName: 'schedule',
        args: [
          core.verifierRegistry,
          0n,
          '0x',
          padHex('0x', { size: 32 }),
          padHex('0x', { size: 32 }),
          BigInt(DELAY_S),
        ],
      },
      'AccessControlUnauthorizedAccount',
      [operator.account.address, PROPOSER_ROLE],
    );
  });

  const invalid: Array<
    [string, [number, number, number, Address], string, (verifier: Address) => unknown[]]
  > = [
    ['the template is unknown', [3, 1, 4, zeroAddress], 'TemplateUnknown', () => [3]],
    ['the batch size is 0', [1, 0, 4, zeroAddress], 'BatchSizeZero', () => []],
    ['the tree depth is 0', [1, 1, 0, zeroAddress], 'TreeDepthOutOfRange', () => [0]],
    ['the tree depth is 33', [2, 2, 33, zeroAddress], 'TreeDepthOutOfRange', () => [33]],
    [
      'the verifier holds no code',
      [1, 1, 4, getAddress('0x00000000000000000000000000000000000000aa')],
      'VerifierNotContract',
      (verifier) => [verifier],
    ],
  ];
  for (const [condition, [template, batchSize, treeDepth, verifier], errorName, args] of invalid) {
    it(`setVerifier through the timelock reverts when ${condition}`, async () => {
      const target = verifier === zeroAddress ? epochVerifier : verifier;
      const batch = await scheduleThroughTimelock(admin, core.timelock, [
        {
          target: core.verifierRegistry,
          abi: verifierRegistryAbi,
          functionName: 'setVerifier',
          args: [template, batchSize, treeDepth, target],
        },
      ]);
      await increaseTime(chain, DELAY_S);
      await expectRevert(
        admin,
        { address: core.timelock, abi: governedAbi, functionName: 'executeBatch', args: executeArgs(batch) },
        errorName,
        args(target),
      );
    });
  }

  it('verifierOf reverts when the instance is not registered', async () => {
    const unknown = instanceIdOf({ template: 'EpochBatch', batchSize: 64, treeDepth: 20 });
    await expectReadRevert(
      admin,
      { ...registry(), functionName: 'verifierOf', args: [unknown] },
      'InstanceNotFound',
      [unknown],
    );
  });

  it('instanceIdOf, governance and typeAndVersion describe the registry', async () => {
    const read = (functionName: string, args: readonly unknown[] = []) =>
      admin.publicClient.readContract({
        ...registry(),
        functionName: functionName as never,
        args: args as never,
      });
    expect(await read('instanceIdOf', [2, 16, 20])).toBe(
      instanceIdOf({ template: 'Registration', batchSize: 16, treeDepth: 20 }),
    );
    expect(await read('governance')).toBe(core.timelock);
    expect(await read('typeAndVersion')).toBe('VerifierRegistry 1.0.0');
  });
});

describe('pools and verifier changes', () => {
  let poolId: number;
  const forgedProof = {
    a: [1n, 2n],
    b: [
      [1n, 2n],
      [3n, 4n],
    ],
    c: [1n, 2n],
  };

  async function forgedBatch(id: number, epoch: bigint): Promise<bigint[]> {
    const pool = await admin.publicClient.readContract({
      address: core.poolRegistry,
      abi: poolRegistryAbi,
      functionName: 'getPool',
      args: [id],
    });
    const start = pool.genesisTs + (epoch - 1n) * BigInt(pool.epochLengthS);
    const root = await admin.publicClient.readContract({
      address: core.attestationRegistry,
      abi: attestationRegistryAbi,
      functionName: 'stateRootOf',
      args: [id],
    });
    // one fabricated device-epoch of 10 MWh worth 19,000.00 CNY
    return [BigInt(id), epoch, start, start + 3600n, 190n, root, 77n, 10_000_000n, 1_900_000n, 1n];
  }

  beforeAll(async () => {
    const nowS = await latestTimestamp(chain);
    poolId = await createTestPool(admin, core, {
      operator: operator.account.address,
      genesisTs: nowS - 100n * 3600n,
    });
  });

  it('createPool reverts when the instance is unknown, even to the admin', async () => {
    const unregistered = instanceIdOf({ template: 'EpochBatch', batchSize: 1, treeDepth: 8 });
    await expectRevert(
      admin,
      {
        address: core.poolRegistry,
        abi: poolRegistryAbi,
        functionName: 'createPool',
        args: [
          poolParams({ operator: operator.account.address, treeDepth: 8, epochInstanceId: unregistered }),
        ],
      },
      'VerifierInstanceUnknown',
      [unregistered],
    );
  });

  it('createPool reverts when the pool depth differs from the instance depth', async () => {
    await expectRevert(
      admin,
      {
        address: core.poolRegistry,
        abi: poolRegistryAbi,
        functionName: 'createPool',
        args: [{ ...poolParams({ operator: operator.account.address }), treeDepth: 5 }],
      },
      'TreeDepthMismatch',
      [testInstanceIds(4).epochInstanceId, 4, 5],
    );
  });

  it('attack: a hostile operator cannot wire an always-true verifier, so forged batches stay refused', async () => {
    // the operator holds the pool's attester role and deployed a verifier that accepts anything
    const signals = await forgedBatch(poolId, 1n);
    await expect(
      admin.publicClient.readContract({
        address: alwaysTrue,
        abi: alwaysTrueVerifierAbi,
        functionName: 'verifyProof',
        args: [forgedProof.a, forgedProof.b, forgedProof.c, signals] as never,
      }),
    ).resolves.toBe(true);
    // it cannot set the verifier, nor schedule the change, nor point a pool at an unregistered instance
    await expectRevert(
      operator,
      { ...registry(), functionName: 'setVerifier', args: [1, 1, 4, alwaysTrue] },
      'OwnableUnauthorizedAccount',
      [operator.account.address],
    );
    await expectRevert(
      operator,
      {
        address: core.timelock,
        abi: governanceTimelockAbi,
        functionName: 'scheduleBatch',
        args: [
          [core.verifierRegistry],
          [0n],
          ['0x'],
          padHex('0x', { size: 32 }),
          padHex('0x', { size: 32 }),
          BigInt(DELAY_S),
        ],
      },
      'AccessControlUnauthorizedAccount',
      [operator.account.address, PROPOSER_ROLE],
    );
    // the forged batch meets the real verifier of the pool's instance
    await expectRevert(
      operator,
      {
        address: core.attestationRegistry,
        abi: attestationRegistryAbi,
        functionName: 'submitBatch',
        args: [poolId, 1n, forgedProof, signals],
      },
      'InvalidProof',
      [poolId, epochVerifier],
    );
  });

  it('attack: a proposer replacing the verifier is public for the whole delay, during which forged batches stay refused', async () => {
    const batch = await scheduleThroughTimelock(admin, core.timelock, [
      setVerifierCall(EPOCH_D4, alwaysTrue),
    ]);
    const scheduled = eventsOf(batch.receipt, core.timelock, governanceTimelockAbi);
    expect(scheduled).toEqual([
      {
        eventName: 'CallScheduled',
        args: {
          id: batch.operationId,
          index: 0n,
          target: core.verifierRegistry,
          value: 0n,
          data: batch.payloads[0],
          predecessor: batch.predecessor,
          delay: BigInt(DELAY_S),
        },
      },
      { eventName: 'CallSalt', args: { id: batch.operationId, salt: batch.salt } },
    ]);
    await increaseTime(chain, DELAY_S - 10);
    await expectRevert(
      operator,
      {
        address: core.attestationRegistry,
        abi: attestationRegistryAbi,
        functionName: 'submitBatch',
        args: [poolId, 1n, forgedProof, await forgedBatch(poolId, 1n)],
      },
      'InvalidProof',
      [poolId, epochVerifier],
    );
    // governance may cancel it in the window
    const cancelled = await writeAndWait(admin, {
      address: core.timelock,
      abi: governanceTimelockAbi,
      functionName: 'cancel',
      args: [batch.operationId],
    });
    expect(eventsOf(cancelled, core.timelock, governanceTimelockAbi)).toEqual([
      { eventName: 'Cancelled', args: { id: batch.operationId } },
    ]);
  });

  it('an executed replacement applies to existing pools, and verifiersOf shows it', async () => {
    const replacement = (await deployArtifact(admin, `Groth16Verifier_${EPOCH_INSTANCE}`)).address;
    await registerInstances(admin, core, [{ ...EPOCH_D4, verifier: replacement }]);
    expect(
      await admin.publicClient.readContract({
        address: core.poolRegistry,
        abi: poolRegistryAbi,
        functionName: 'verifiersOf',
        args: [poolId],
      }),
    ).toEqual([replacement, registrationVerifier]);
    await expectRevert(
      operator,
      {
        address: core.attestationRegistry,
        abi: attestationRegistryAbi,
        functionName: 'submitBatch',
        args: [poolId, 1n, forgedProof, await forgedBatch(poolId, 1n)],
      },
      'InvalidProof',
      [poolId, replacement],
    );
  });
});
