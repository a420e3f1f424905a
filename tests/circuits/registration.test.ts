import { beforeAll, describe, expect, it } from 'vitest';
import type { CircuitInput } from '../../circuits/witness/epoch-inputs.ts';
import { requireArtifacts } from '../../circuits/proving/instances.ts';
import { PoolState } from '../../circuits/model/pool-state.ts';
import {
  buildRegistrationBatch,
  buildRegistrationBatches,
  RegistrationInputError,
} from '../../circuits/witness/registration-inputs.ts';
import { zeroRoot } from '../../circuits/model/state-tree.ts';
import { calculateWitness } from '../../circuits/witness/witness.ts';
import { TORSION_POINTS } from '../../protocol/crypto/subgroup.ts';
import { deviceCommit, poseidonHash } from '../../protocol/index.ts';
import { testDevice } from './support/fleet.ts';

// Witness-level tests of Registration(2, 4).
const CIRCUIT = 'registration_test';
const devices = [0, 1, 2, 3, 4].map((i) => testDevice(100 + i, 7000 * (i + 1)));
const asNew = (i: number) => ({
  publicKey: devices[i]?.publicKey as never,
  ratedPowerW: devices[i]?.ratedPowerW as number,
});

async function accepts(input: CircuitInput): Promise<void> {
  await calculateWitness(CIRCUIT, input);
}
async function rejects(input: CircuitInput): Promise<void> {
  await expect(calculateWitness(CIRCUIT, input)).rejects.toThrow(/Assert Failed/);
}

beforeAll(() => {
  requireArtifacts(CIRCUIT);
});

describe('Registration accepts appends that follow the chain', () => {
  it('appends devices in order from the empty tree, two per proof, then one (an unused slot stays inert)', async () => {
    const state = new PoolState(4);
    expect(state.root).toBe(zeroRoot(4));
    const { batches, state: next } = buildRegistrationBatches(state, 1, [0, 1, 2].map(asNew), 2);
    expect(batches.map((b) => [b.oldCount, b.newCount])).toEqual([
      [0, 2],
      [2, 3],
    ]);
    // chain exactly as the on-chain registry folds it (docs/SPEC.md section 5)
    let chain = 0n;
    for (const i of [0, 1, 2])
      chain = poseidonHash([
        chain,
        deviceCommit(devices[i]?.publicKey as never, devices[i]?.ratedPowerW as number),
      ]);
    expect(next.chain).toBe(chain);
    expect(batches[1]?.newChain).toBe(chain);
    expect(batches[1]?.oldRoot).toBe(batches[0]?.newRoot);
    for (const b of batches) await accepts(b.input);
  });

  it('a proof that registers nothing keeps root and chain', async () => {
    const state = new PoolState(4);
    state.register(devices[0]?.publicKey as never, 7000);
    const batch = buildRegistrationBatch(state.clone(), 1, [], 2);
    expect(batch.newRoot).toBe(batch.oldRoot);
    await accepts(batch.input);
  });
});

describe('Registration rejects forbidden inputs', () => {
  function twoDevices() {
    const state = new PoolState(4);
    state.register(devices[3]?.publicKey as never, 7000);
    return { state, batch: buildRegistrationBatch(state.clone(), 1, [asNew(0), asNew(1)], 2) };
  }

  it('a non-empty target slot (oldCount pointing at a registered device)', async () => {
    const { state } = twoDevices();
    // pretend the pool is empty: slot 0 (holding device 3) would be overwritten
    const fake = new PoolState(4);
    const batch = buildRegistrationBatch(fake, 1, [asNew(0)], 2);
    const input = structuredClone(batch.input);
    input.oldRoot = state.root.toString();
    input.oldChain = state.chain.toString();
    await rejects(input);
    // siblings of the real tree but oldCount 0: the old path from an empty leaf does not give oldRoot
    const real = buildRegistrationBatch(state.clone(), 1, [asNew(0)], 2);
    const shifted = structuredClone(real.input);
    shifted.oldCount = '0';
    shifted.newCount = '1';
    await rejects(shifted);
  });

  it('a chain mismatch: wrong old chain, wrong new chain, devices in another order', async () => {
    const { state, batch } = twoDevices();
    await accepts(batch.input);
    const wrongOld = structuredClone(batch.input);
    wrongOld.oldChain = (state.chain + 1n).toString();
    await rejects(wrongOld);
    const wrongNew = structuredClone(batch.input);
    wrongNew.newChain = (BigInt(batch.input.newChain as string) + 1n).toString();
    await rejects(wrongNew);
    // the same two devices swapped: the tree and chain of the swapped order, against the registry's chain
    const swapped = buildRegistrationBatch(state.clone(), 1, [asNew(1), asNew(0)], 2);
    const input = structuredClone(swapped.input);
    input.newChain = batch.input.newChain as string;
    await rejects(input);
  });

  it('an unregistered key: a leaf whose key is not the one folded into the chain', async () => {
    const { batch } = twoDevices();
    const input = structuredClone(batch.input);
    (input.Ax as string[])[1] = devices[4]?.publicKey.Ax as string;
    (input.Ay as string[])[1] = devices[4]?.publicKey.Ay as string;
    input.newChain = batch.input.newChain as string; // the registry's chain of devices 0 and 1
    await rejects(input);
  });

  it('a wrong rated power, and one of 2^32 W or more', async () => {
    const { batch } = twoDevices();
    const input = structuredClone(batch.input);
    (input.ratedPowerW as string[])[0] = '7001';
    await rejects(input);
    const huge = new PoolState(4);
    const big = buildRegistrationBatch(
      huge,
      1,
      [{ publicKey: devices[0]?.publicKey as never, ratedPowerW: 1 }],
      2,
    );
    // recompute a consistent witness with ratedPowerW = 2^32 (the builder itself refuses it)
    const state = new PoolState(4);
    const leafless = structuredClone(big.input);
    (leafless.ratedPowerW as string[])[0] = (2n ** 32n).toString();
    const keyHash = poseidonHash([
      BigInt(devices[0]?.publicKey.Ax as string),
      BigInt(devices[0]?.publicKey.Ay as string),
    ]);
    leafless.newChain = poseidonHash([0n, poseidonHash([keyHash, 2n ** 32n])]).toString();
    const leaf = poseidonHash([
      BigInt(devices[0]?.publicKey.Ax as string),
      BigInt(devices[0]?.publicKey.Ay as string),
      2n ** 32n,
      0n,
      0n,
      0n,
      0n,
    ]);
    state.tree.set(0, leaf);
    leafless.newRoot = state.root.toString();
    await rejects(leafless);
  });

  it('a wrong count: newCount too high or too low, enabled bits not a prefix', async () => {
    const { batch } = twoDevices();
    for (const newCount of ['2', '4']) {
      const input = structuredClone(batch.input);
      input.newCount = newCount;
      await rejects(input);
    }
    const one = buildRegistrationBatch(twoDevices().state.clone(), 1, [asNew(0)], 2);
    await accepts(one.input);
    const gap = structuredClone(one.input);
    for (const k of ['enabled', 'Ax', 'Ay', 'ratedPowerW', 'siblings'] as const) {
      const column = gap[k] as unknown[];
      [column[0], column[1]] = [column[1], column[0]];
    }
    await rejects(gap);
  });
});

describe('Registration refuses keys that would let anyone sign', () => {
  // Points of order 1, 2, 4 and 8 on Baby Jubjub (circomlib coordinates).
  const torsion = TORSION_POINTS.map((t) => ({ Ax: t.x.toString(), Ay: t.y.toString() }));

  it('the builder refuses a small-order key with a typed error', () => {
    const state = new PoolState(4);
    expect(() => buildRegistrationBatch(state, 1, [{ publicKey: torsion[1]!, ratedPowerW: 7000 }], 2)).toThrow(
      RegistrationInputError,
    );
  });

  it('a small-order key of order 8, 4 and 2 fails in the circuit even with a consistent chain and root', async () => {
    for (const k of [1, 2, 4]) {
      const state = new PoolState(4);
      const batch = buildRegistrationBatch(state, 1, [{ publicKey: torsion[k]!, ratedPowerW: 7000 }], 2, {
        allowSmallOrderKeys: true,
      });
      await rejects(batch.input);
    }
  });

  it('a key off the curve fails', async () => {
    const state = new PoolState(4);
    const offCurve = { Ax: devices[0]!.publicKey.Ax, Ay: (BigInt(devices[0]!.publicKey.Ay) + 1n).toString() };
    const batch = buildRegistrationBatch(state, 1, [{ publicKey: offCurve, ratedPowerW: 7000 }], 2, {
      allowSmallOrderKeys: true,
    });
    await rejects(batch.input);
  });

  it('the same builder with an honest key is accepted (the refusals above are about the key alone)', async () => {
    const state = new PoolState(4);
    const batch = buildRegistrationBatch(state, 1, [asNew(0)], 2);
    await accepts(batch.input);
  });
});
