import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildEpochBatch,
  buildEpochBatches,
  type CircuitInput,
  SLOT_FIELDS,
} from '../../circuits/witness/epoch-inputs.ts';
import { requireArtifacts } from '../../circuits/proving/instances.ts';
import { PoolState } from '../../circuits/model/pool-state.ts';
import type { EpochParams } from '../../circuits/model/rules.ts';
import { calculateWitness } from '../../circuits/witness/witness.ts';
import { FIELD_MODULUS } from '../../protocol/crypto/field.ts';
import { reading, type TestDevice, testDevice } from './support/fleet.ts';
import { reseal, setSlot } from './support/reseal.ts';

// Witness-level tests of EpochBatch(4, 4): every valid batch gives a witness, and every input that
// breaks one rule (re-signed and re-rooted by `reseal`, so that nothing else is wrong) gives none.
const CIRCUIT = 'epoch_test_b4';
const EPOCH1: EpochParams = {
  poolId: 1,
  epoch: 1,
  epochStart: 1_000_000,
  epochEnd: 1_003_600,
  maxTariffMinorPerKwh: 190,
};
const EPOCH2: EpochParams = { ...EPOCH1, epoch: 2, epochStart: 1_003_600, epochEnd: 1_007_200 };

// device 0: 3600 W, so 1 s of elapsed time allows exactly 1 Wh
const devices: TestDevice[] = [
  testDevice(0, 3600),
  testDevice(1),
  testDevice(2, 7000, 'pv'),
  testDevice(3),
  testDevice(4),
];

async function accepts(input: CircuitInput): Promise<void> {
  await calculateWitness(CIRCUIT, input);
}
async function rejects(input: CircuitInput): Promise<void> {
  await expect(calculateWitness(CIRCUIT, input)).rejects.toThrow(/Assert Failed/);
}

/** Pool with devices registered and baselines taken in epoch 1 (except device 4: never reported). */
function baselinePool(): PoolState {
  const state = new PoolState(4);
  for (const d of devices) state.register(d.publicKey, d.ratedPowerW);
  const baselines = new Map(
    [0, 1, 2, 3].map((i) => [
      i,
      reading(devices[i] as TestDevice, {
        seq: 10,
        ts: 1_000_000 + i,
        energyWh: 5000 + i,
        revenueMinor: 700 + i,
      }),
    ]),
  );
  return buildEpochBatches(state, baselines, EPOCH1, 4).state;
}

/** A valid epoch-2 batch over block 0: device 0 (3600 W) with dE = 4000 Wh in 4000 s (its cap), dR = 760 (tariff cap). */
function epoch2Batch(state = baselinePool()) {
  const readings = new Map([
    [
      0,
      reading(devices[0] as TestDevice, {
        seq: 11,
        ts: 1_004_000,
        energyWh: 5000 + 4000,
        revenueMinor: 700 + 760,
      }),
    ],
    [1, reading(devices[1] as TestDevice, { seq: 12, ts: 1_005_000, energyWh: 6001, revenueMinor: 800 })],
    [3, reading(devices[3] as TestDevice, { seq: 11, ts: 1_007_199, energyWh: 5003, revenueMinor: 703 })],
  ]);
  return { state, readings, batch: buildEpochBatch(state.clone(), 0, readings, EPOCH2, 4) };
}

beforeAll(() => {
  requireArtifacts(CIRCUIT);
});

describe('EpochBatch accepts valid batches', () => {
  it('baselines count the device but no energy or revenue', async () => {
    const state = new PoolState(4);
    for (const d of devices) state.register(d.publicKey, d.ratedPowerW);
    const { batches } = buildEpochBatches(
      state,
      new Map([
        [2, reading(devices[2] as TestDevice, { seq: 1, ts: 1_000_500, energyWh: 123, revenueMinor: 45 })],
      ]),
      EPOCH1,
      4,
    );
    expect(batches).toHaveLength(1);
    expect(batches[0]?.totalEnergyWh).toBe(0n);
    expect(batches[0]?.reportingCount).toBe(1);
    await accepts(batches[0]?.input as CircuitInput);
  });

  it('counts exactly the deltas at the physical and tariff caps', async () => {
    const { batch } = epoch2Batch();
    expect(batch.totalEnergyWh).toBe(4000n + 1000n + 0n);
    expect(batch.totalRevenueMinor).toBe(760n + 99n + 0n);
    expect(batch.reportingCount).toBe(3);
    await accepts(batch.input);
  });

  it('reseal reproduces a valid input exactly (the mirror used by the forbidden-input tests)', async () => {
    const { batch } = epoch2Batch();
    const sealed = await reseal(batch.input, new Map([[0, devices[0]?.privateKey as string]]));
    expect(sealed.newRoot).toBe(batch.input.newRoot);
    expect(sealed.totalEnergyWh).toBe(batch.input.totalEnergyWh);
    await accepts(sealed);
  });

  it('a block of the tree with no registered device can be proven inert (all slots disabled)', async () => {
    const state = baselinePool();
    const batch = buildEpochBatch(state.clone(), 3, new Map(), EPOCH2, 4);
    expect(batch.newRoot).toBe(batch.oldRoot);
    await accepts(batch.input);
  });
});

describe('EpochBatch rejects forbidden inputs', () => {
  it('a forged signature', async () => {
    const { batch } = epoch2Batch();
    const input = structuredClone(batch.input);
    setSlot(input, 'S', 0, BigInt((input.S as string[])[0] as string) + 1n);
    await rejects(input);
  });

  it('a reading signed by the key of another device', async () => {
    const { batch } = epoch2Batch();
    await rejects(await reseal(batch.input, new Map([[0, devices[1]?.privateKey as string]])));
  });

  it('the key of another device in the leaf preimage (signed by that device)', async () => {
    const { batch } = epoch2Batch();
    const input = structuredClone(batch.input);
    setSlot(input, 'Ax', 0, devices[4]?.publicKey.Ax as string);
    setSlot(input, 'Ay', 0, devices[4]?.publicKey.Ay as string);
    await rejects(await reseal(input, new Map([[0, devices[4]?.privateKey as string]])));
  });

  it('a sequence number that does not increase', async () => {
    const { batch } = epoch2Batch();
    const input = structuredClone(batch.input);
    setSlot(input, 'seq', 0, 10); // lastSeq is 10
    await rejects(await reseal(input, new Map([[0, devices[0]?.privateKey as string]])));
  });

  it('a timestamp at the epoch end, before the epoch start, and before the previous reading', async () => {
    for (const ts of [EPOCH2.epochEnd, EPOCH2.epochStart - 1, 999_999]) {
      const { batch } = epoch2Batch();
      const input = structuredClone(batch.input);
      setSlot(input, 'ts', 1, ts);
      await rejects(await reseal(input, new Map([[1, devices[1]?.privateKey as string]])));
    }
  });

  it('a leaf already updated inside the epoch (lastTs >= epochStart): no second update', async () => {
    const { state, batch } = epoch2Batch();
    const after = state.clone();
    const first = buildEpochBatch(
      after,
      0,
      new Map([
        [1, reading(devices[1] as TestDevice, { seq: 12, ts: 1_005_000, energyWh: 6001, revenueMinor: 800 })],
      ]),
      EPOCH2,
      4,
    );
    await accepts(first.input);
    // a later reading of the same device in the same epoch, on the updated tree
    const input = structuredClone(first.input);
    for (const [k, v] of Object.entries(buildEpochBatch(after.clone(), 0, new Map(), EPOCH2, 4).input))
      input[k] = structuredClone(v);
    setSlot(input, 'enabled', 1, 1);
    const leaf = after.leaf(1);
    for (const [k, v] of Object.entries({
      Ax: leaf.Ax,
      Ay: leaf.Ay,
      ratedPowerW: leaf.ratedPowerW,
      lastSeq: leaf.lastSeq,
      lastTs: leaf.lastTs,
      lastEnergyWh: leaf.lastEnergyWh,
      lastRevenueMinor: leaf.lastRevenueMinor,
    }))
      setSlot(input, k, 1, v);
    for (const [k, v] of Object.entries(batch.input as Record<string, string[]>))
      if (['deviceIdField', 'kind', 'extras'].includes(k)) setSlot(input, k, 1, v[1] as string);
    setSlot(input, 'seq', 1, 13);
    setSlot(input, 'ts', 1, 1_006_000);
    setSlot(input, 'energyWh', 1, 6002);
    setSlot(input, 'revenueMinor', 1, 800);
    await rejects(await reseal(input, new Map([[1, devices[1]?.privateKey as string]])));
  });

  it('the same batch replayed on the tree it produced', async () => {
    const { state, batch, readings } = epoch2Batch();
    const updated = state.clone();
    buildEpochBatch(updated, 0, readings, EPOCH2, 4);
    const replay = structuredClone(batch.input);
    replay.oldRoot = updated.root.toString();
    replay.siblings = updated.tree.siblings(0, 2).map(String);
    for (let i = 0; i < 4; i++) {
      setSlot(replay, 'oldLeaf', i, updated.tree.leaf(i));
      if (!readings.has(i)) continue;
      const leaf = updated.leaf(i);
      for (const k of ['lastSeq', 'lastTs', 'lastEnergyWh', 'lastRevenueMinor'] as const)
        setSlot(replay, k, i, leaf[k]);
    }
    await rejects(await reseal(replay, new Map()));
    // control: the same edited input with every slot disabled is a valid (inert) batch on that tree
    for (let i = 0; i < 4; i++) setSlot(replay, 'enabled', i, 0);
    await accepts(await reseal(replay, new Map()));
  });

  it('a decreasing energy register and a decreasing revenue register', async () => {
    for (const [field, value] of [
      ['energyWh', 4999],
      ['revenueMinor', 699],
    ] as const) {
      const { batch } = epoch2Batch();
      const input = structuredClone(batch.input);
      setSlot(input, field, 0, value);
      await rejects(await reseal(input, new Map([[0, devices[0]?.privateKey as string]])));
    }
  });

  it('a register delta just over 2^48 and one near the field modulus', async () => {
    for (const value of [5000n + 2n ** 48n, FIELD_MODULUS - 1n, 5000n + FIELD_MODULUS]) {
      const { batch } = epoch2Batch();
      const input = structuredClone(batch.input);
      setSlot(input, 'energyWh', 1, value);
      await rejects(await reseal(input, new Map([[1, devices[1]?.privateKey as string]])));
    }
  });

  it('energy over the physical cap by exactly 1 Wh', async () => {
    const { batch } = epoch2Batch();
    const input = structuredClone(batch.input);
    setSlot(input, 'energyWh', 0, 5000 + 4001); // revenue 760 stays within the tariff cap of 4001 Wh
    await rejects(await reseal(input, new Map([[0, devices[0]?.privateKey as string]])));
  });

  it('revenue over the tariff cap by 1 minor unit', async () => {
    const { batch } = epoch2Batch();
    const input = structuredClone(batch.input);
    setSlot(input, 'revenueMinor', 0, 700 + 761);
    await rejects(await reseal(input, new Map([[0, devices[0]?.privateKey as string]])));
  });

  it('a wrong old root', async () => {
    const { batch } = epoch2Batch();
    const input = structuredClone(batch.input);
    input.oldRoot = (batch.oldRoot + 1n).toString();
    await rejects(input);
  });

  it('a reading signed for another pool', async () => {
    const { batch } = epoch2Batch();
    const input = structuredClone(batch.input);
    input.poolId = '2';
    await rejects(input);
  });

  it('a disabled slot that still changes a total or the root', async () => {
    const { batch } = epoch2Batch();
    // slot 0 disabled but its update kept in the root and its deltas in the totals
    const input = structuredClone(batch.input);
    setSlot(input, 'enabled', 0, 0);
    await rejects(input);
    // slot 0 disabled, root consistent, but its deltas still in the totals
    await rejects(await reseal(input, new Map(), { keepTotals: true }));
    // slot 0 disabled, totals consistent, but the root still updated
    await rejects(await reseal(input, new Map(), { keepNewRoot: true }));
    // disabled slot counted as reporting
    const counted = await reseal(input, new Map());
    await accepts(counted);
    counted.reportingCount = String(Number(counted.reportingCount) + 1);
    await rejects(counted);
  });

  it('an empty slot (leaf 0) cannot be enabled', async () => {
    const { batch } = epoch2Batch();
    const input = structuredClone(batch.input);
    // slot 3 of block 0 holds device 3; use block 1 slot 5 (empty) by taking device 4's preimage there
    const empty = buildEpochBatch(baselinePool(), 1, new Map(), EPOCH2, 4).input;
    for (const [k, v] of Object.entries(empty)) input[k] = structuredClone(v);
    setSlot(input, 'enabled', 1, 1);
    for (const k of [
      'Ax',
      'Ay',
      'ratedPowerW',
      'deviceIdField',
      'kind',
      'seq',
      'ts',
      'energyWh',
      'revenueMinor',
      'extras',
    ]) {
      setSlot(input, k, 1, (batch.input[k] as string[])[1] as string);
    }
    setSlot(input, 'lastSeq', 1, 0);
    setSlot(input, 'lastTs', 1, 0);
    await rejects(await reseal(input, new Map([[1, devices[1]?.privateKey as string]])));
  });

  it('the same device twice in one batch', async () => {
    const { batch } = epoch2Batch();
    const input = structuredClone(batch.input);
    // slot 2 takes every field of slot 1 (same device, same reading) except its own old leaf
    for (const k of SLOT_FIELDS) {
      if (k === 'enabled' || k === 'oldLeaf') continue;
      setSlot(input, k, 2, (input[k] as string[])[1] as string);
    }
    setSlot(input, 'enabled', 2, 1);
    await rejects(await reseal(input, new Map()));
  });

  it('a wrong public total or count', async () => {
    const { batch } = epoch2Batch();
    for (const [field, delta] of [
      ['totalEnergyWh', 1n],
      ['totalEnergyWh', -1n],
      ['totalRevenueMinor', 1n],
      ['reportingCount', 1n],
      ['reportingCount', -1n],
    ] as const) {
      const input = structuredClone(batch.input);
      input[field] = (BigInt(input[field] as string) + delta).toString();
      await rejects(input);
    }
  });

  it('an enabled bit that is not 0 or 1', async () => {
    const { batch } = epoch2Batch();
    const input = structuredClone(batch.input);
    setSlot(input, 'enabled', 0, 2);
    await rejects(await reseal(input, new Map()));
  });
});
