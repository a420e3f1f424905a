import type { PublicKey } from '../protocol/index.ts';
import type { CircuitInput } from '../circuits/ts/epoch-inputs.ts';
import type { PoolState } from '../circuits/ts/pool-state.ts';
import { OracleError } from './errors.ts';

/** A device to append to the state tree, as the on-chain registry recorded it. */
export interface NewDevice {
  publicKey: PublicKey;
  ratedPowerW: number;
}

/** Inputs and public values of one registration batch proof. */
export interface RegistrationBatchWitness {
  readonly input: CircuitInput;
  /** `[poolId, oldRoot, newRoot, oldCount, newCount, oldChain, newChain]` (SPEC section 6). */
  readonly publicSignals: readonly string[];
  readonly oldCount: number;
  readonly newCount: number;
  readonly oldRoot: bigint;
  readonly newRoot: bigint;
}

/**
 * Builds the input of a `Registration(R, D)` proof appending `devices` (at most R) at slots
 * `[state.count, state.count + devices.length)`, and registers them in `state` (mutated). Each enabled slot
 * carries the siblings of its (empty) position in the tree as it is after the previous slots; disabled slots are
 * all zeros (inert in the circuit).
 *
 * @example
 * const batch = buildRegistrationBatch(state, 1, newDevices.slice(0, 2), 2);
 */
export function buildRegistrationBatch(
  state: PoolState,
  poolId: number,
  devices: readonly NewDevice[],
  batchSize: number,
): RegistrationBatchWitness {
  if (devices.length === 0 || devices.length > batchSize)
    throw new OracleError(`a registration batch takes 1 to ${batchSize} devices, not ${devices.length}`);
  const oldCount = state.count;
  const oldRoot = state.root;
  const oldChain = state.chain;
  const enabled: string[] = [];
  const Ax: string[] = [];
  const Ay: string[] = [];
  const ratedPowerW: string[] = [];
  const siblings: string[][] = [];
  for (let i = 0; i < batchSize; i++) {
    const device = devices[i];
    if (!device) {
      enabled.push('0');
      Ax.push('0');
      Ay.push('0');
      ratedPowerW.push('0');
      siblings.push(Array.from({ length: state.depth }, () => '0'));
      continue;
    }
    const slot = state.count;
    siblings.push(state.tree.siblings(slot).map(String));
    state.register(device.publicKey, device.ratedPowerW);
    enabled.push('1');
    Ax.push(device.publicKey.Ax);
    Ay.push(device.publicKey.Ay);
    ratedPowerW.push(String(device.ratedPowerW));
  }
  const publicSignals = [poolId, oldRoot, state.root, oldCount, state.count, oldChain, state.chain].map(
    String,
  );
  return {
    input: {
      poolId: String(poolId),
      oldRoot: String(oldRoot),
      newRoot: String(state.root),
      oldCount: String(oldCount),
      newCount: String(state.count),
      oldChain: String(oldChain),
      newChain: String(state.chain),
      enabled,
      Ax,
      Ay,
      ratedPowerW,
      siblings,
    },
    publicSignals,
    oldCount,
    newCount: state.count,
    oldRoot,
    newRoot: state.root,
  };
}
