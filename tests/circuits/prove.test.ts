import * as snarkjs from 'snarkjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { terminateCurves } from '../../circuits/build.ts';
import { buildEpochBatches } from '../../circuits/witness/epoch-inputs.ts';
import {
  EPOCH_PUBLIC_SIGNALS,
  REGISTRATION_PUBLIC_SIGNALS,
  requireArtifacts,
} from '../../circuits/proving/instances.ts';
import { PoolState } from '../../circuits/model/pool-state.ts';
import { proveBatch, toSolidityCalldata, verifyBatchProof } from '../../circuits/proving/prove.ts';
import { buildRegistrationBatches } from '../../circuits/witness/registration-inputs.ts';
import type { EpochParams } from '../../circuits/model/rules.ts';
import { reading, testDevice } from './support/fleet.ts';

// Full Groth16 prove + verify with snarkjs on the test instances (development setup).
const devices = [testDevice(200, 60_000), testDevice(201, 7_000, 'pv')];
const EPOCH = (e: number): EpochParams => ({
  poolId: 7,
  epoch: e,
  epochStart: 1_900_000_000 + (e - 1) * 86_400,
  epochEnd: 1_900_000_000 + e * 86_400,
  maxTariffMinorPerKwh: 190,
});

beforeAll(() => {
  requireArtifacts('epoch_test', { proving: true });
  requireArtifacts('registration_test', { proving: true });
});
afterAll(async () => {
  await terminateCurves();
});

describe('Groth16 proofs of the test instances', () => {
  it('registers two devices, proves baseline and revenue epochs, with public signals in SPEC order', async () => {
    const registration = buildRegistrationBatches(
      new PoolState(4),
      7,
      devices.map((d) => ({ publicKey: d.publicKey, ratedPowerW: d.ratedPowerW })),
      2,
    );
    const reg = registration.batches[0];
    if (!reg) throw new Error('no registration batch');
    const regProof = await proveBatch('registration_test', reg.input);
    expect(regProof.publicSignals).toEqual(reg.publicSignals);
    expect(regProof.publicSignals).toEqual(REGISTRATION_PUBLIC_SIGNALS.map((name) => reg.input[name]));
    expect(await verifyBatchProof('registration_test', regProof.proof, regProof.publicSignals)).toBe(true);

    const t0 = 1_900_000_000;
    const first = buildEpochBatches(
      registration.state,
      new Map([
        [
          0,
          reading(devices[0] as never, {
            poolId: 7,
            seq: 1,
            ts: t0 + 100,
            energyWh: 10_000,
            revenueMinor: 500,
          }),
        ],
        [
          1,
          reading(devices[1] as never, {
            poolId: 7,
            seq: 1,
            ts: t0 + 200,
            energyWh: 3_000,
            revenueMinor: 100,
          }),
        ],
      ]),
      EPOCH(1),
      1,
    );
    expect(first.batches).toHaveLength(2);
    const second = buildEpochBatches(
      first.state,
      new Map([
        [
          0,
          reading(devices[0] as never, {
            poolId: 7,
            seq: 2,
            ts: t0 + 86_400 + 3_600,
            energyWh: 10_000 + 120_000,
            revenueMinor: 500 + 22_800,
          }),
        ],
      ]),
      EPOCH(2),
      1,
    );
    expect([second.totalEnergyWh, second.totalRevenueMinor, second.reportingCount]).toEqual([
      120_000n,
      22_800n,
      1,
    ]);
    for (const batch of [...first.batches, ...second.batches]) {
      const { proof, publicSignals } = await proveBatch('epoch_test', batch.input);
      expect(publicSignals).toEqual(batch.publicSignals);
      expect(publicSignals).toEqual(EPOCH_PUBLIC_SIGNALS.map((name) => batch.input[name]));
      expect(await verifyBatchProof('epoch_test', proof, publicSignals)).toBe(true);
    }
    const last = second.batches[0];
    if (!last) throw new Error('no batch');
    const { proof, publicSignals } = await proveBatch('epoch_test', last.input);
    // any public signal changed: the proof no longer verifies
    for (const index of [0, 1, 5, 6, 7, 8, 9]) {
      const tampered = [...publicSignals];
      tampered[index] = (BigInt(tampered[index] as string) + 1n).toString();
      expect(await verifyBatchProof('epoch_test', proof, tampered)).toBe(false);
    }
    // a registration proof is no epoch proof
    expect(await verifyBatchProof('epoch_test', regProof.proof, publicSignals)).toBe(false);
    // calldata as snarkjs exports it for the Solidity verifier
    const calldata = toSolidityCalldata(proof, publicSignals);
    const exported = JSON.parse(
      `[${await snarkjs.groth16.exportSolidityCallData(proof, publicSignals)}]`,
    ) as [string[], string[][], string[], string[]];
    expect(calldata.a).toEqual(exported[0].map(BigInt));
    expect(calldata.b).toEqual(exported[1].map((row) => row.map(BigInt)));
    expect(calldata.c).toEqual(exported[2].map(BigInt));
    expect(calldata.pubSignals).toEqual(exported[3].map(BigInt));
  });
});
