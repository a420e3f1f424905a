import { isSmallOrderPublicKey, type PublicKey, poseidonHash } from '../../protocol/index.ts';
import { BaseError } from '../../lib/errors.ts';
import type { CircuitInput } from './epoch-inputs.ts';
import type { PoolState } from '../model/pool-state.ts';

/** Thrown when registrations do not fit the circuit or the tree. */
export class RegistrationInputError extends BaseError {
  override name = 'RegistrationInputError';
}

/** A device to register: its public key and rated power (W). */
export interface NewDevice {
  readonly publicKey: PublicKey;
  readonly ratedPowerW: number;
}

/** Inputs and public values of one registration proof. */
export interface RegistrationBatchWitness {
  readonly input: CircuitInput;
  /** `[poolId, oldRoot, newRoot, oldCount, newCount, oldChain, newChain]` as decimal strings. */
  readonly publicSignals: readonly string[];
  readonly oldCount: number;
  readonly newCount: number;
  readonly oldRoot: bigint;
  readonly newRoot: bigint;
  readonly oldChain: bigint;
  readonly newChain: bigint;
}

/**
 * Builds the input of one Registration(R, D) proof appending `devices` (at most R) at slots
 * [count, count + devices.length) of `state`, and applies the registration to `state` (mutated).
 * Unused circuit slots are disabled (zeros). A small-order public key is refused (the circuit would
 * refuse it too: with such a key any signature verifies); `options.allowSmallOrderKeys` exists only so
 * tests can show the circuit's own refusal.
 *
 * @example
 * const batch = buildRegistrationBatch(state, 1, [{ publicKey, ratedPowerW: 120_000 }], 2);
 */
export function buildRegistrationBatch(
  state: PoolState,
  poolId: number,
  devices: readonly NewDevice[],
  slotsPerProof: number,
  options: { allowSmallOrderKeys?: boolean } = {},
): RegistrationBatchWitness {
  if (!options.allowSmallOrderKeys) {
    for (const device of devices) {
      if (isSmallOrderPublicKey(device.publicKey)) {
        throw new RegistrationInputError(`public key (${device.publicKey.Ax}, ${device.publicKey.Ay}) has small order`, {
          details: 'with a small-order key any signature verifies, so readings could be forged',
          hint: 'derive device keys from private keys (derivePublicKey); never register torsion points',
        });
      }
    }
  }
  if (devices.length > slotsPerProof) {
    throw new RegistrationInputError(
      `${devices.length} devices do not fit a proof of ${slotsPerProof} slots`,
      {
        hint: 'use buildRegistrationBatches to split them',
      },
    );
  }
  const oldCount = state.count;
  const oldRoot = state.root;
  const oldChain = state.chain;
  const enabled: string[] = [];
  const Ax: string[] = [];
  const Ay: string[] = [];
  const ratedPowerW: string[] = [];
  const siblings: string[][] = [];
  for (let i = 0; i < slotsPerProof; i++) {
    const device = devices[i];
    if (device) {
      // siblings of the empty target slot in the tree that already holds the previous new leaves
      siblings.push(state.tree.siblings(state.count).map(String));
      state.register(device.publicKey, device.ratedPowerW);
      enabled.push('1');
      Ax.push(device.publicKey.Ax);
      Ay.push(device.publicKey.Ay);
      ratedPowerW.push(String(device.ratedPowerW));
    } else {
      siblings.push(Array.from({ length: state.depth }, () => '0'));
      enabled.push('0');
      Ax.push('0');
      Ay.push('0');
      ratedPowerW.push('0');
    }
  }
  const publicValues = {
    poolId: BigInt(poolId),
    oldRoot,
    newRoot: state.root,
    oldCount: BigInt(oldCount),
    newCount: BigInt(state.count),
    oldChain,
    newChain: state.chain,
  };
  return {
    input: {
      ...Object.fromEntries(Object.entries(publicValues).map(([k, v]) => [k, v.toString()])),
      enabled,
      Ax,
      Ay,
      ratedPowerW,
      siblings,
    },
    publicSignals: Object.values(publicValues).map(String),
    oldCount,
    newCount: state.count,
    oldRoot,
    newRoot: state.root,
    oldChain,
    newChain: state.chain,
  };
}

/**
 * Splits `devices` into registration proofs of `slotsPerProof` devices each, in order; returns the
 * batches and the resulting state (the input state is left untouched).
 *
 * @example
 * const { batches, state: next } = buildRegistrationBatches(state, 1, devices, 2);
 */
export function buildRegistrationBatches(
  state: PoolState,
  poolId: number,
  devices: readonly NewDevice[],
  slotsPerProof: number,
): { batches: RegistrationBatchWitness[]; state: PoolState } {
  const next = state.clone();
  if (next.count + devices.length > next.tree.capacity) {
    throw new RegistrationInputError(`${devices.length} more devices overflow a tree of depth ${next.depth}`);
  }
  const batches: RegistrationBatchWitness[] = [];
  for (let i = 0; i < devices.length; i += slotsPerProof) {
    batches.push(buildRegistrationBatch(next, poolId, devices.slice(i, i + slotsPerProof), slotsPerProof));
  }
  return { batches, state: next };
}

/** The registration chain value after folding `commits` onto `chain` (docs/SPEC.md section 5). */
export function foldChain(chain: bigint, commits: readonly bigint[]): bigint {
  return commits.reduce((acc, commit) => poseidonHash([acc, commit]), chain);
}
