import { describe, expect, it } from 'vitest';
import { freshLeafState, type LeafState } from '../../circuits/model/leaf.ts';
import { applyClosingReading, type EpochParams, TransitionRuleError } from '../../circuits/model/rules.ts';
import { reading, testDevice } from './support/fleet.ts';

const device = testDevice(50, 3600);
const params: EpochParams = {
  poolId: 1,
  epoch: 2,
  epochStart: 10_000,
  epochEnd: 20_000,
  maxTariffMinorPerKwh: 190,
};
const after: LeafState = {
  ...freshLeafState(device.publicKey, 3600),
  lastSeq: 5n,
  lastTs: 9_000n,
  lastEnergyWh: 100n,
  lastRevenueMinor: 10n,
};

function rule(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(TransitionRuleError);
    return (error as TransitionRuleError).rule;
  }
}

describe('reference model of the epoch transition', () => {
  it('a first reading is a baseline: counted, nothing summed, registers taken', () => {
    const r = reading(device, { seq: 1, ts: 15_000, energyWh: 777, revenueMinor: 66 });
    const t = applyClosingReading(freshLeafState(device.publicKey, 3600), r, params);
    expect(t).toMatchObject({ baseline: true, countedEnergyWh: 0n, countedRevenueMinor: 0n });
    expect(t.leaf.lastEnergyWh).toBe(777n);
  });

  it('counts the deltas up to both caps inclusive', () => {
    // 3600 W over 1000 s = 1000 Wh; 1000 Wh at 190/kWh = 190
    const r = reading(device, { seq: 6, ts: 10_000, energyWh: 1100, revenueMinor: 200 });
    const t = applyClosingReading(after, r, params);
    expect([t.countedEnergyWh, t.countedRevenueMinor]).toEqual([1000n, 190n]);
  });

  it('names every broken rule', () => {
    const ok = { seq: 6, ts: 10_000, energyWh: 1100, revenueMinor: 200 };
    expect(rule(() => applyClosingReading(after, { ...reading(device, ok), energyWh: 1099 }, params))).toBe(
      'SIGNATURE_INVALID',
    );
    expect(rule(() => applyClosingReading(after, reading(device, ok, testDevice(51)), params))).toBe(
      'SIGNATURE_INVALID',
    );
    expect(rule(() => applyClosingReading(after, reading(device, { ...ok, poolId: 2 }), params))).toBe(
      'POOL_MISMATCH',
    );
    expect(rule(() => applyClosingReading(after, reading(device, { ...ok, seq: 5 }), params))).toBe(
      'SEQUENCE_NOT_INCREASING',
    );
    expect(rule(() => applyClosingReading(after, reading(device, { ...ok, ts: 20_000 }), params))).toBe(
      'TIMESTAMP_OUTSIDE_EPOCH',
    );
    expect(rule(() => applyClosingReading(after, reading(device, { ...ok, ts: 9_999 }), params))).toBe(
      'TIMESTAMP_OUTSIDE_EPOCH',
    );
    expect(
      rule(() =>
        applyClosingReading({ ...after, lastTs: 10_000n }, reading(device, { ...ok, ts: 12_000 }), params),
      ),
    ).toBe('LAST_TIMESTAMP_NOT_BEFORE_EPOCH');
    expect(rule(() => applyClosingReading(after, reading(device, { ...ok, energyWh: 99 }), params))).toBe(
      'REGISTER_DECREASED',
    );
    expect(rule(() => applyClosingReading(after, reading(device, { ...ok, revenueMinor: 9 }), params))).toBe(
      'REGISTER_DECREASED',
    );
    expect(rule(() => applyClosingReading(after, reading(device, { ...ok, energyWh: 1101 }), params))).toBe(
      'ENERGY_IMPLAUSIBLE',
    );
    expect(
      rule(() => applyClosingReading(after, reading(device, { ...ok, revenueMinor: 201 }), params)),
    ).toBe('REVENUE_IMPLAUSIBLE');
    expect(
      rule(() =>
        applyClosingReading(after, { ...reading(device, ok), energyWh: 2 ** 48 }, params, {
          checkSignature: false,
        }),
      ),
    ).toBe('FIELD_OUT_OF_RANGE');
  });
});
