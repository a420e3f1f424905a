import { encodeAbiParameters, keccak256 } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attestationRegistryAbi, revenueFeedAbi } from '../../contracts/abis.ts';
import type { ChainClients } from '../../contracts/chain.ts';
import { deployArtifact } from '../../contracts/deploy.ts';
import { zeroRoot } from '../../circuits/index.ts';
import {
  EPOCH_INSTANCE,
  EPOCH_LENGTH_S,
  MAX_TARIFF_MINOR_PER_KWH,
  ProvenPool,
  REGISTRATION_INSTANCE,
  type SubmittableProof,
  TEST_TREE_DEPTH,
  deployTestVerifiers,
  type TestVerifiers,
} from './proven-pool.ts';
import {
  requireCircuitBuilt,
  type CoreContracts,
  deployCore,
  eventsOf,
  expectReadRevert,
  expectRevert,
  latestTimestamp,
  startTestChain,
  type TestChain,
  increaseTime,
} from './support.ts';

// Real Groth16 proofs of the circuits' test instances, verified on anvil by the generated verifiers.
requireCircuitBuilt(EPOCH_INSTANCE);
requireCircuitBuilt(REGISTRATION_INSTANCE);

let chain: TestChain;
let admin: ChainClients;
let operator: ChainClients;
let stranger: ChainClients;
let core: CoreContracts;
let verifiers: TestVerifiers;
let pool: ProvenPool;
let registration: SubmittableProof;
let epoch1: SubmittableProof[];
let epoch2: SubmittableProof[];
let feed: `0x${string}`;

const registry = () => ({ address: core.attestationRegistry, abi: attestationRegistryAbi });
const readRegistry = <T>(functionName: string, args: readonly unknown[] = []) =>
  admin.publicClient.readContract({
    ...registry(),
    functionName: functionName as never,
    args: args as never,
  }) as Promise<T>;
const readFeed = <T>(functionName: string, args: readonly unknown[] = []) =>
  admin.publicClient.readContract({
    address: feed,
    abi: revenueFeedAbi,
    functionName: functionName as never,
    args: args as never,
  }) as Promise<T>;
const withSignal = (proof: SubmittableProof, index: number, value: bigint): SubmittableProof => ({
  proof: proof.proof,
  pubSignals: proof.pubSignals.map((signal, i) => (i === index ? value : signal)),
});
const submitBatchCall = (epoch: number, proof: SubmittableProof, poolId = pool.poolId) => ({
  ...registry(),
  functionName: 'submitBatch',
  args: [poolId, BigInt(epoch), proof.proof, proof.pubSignals],
});
const submitRegistrationCall = (proof: SubmittableProof) => ({
  ...registry(),
  functionName: 'submitRegistration',
  args: [pool.poolId, proof.proof, proof.pubSignals],
});

describe('attestation registry with real proofs', () => {
  beforeAll(async () => {
    chain = await startTestChain();
    [admin, operator, , , , , stranger] = chain.accounts as ChainClients[] as [
      ChainClients,
      ChainClients,
      ChainClients,
      ChainClients,
      ChainClients,
      ChainClients,
      ChainClients,
    ];
    core = await deployCore(admin);
    verifiers = await deployTestVerifiers(admin, core);
    // epochs 1..5 have ended on-chain
    const genesisTs = (await latestTimestamp(chain)) - 5n * BigInt(EPOCH_LENGTH_S);
    pool = await ProvenPool.create(admin, operator, core, verifiers, genesisTs);
    feed = (await deployArtifact(admin, 'RevenueFeed', [core.attestationRegistry, pool.poolId])).address;
    await pool.registerDevices(2);
    registration = await pool.proveRegistration();
    // epoch 1: first readings ever, baselines (deltas count 0); epoch 2: revenue
    epoch1 = await pool.proveEpoch(
      1,
      new Map([
        [0, pool.reading(0, 1, 1_000, 200)],
        [1, pool.reading(1, 1, 5_000, 900)],
      ]),
    );
    epoch2 = await pool.proveEpoch(
      2,
      new Map([
        [0, pool.reading(0, 2, 51_000, 9_200)],
        [1, pool.reading(1, 2, 35_000, 6_600)],
      ]),
    );
  });

  afterAll(async () => {
    await chain?.stop();
  });

  describe('before any proof', () => {
    it('stateRootOf is the empty-tree root of the pool depth, computed on-chain', async () => {
      expect(await readRegistry('stateRootOf', [pool.poolId])).toBe(zeroRoot(TEST_TREE_DEPTH));
      expect(await readRegistry('stateRootOf', [pool.poolId])).toBe(registration.pubSignals[1]);
      expect(await readRegistry('attestedCountOf', [pool.poolId])).toBe(0);
      expect(await readRegistry('lastFinalisedEpochOf', [pool.poolId])).toBe(0n);
    });

    it('latestRoundData reverts when no round is finalised', async () => {
      await expectReadRevert(
        admin,
        { address: feed, abi: revenueFeedAbi, functionName: 'latestRoundData' },
        'RoundNotFound',
        [pool.poolId, 0n],
      );
    });

    it('submitBatch reverts when the old root is not the current root (devices not yet attested)', async () => {
      const proof = epoch1[0]!;
      await expectRevert(operator, submitBatchCall(1, proof), 'StateRootMismatch', [
        pool.poolId,
        zeroRoot(TEST_TREE_DEPTH),
        proof.pubSignals[5],
      ]);
    });
  });

  describe('submitRegistration', () => {
    it('submitRegistration reverts when the proof is for another pool', async () => {
      await expectRevert(
        operator,
        submitRegistrationCall(withSignal(registration, 0, 99n)),
        'ProofForAnotherPool',
        [pool.poolId, 99n],
      );
    });

    it('submitRegistration reverts when the old count is not the attested count', async () => {
      await expectRevert(
        operator,
        submitRegistrationCall(withSignal(registration, 3, 1n)),
        'AttestedCountMismatch',
        [pool.poolId, 0, 1n],
      );
    });

    it('submitRegistration reverts when the new count is above the registered count', async () => {
      await expectRevert(
        operator,
        submitRegistrationCall(withSignal(registration, 4, 3n)),
        'RegistrationCountInvalid',
        [pool.poolId, 0n, 3n, 2],
      );
    });

    it('submitRegistration reverts when the new count does not grow', async () => {
      await expectRevert(
        operator,
        submitRegistrationCall(withSignal(registration, 4, 0n)),
        'RegistrationCountInvalid',
        [pool.poolId, 0n, 0n, 2],
      );
    });

    it('submitRegistration reverts when the old chain differs from the on-chain chain', async () => {
      await expectRevert(operator, submitRegistrationCall(withSignal(registration, 5, 7n)), 'ChainMismatch', [
        pool.poolId,
        0n,
        0n,
        7n,
      ]);
    });

    it('submitRegistration reverts when the new chain differs from the on-chain chain', async () => {
      await expectRevert(operator, submitRegistrationCall(withSignal(registration, 6, 7n)), 'ChainMismatch', [
        pool.poolId,
        2n,
        registration.pubSignals[6],
        7n,
      ]);
    });

    it('submitRegistration reverts when the proof does not match its public signals (new root changed)', async () => {
      await expectRevert(
        operator,
        submitRegistrationCall(withSignal(registration, 2, registration.pubSignals[2]! + 1n)),
        'InvalidProof',
        [pool.poolId, verifiers.registrationVerifier],
      );
    });

    it('submitRegistration reverts when the caller is not the pool attester', async () => {
      const role = await readRegistry<`0x${string}`>('attesterRole', [pool.poolId]);
      await expectRevert(stranger, submitRegistrationCall(registration), 'AccessControlUnauthorizedAccount', [
        stranger.account.address,
        role,
      ]);
    });

    it('submitRegistration accepts a real registration proof and emits RegistrationAttested', async () => {
      const receipt = await pool.submitRegistration(registration);
      expect(eventsOf(receipt, core.attestationRegistry, attestationRegistryAbi)).toEqual([
        {
          eventName: 'RegistrationAttested',
          args: {
            poolId: pool.poolId,
            oldRoot: registration.pubSignals[1],
            newRoot: registration.pubSignals[2],
            oldCount: 0,
            newCount: 2,
          },
        },
      ]);
      expect(await readRegistry('stateRootOf', [pool.poolId])).toBe(registration.pubSignals[2]);
      expect(await readRegistry('attestedCountOf', [pool.poolId])).toBe(2);
    });

    it('submitRegistration reverts when the same registration is submitted again', async () => {
      await expectRevert(operator, submitRegistrationCall(registration), 'StateRootMismatch', [
        pool.poolId,
        registration.pubSignals[2],
        registration.pubSignals[1],
      ]);
    });
  });

  describe('submitBatch', () => {
    it('submitBatch accepts a real epoch proof and emits BatchAccepted', async () => {
      const proof = epoch1[0]!;
      const receipt = await pool.submitBatch(1, proof);
      expect(eventsOf(receipt, core.attestationRegistry, attestationRegistryAbi)).toEqual([
        {
          eventName: 'BatchAccepted',
          args: {
            poolId: pool.poolId,
            epoch: 1n,
            batchIndex: 0,
            oldRoot: proof.pubSignals[5],
            newRoot: proof.pubSignals[6],
            energyWh: 0n,
            revenueMinor: 0n,
            reportingCount: 1n,
          },
        },
      ]);
      expect(await readRegistry('stateRootOf', [pool.poolId])).toBe(proof.pubSignals[6]);
      expect(await readRegistry('openEpochOf', [pool.poolId])).toEqual({
        epoch: 1n,
        batchCount: 1,
        reportingCount: 1n,
        energyWh: 0n,
        revenueMinor: 0n,
      });
    });

    it('submitBatch reverts when the same batch is submitted again', async () => {
      const proof = epoch1[0]!;
      const batchHash = keccak256(
        encodeAbiParameters(
          [{ type: 'uint32' }, { type: 'uint256[10]' }],
          [pool.poolId, proof.pubSignals as never],
        ),
      );
      await expectRevert(operator, submitBatchCall(1, proof), 'BatchAlreadySubmitted', [
        pool.poolId,
        batchHash,
      ]);
    });

    it('submitBatch reverts when one public signal is changed (total revenue + 1)', async () => {
      const proof = epoch1[1]!;
      await expectRevert(
        operator,
        submitBatchCall(1, withSignal(proof, 8, proof.pubSignals[8]! + 1n)),
        'InvalidProof',
        [pool.poolId, verifiers.epochVerifier],
      );
    });

    it('submitBatch reverts when the proof is for another pool', async () => {
      await expectRevert(
        operator,
        submitBatchCall(1, withSignal(epoch1[1]!, 0, 42n)),
        'ProofForAnotherPool',
        [pool.poolId, 42n],
      );
    });

    it('submitBatch reverts when the epoch argument differs from the epoch signal', async () => {
      await expectRevert(operator, submitBatchCall(1, withSignal(epoch1[1]!, 1, 2n)), 'EpochSignalMismatch', [
        1n,
        2n,
      ]);
    });

    it('submitBatch reverts when the epoch bounds are not genesis-aligned', async () => {
      const proof = epoch1[1]!;
      const { epochStart, epochEnd } = pool.bounds(1);
      await expectRevert(
        operator,
        submitBatchCall(1, withSignal(proof, 2, BigInt(epochStart + 1))),
        'EpochBoundsMismatch',
        [1n, BigInt(epochStart), BigInt(epochEnd), BigInt(epochStart + 1), BigInt(epochEnd)],
      );
    });

    it('submitBatch reverts when the tariff cap is not the pool cap', async () => {
      await expectRevert(
        operator,
        submitBatchCall(1, withSignal(epoch1[1]!, 4, 1_000n)),
        'TariffCapMismatch',
        [pool.poolId, BigInt(MAX_TARIFF_MINOR_PER_KWH), 1_000n],
      );
    });

    it('submitBatch reverts when a total does not fit (energy >= 2^96)', async () => {
      await expectRevert(
        operator,
        submitBatchCall(1, withSignal(epoch1[1]!, 7, 2n ** 96n)),
        'SignalOutOfRange',
        [7, 2n ** 96n],
      );
    });

    it('submitBatch reverts when the revenue total or the reporting count does not fit', async () => {
      await expectRevert(
        operator,
        submitBatchCall(1, withSignal(epoch1[1]!, 8, 2n ** 96n)),
        'SignalOutOfRange',
        [8, 2n ** 96n],
      );
      await expectRevert(
        operator,
        submitBatchCall(1, withSignal(epoch1[1]!, 9, 2n ** 32n)),
        'SignalOutOfRange',
        [9, 2n ** 32n],
      );
    });

    it('submitBatch reverts when the epoch is not the next one (out of order)', async () => {
      await expectRevert(operator, submitBatchCall(2, epoch2[0]!), 'EpochOutOfOrder', [pool.poolId, 2n, 1n]);
    });

    it('submitBatch reverts when the caller is not the pool attester', async () => {
      const role = await readRegistry<`0x${string}`>('attesterRole', [pool.poolId]);
      await expectRevert(stranger, submitBatchCall(1, epoch1[1]!), 'AccessControlUnauthorizedAccount', [
        stranger.account.address,
        role,
      ]);
    });

    it('submitBatch accepts the second batch of the epoch, chaining roots', async () => {
      const receipt = await pool.submitBatch(1, epoch1[1]!);
      const [event] = eventsOf(receipt, core.attestationRegistry, attestationRegistryAbi);
      expect(event?.args.batchIndex).toBe(1);
      expect(event?.args.oldRoot).toBe(epoch1[0]!.pubSignals[6]);
      expect(await readRegistry('openEpochOf', [pool.poolId])).toEqual({
        epoch: 1n,
        batchCount: 2,
        reportingCount: 2n,
        energyWh: 0n,
        revenueMinor: 0n,
      });
    });
  });

  describe('finalizeEpoch and the feed', () => {
    it('finalizeEpoch closes the epoch into a round and emits EpochFinalised', async () => {
      const receipt = await pool.finalize(1);
      const root = await readRegistry<bigint>('stateRootOf', [pool.poolId]);
      expect(eventsOf(receipt, core.attestationRegistry, attestationRegistryAbi)).toEqual([
        {
          eventName: 'EpochFinalised',
          args: {
            poolId: pool.poolId,
            epoch: 1n,
            revenueMinor: 0n,
            energyWh: 0n,
            reportingCount: 2,
            registeredCount: 2,
            batchCount: 2,
            stateRoot: root,
          },
        },
      ]);
      const block = await admin.publicClient.getBlock({ blockNumber: receipt.blockNumber });
      expect(await readRegistry('getRound', [pool.poolId, 1n])).toEqual({
        stateRoot: root,
        revenueMinor: 0n,
        energyWh: 0n,
        startedAt: BigInt(pool.bounds(1).epochStart),
        updatedAt: block.timestamp,
        reportingCount: 2,
        registeredCount: 2,
        batchCount: 2,
      });
      expect(await readRegistry('openEpochOf', [pool.poolId])).toEqual({
        epoch: 2n,
        batchCount: 0,
        reportingCount: 0n,
        energyWh: 0n,
        revenueMinor: 0n,
      });
    });

    it('submitBatch reverts when the epoch is already finalised (a batch after finalisation)', async () => {
      await expectRevert(operator, submitBatchCall(1, epoch1[1]!), 'EpochAlreadyFinalised', [
        pool.poolId,
        1n,
        1n,
      ]);
    });

    it('finalizeEpoch reverts when the epoch is already finalised', async () => {
      await expectRevert(
        operator,
        { ...registry(), functionName: 'finalizeEpoch', args: [pool.poolId, 1n] },
        'EpochAlreadyFinalised',
        [pool.poolId, 1n, 1n],
      );
    });

    it('finalizeEpoch reverts when the epoch is not the next one', async () => {
      await expectRevert(
        operator,
        { ...registry(), functionName: 'finalizeEpoch', args: [pool.poolId, 3n] },
        'EpochOutOfOrder',
        [pool.poolId, 3n, 2n],
      );
    });

    it('finalizeEpoch reverts when the caller is not the pool attester', async () => {
      const role = await readRegistry<`0x${string}`>('attesterRole', [pool.poolId]);
      await expectRevert(
        stranger,
        { ...registry(), functionName: 'finalizeEpoch', args: [pool.poolId, 2n] },
        'AccessControlUnauthorizedAccount',
        [stranger.account.address, role],
      );
    });

    it('epoch 2 batches prove revenue and the feed answers it as round 2', async () => {
      for (const proof of epoch2) await pool.submitBatch(2, proof);
      const receipt = await pool.finalize(2);
      const block = await admin.publicClient.getBlock({ blockNumber: receipt.blockNumber });
      const revenueMinor = 9_000n + 5_700n;
      const energyWh = 50_000n + 30_000n;
      expect(await readFeed('latestRoundData')).toEqual([
        2n,
        revenueMinor,
        BigInt(pool.bounds(2).epochStart),
        block.timestamp,
        2n,
      ]);
      expect(await readFeed('getRoundData', [2n])).toEqual([
        2n,
        revenueMinor,
        BigInt(pool.bounds(2).epochStart),
        block.timestamp,
        2n,
      ]);
      expect(await readFeed('energyWh', [2n])).toBe(energyWh);
      expect(await readFeed('reportingDevices', [2n])).toBe(2n);
      expect(await readFeed('registeredDevices', [2n])).toBe(2n);
      expect(await readFeed('coverageBps', [2n])).toBe(10_000n);
      expect(await readFeed('stateRoot', [2n])).toBe(pool.state.root);
      expect(await readRegistry('stateRootOf', [pool.poolId])).toBe(pool.state.root);
    });

    it('feed metadata follows the pool: decimals, description, version, typeAndVersion', async () => {
      expect(await readFeed('decimals')).toBe(2);
      expect(await readFeed('description')).toBe(`Proven revenue of pool ${pool.poolId} (CNY)`);
      expect(await readFeed('version')).toBe(1n);
      expect(await readFeed('typeAndVersion')).toBe('RevenueFeed 1.0.0');
      expect(await readFeed('poolId')).toBe(pool.poolId);
      expect(await readFeed('attestationRegistry')).toBe(core.attestationRegistry);
    });

    it('getRoundData reverts when the round is not finalised', async () => {
      await expectReadRevert(
        admin,
        { address: feed, abi: revenueFeedAbi, functionName: 'getRoundData', args: [3n] },
        'RoundNotFound',
        [pool.poolId, 3n],
      );
      await expectReadRevert(
        admin,
        { address: feed, abi: revenueFeedAbi, functionName: 'getRoundData', args: [0n] },
        'RoundNotFound',
        [pool.poolId, 0n],
      );
      await expectReadRevert(
        admin,
        { address: feed, abi: revenueFeedAbi, functionName: 'getRoundData', args: [2n ** 64n] },
        'RoundNotFound',
        [pool.poolId, 2n ** 64n],
      );
    });

    it('an epoch without batches finalises with zero revenue and zero coverage', async () => {
      await pool.finalize(3);
      expect((await readFeed<unknown[]>('getRoundData', [3n])).slice(0, 3)).toEqual([
        3n,
        0n,
        BigInt(pool.bounds(3).epochStart),
      ]);
      expect(await readFeed('coverageBps', [3n])).toBe(0n);
      expect(await readFeed('reportingDevices', [3n])).toBe(0n);
    });

    it('getRound reverts when the round is not finalised', async () => {
      await expectReadRevert(
        admin,
        { ...registry(), functionName: 'getRound', args: [pool.poolId, 4n] },
        'RoundNotFound',
        [pool.poolId, 4n],
      );
    });
  });

  describe('epochs that have not ended', () => {
    it('submitBatch and finalizeEpoch revert when the epoch has not ended, and succeed after evm_increaseTime', async () => {
      const nowS = await latestTimestamp(chain);
      const late = await ProvenPool.create(admin, operator, core, verifiers, nowS - 10n);
      await late.registerDevices(1);
      await late.submitRegistration(await late.proveRegistration());
      const [proof] = await late.proveEpoch(1, new Map([[0, late.reading(0, 1, 10, 1, 5)]]));
      const { epochEnd } = late.bounds(1);
      await expectRevert(operator, submitBatchCall(1, proof!, late.poolId), 'EpochNotEnded', [
        late.poolId,
        1n,
        BigInt(epochEnd),
        expect.any(BigInt),
      ]);
      await expectRevert(
        operator,
        { ...registry(), functionName: 'finalizeEpoch', args: [late.poolId, 1n] },
        'EpochNotEnded',
        [late.poolId, 1n, BigInt(epochEnd), expect.any(BigInt)],
      );
      await increaseTime(chain, EPOCH_LENGTH_S);
      await late.submitBatch(1, proof!);
      await late.finalize(1);
      expect(await readRegistry('lastFinalisedEpochOf', [late.poolId])).toBe(1n);
    });
  });

  describe('views', () => {
    it('epochBounds follows SPEC section 5 and reverts for epoch 0', async () => {
      const { epochStart, epochEnd } = pool.bounds(7);
      expect(await readRegistry('epochBounds', [pool.poolId, 7n])).toEqual([
        BigInt(epochStart),
        BigInt(epochEnd),
      ]);
      await expectReadRevert(
        admin,
        { ...registry(), functionName: 'epochBounds', args: [pool.poolId, 0n] },
        'EpochOutOfOrder',
        [pool.poolId, 0n, 1n],
      );
    });

    it('views of an unknown pool revert with PoolNotFound', async () => {
      await expectReadRevert(
        admin,
        { ...registry(), functionName: 'stateRootOf', args: [999] },
        'PoolNotFound',
        [999],
      );
      await expectReadRevert(
        admin,
        { ...registry(), functionName: 'epochBounds', args: [999, 1n] },
        'PoolNotFound',
        [999],
      );
    });

    it('typeAndVersion, poolRegistry and attesterRole describe the deployment', async () => {
      expect(await readRegistry('typeAndVersion')).toBe('AttestationRegistry 2.0.0');
      expect(await readRegistry('poolRegistry')).toBe(core.poolRegistry);
      expect(await readRegistry('attesterRole', [1])).toBe(
        keccak256(
          encodeAbiParameters(
            [{ type: 'bytes32' }, { type: 'uint32' }],
            [keccak256(new TextEncoder().encode('ATTESTER_ROLE')), 1],
          ),
        ),
      );
    });
  });
});
