import { describe, expect, it } from 'vitest';
import { buildCircuits, compileKey, requiredPtauPower, terminateCurves } from '../../circuits/build.ts';
import { buildEpochBatch, buildEpochBatches, EpochInputError } from '../../circuits/witness/epoch-inputs.ts';
import {
  CircuitInstanceError,
  getInstance,
  loadInstances,
  requireArtifacts,
} from '../../circuits/proving/instances.ts';
import { PoolState } from '../../circuits/model/pool-state.ts';
import { buildRegistrationBatch, RegistrationInputError } from '../../circuits/witness/registration-inputs.ts';
import { TransitionRuleError } from '../../circuits/model/rules.ts';
import { reading, testDevice } from './support/fleet.ts';

const params = { poolId: 1, epoch: 1, epochStart: 1000, epochEnd: 2000, maxTariffMinorPerKwh: 190 };

describe('batch input builders refuse what the circuits cannot prove', () => {
  it('a batch size that is not a power of two below 2^D, a block outside the tree', () => {
    const state = new PoolState(4);
    expect(() => buildEpochBatches(state, new Map(), params, 3)).toThrow(EpochInputError);
    expect(() => buildEpochBatches(state, new Map(), params, 16)).toThrow(EpochInputError);
    expect(() => buildEpochBatch(state, 4, new Map(), params, 4)).toThrow(EpochInputError);
  });

  it('a reading for a slot without a registered device', () => {
    const device = testDevice(300);
    const state = new PoolState(4);
    expect(() =>
      buildEpochBatches(
        state,
        new Map([[0, reading(device, { seq: 1, ts: 1500, energyWh: 0, revenueMinor: 0 })]]),
        params,
        1,
      ),
    ).toThrow(EpochInputError);
  });

  it('a reading that breaks a rule throws, or is skipped and reported with skipInvalid', () => {
    const device = testDevice(301);
    const state = new PoolState(4);
    state.register(device.publicKey, device.ratedPowerW);
    const late = new Map([[0, reading(device, { seq: 1, ts: 2000, energyWh: 0, revenueMinor: 0 })]]);
    expect(() => buildEpochBatches(state, late, params, 1)).toThrow(TransitionRuleError);
    const result = buildEpochBatches(state, late, params, 1, { skipInvalid: true });
    expect(result.batches).toHaveLength(0);
    expect(result.skipped.map((e) => e.rule)).toEqual(['TIMESTAMP_OUTSIDE_EPOCH']);
    expect(result.state.root).toBe(state.root);
  });

  it('more registrations than a proof holds', () => {
    const devices = [1, 2, 3].map((i) => ({ publicKey: testDevice(310 + i).publicKey, ratedPowerW: 1000 }));
    expect(() => buildRegistrationBatch(new PoolState(4), 1, devices, 2)).toThrow(RegistrationInputError);
  });
});

describe('instances and build cache', () => {
  it('every instance declares its public signals in the SPEC order; unknown names are refused', () => {
    const instances = loadInstances();
    expect(Object.keys(instances)).toEqual(
      expect.arrayContaining(['epoch_test', 'registration_test', 'epoch_demo', 'epoch_b64_d20']),
    );
    expect(() => getInstance('nope')).toThrow(CircuitInstanceError);
    expect(() => requireArtifacts('epoch_b64_d20_not_built', {})).toThrow(CircuitInstanceError);
  });

  it('the test instance fits a 2^13 ptau; the compile key depends on the parameters', () => {
    expect(requiredPtauPower(8081, 10)).toBe(13);
    expect(requiredPtauPower(8182, 10)).toBe(14);
    const epoch = getInstance('epoch_test');
    expect(compileKey(epoch)).not.toBe(compileKey({ ...epoch, params: [2, 4] }));
  });

  it('a rebuild with an unchanged key is skipped', async () => {
    requireArtifacts('epoch_test_b4');
    const [result] = await buildCircuits({ instances: ['epoch_test_b4'], compileOnly: true, log: () => {} });
    expect(result?.compiled).toBe('cached');
    expect(result?.constraints).toBe(26_183);
    await terminateCurves();
  });
});
