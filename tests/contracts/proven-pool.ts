import type { Address, Hex } from 'viem';
import {
  buildEpochBatches,
  buildRegistrationBatch,
  type EpochBatchWitness,
  PoolState,
  proveBatch,
  type RegistrationBatchWitness,
} from '../../circuits/index.ts';
import { attestationRegistryAbi, poolRegistryAbi } from '../../contracts/abis.ts';
import { type ChainClients, writeAndWait } from '../../contracts/chain.ts';
import { deployArtifact } from '../../contracts/deploy.ts';
import { type Groth16ProofArgs, toGroth16ProofArgs } from '../../contracts/proof.ts';
import { type SignedReading, signReading } from '../../protocol/index.ts';
import { type TestDevice, randomDevice } from './devices.ts';
import { type CoreContracts, instanceIdOf, registerInstances } from './support.ts';
import { createTestPool } from './token-fixture.ts';

/** Circuit instances of the test pool: one slot per epoch batch, two per registration, depth 4. */
export const EPOCH_INSTANCE = 'epoch_test';
export const REGISTRATION_INSTANCE = 'registration_test';
export const TEST_TREE_DEPTH = 4;
export const EPOCH_LENGTH_S = 3600;
export const MAX_TARIFF_MINOR_PER_KWH = 190;

/** Circuit instances and their parameters used by a pool. */
export interface PoolCircuits {
  epochInstance: string;
  registrationInstance: string;
  /** B of the epoch instance. */
  batchSize: number;
  /** R of the registration instance. */
  registrationSlots: number;
  /** D shared by both instances. */
  depth: number;
}

/** The circuits' test instances: epoch_test (B=1, D=4) and registration_test (R=2, D=4). */
export const TEST_CIRCUITS: PoolCircuits = {
  epochInstance: EPOCH_INSTANCE,
  registrationInstance: REGISTRATION_INSTANCE,
  batchSize: 1,
  registrationSlots: 2,
  depth: TEST_TREE_DEPTH,
};

/** A proof ready for the registry: struct arguments and public signals as bigints. */
export interface SubmittableProof {
  proof: Groth16ProofArgs;
  pubSignals: bigint[];
}

/** The verifiers of a pool's instances and the instance ids they are registered under. */
export interface TestVerifiers {
  epochVerifier: Address;
  registrationVerifier: Address;
  epochInstanceId: Hex;
  registrationInstanceId: Hex;
}

/**
 * The real Groth16 verifiers of the test instances, deployed from the circuits build and registered in the
 * verifier registry through the timelock.
 */
export async function deployTestVerifiers(
  admin: ChainClients,
  core: CoreContracts,
  circuits: PoolCircuits = TEST_CIRCUITS,
): Promise<TestVerifiers> {
  const epochVerifier = (await deployArtifact(admin, `Groth16Verifier_${circuits.epochInstance}`)).address;
  const registrationVerifier = (
    await deployArtifact(admin, `Groth16Verifier_${circuits.registrationInstance}`)
  ).address;
  const epoch = { template: 'EpochBatch' as const, batchSize: circuits.batchSize, treeDepth: circuits.depth };
  const registration = {
    template: 'Registration' as const,
    batchSize: circuits.registrationSlots,
    treeDepth: circuits.depth,
  };
  await registerInstances(admin, core, [
    { ...epoch, verifier: epochVerifier },
    { ...registration, verifier: registrationVerifier },
  ]);
  return {
    epochVerifier,
    registrationVerifier,
    epochInstanceId: instanceIdOf(epoch),
    registrationInstanceId: instanceIdOf(registration),
  };
}

/**
 * A pool of the test instance whose devices are registered on-chain and mirrored in an off-chain
 * `PoolState`, so that real registration and epoch proofs can be produced for it.
 */
export class ProvenPool {
  readonly devices: TestDevice[] = [];
  readonly deviceIds: string[] = [];
  /** Off-chain state after everything proven so far (registration and epochs). */
  state: PoolState;
  private readonly lastSeq = new Map<number, number>();

  constructor(
    readonly operator: ChainClients,
    readonly core: CoreContracts,
    readonly poolId: number,
    readonly genesisTs: bigint,
    readonly circuits: PoolCircuits = TEST_CIRCUITS,
  ) {
    this.state = new PoolState(circuits.depth);
  }

  /** Creates the pool (operator = attester) with the real verifiers. */
  static async create(
    admin: ChainClients,
    operator: ChainClients,
    core: CoreContracts,
    verifiers: TestVerifiers,
    genesisTs: bigint,
    investorShareBps = 7_000,
    circuits: PoolCircuits = TEST_CIRCUITS,
  ): Promise<ProvenPool> {
    const poolId = await createTestPool(admin, core, {
      operator: operator.account.address,
      epochInstanceId: verifiers.epochInstanceId,
      registrationInstanceId: verifiers.registrationInstanceId,
      treeDepth: circuits.depth,
      genesisTs,
      epochLengthS: EPOCH_LENGTH_S,
      investorShareBps,
    });
    return new ProvenPool(operator, core, poolId, genesisTs, circuits);
  }

  /** Registers `count` fresh EV devices (120 kW) on-chain; returns the gas used by each registration. */
  async registerDevices(count: number): Promise<bigint[]> {
    const gasUsed: bigint[] = [];
    for (let i = 0; i < count; i++) {
      const device = randomDevice(120_000, 1);
      this.devices.push(device);
      this.deviceIds.push(`ev-${this.poolId}-${this.devices.length}`);
      const receipt = await writeAndWait(this.operator, {
        address: this.core.poolRegistry,
        abi: poolRegistryAbi,
        functionName: 'registerDevice',
        args: [this.poolId, device.ax, device.ay, device.ratedPowerW, device.kind],
      });
      gasUsed.push(receipt.gasUsed);
    }
    return gasUsed;
  }

  /** Proves the registration of the next devices not yet in the off-chain state (at most R of the instance). */
  async proveRegistration(): Promise<{ witness: RegistrationBatchWitness } & SubmittableProof> {
    const pending = this.devices
      .slice(this.state.count, this.state.count + this.circuits.registrationSlots)
      .map((device) => ({
        publicKey: { Ax: device.ax.toString(), Ay: device.ay.toString() },
        ratedPowerW: device.ratedPowerW,
      }));
    const next = this.state.clone();
    const witness = buildRegistrationBatch(next, this.poolId, pending, this.circuits.registrationSlots);
    const { proof, publicSignals } = await proveBatch(this.circuits.registrationInstance, witness.input);
    this.state = next;
    return { witness, proof: toGroth16ProofArgs(proof), pubSignals: publicSignals.map(BigInt) };
  }

  /** Epoch bounds per SPEC section 5. */
  bounds(epoch: number): { epochStart: number; epochEnd: number } {
    const epochStart = Number(this.genesisTs) + (epoch - 1) * EPOCH_LENGTH_S;
    return { epochStart, epochEnd: epochStart + EPOCH_LENGTH_S };
  }

  /** A signed closing reading of slot `slot` at `offsetS` into `epoch`, with cumulative registers. */
  reading(slot: number, epoch: number, energyWh: number, revenueMinor: number, offsetS = 100): SignedReading {
    const seq = (this.lastSeq.get(slot) ?? 0) + 1;
    this.lastSeq.set(slot, seq);
    const device = this.devices[slot]!;
    return signReading(
      {
        v: 1,
        kind: 'ev',
        poolId: this.poolId,
        deviceId: this.deviceIds[slot]!,
        seq,
        ts: this.bounds(epoch).epochStart + offsetS,
        energyWh,
        revenueMinor,
        powerW: 60_000,
        sessionId: seq,
      },
      device.privateKey,
    );
  }

  /** Proves an epoch's batches (one per reporting slot with the test instance) and advances the off-chain state. */
  async proveEpoch(
    epoch: number,
    readings: ReadonlyMap<number, SignedReading>,
  ): Promise<Array<{ witness: EpochBatchWitness } & SubmittableProof>> {
    const params = {
      poolId: this.poolId,
      epoch,
      ...this.bounds(epoch),
      maxTariffMinorPerKwh: MAX_TARIFF_MINOR_PER_KWH,
    };
    const { batches, state } = buildEpochBatches(this.state, readings, params, this.circuits.batchSize);
    const proven = [];
    for (const witness of batches) {
      const { proof, publicSignals } = await proveBatch(this.circuits.epochInstance, witness.input);
      proven.push({ witness, proof: toGroth16ProofArgs(proof), pubSignals: publicSignals.map(BigInt) });
    }
    this.state = state;
    return proven;
  }

  /** Submits a registration proof. */
  submitRegistration(proof: SubmittableProof) {
    return writeAndWait(this.operator, {
      address: this.core.attestationRegistry,
      abi: attestationRegistryAbi,
      functionName: 'submitRegistration',
      args: [this.poolId, proof.proof, proof.pubSignals],
    });
  }

  /** Submits an epoch batch proof. */
  submitBatch(epoch: number, proof: SubmittableProof) {
    return writeAndWait(this.operator, {
      address: this.core.attestationRegistry,
      abi: attestationRegistryAbi,
      functionName: 'submitBatch',
      args: [this.poolId, BigInt(epoch), proof.proof, proof.pubSignals],
    });
  }

  /** Finalises an epoch. */
  finalize(epoch: number) {
    return writeAndWait(this.operator, {
      address: this.core.attestationRegistry,
      abi: attestationRegistryAbi,
      functionName: 'finalizeEpoch',
      args: [this.poolId, BigInt(epoch)],
    });
  }
}
