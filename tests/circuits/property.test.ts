import { beforeAll, describe, expect, it } from 'vitest';
import { buildEpochBatches, type CircuitInput } from '../../circuits/witness/epoch-inputs.ts';
import { requireArtifacts } from '../../circuits/proving/instances.ts';
import { leafHash } from '../../circuits/model/leaf.ts';
import { PoolState } from '../../circuits/model/pool-state.ts';
import type { EpochParams } from '../../circuits/model/rules.ts';
import { StateTree } from '../../circuits/model/state-tree.ts';
import { calculateWitness } from '../../circuits/witness/witness.ts';
import type { SignedReading } from '../../protocol/index.ts';
import { reading, seededRandom, type TestDevice, testDevice } from './support/fleet.ts';

// Property test: random fleets and epochs (seeded). The batch builder's totals must equal an
// independent tally of the generated deltas, the circuit must accept every batch with exactly those
// public values, and reject the same batch with any total changed by one.
const CIRCUIT = 'epoch_test_b4';
const EPOCH_LENGTH_S = 3600;
const GENESIS_TS = 1_800_000_000;
const TARIFF = 190;

interface Tracked {
  seq: number;
  ts: number;
  energyWh: number;
  revenueMinor: number;
}

beforeAll(() => {
  requireArtifacts(CIRCUIT);
});

describe('epoch circuit against the reference model on random fleets', () => {
  for (const seed of [11, 22, 33]) {
    it(`seed ${seed}`, async () => {
      const random = seededRandom(seed);
      const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
      const fleetSize = int(5, 16);
      const fleet: TestDevice[] = Array.from({ length: fleetSize }, (_, i) =>
        testDevice(seed * 100 + i, int(1, 200) * 1000, random() < 0.5 ? 'ev' : 'pv'),
      );
      let state = new PoolState(4);
      for (const d of fleet) state.register(d.publicKey, d.ratedPowerW);
      const last: Array<Tracked | undefined> = fleet.map(() => undefined);
      for (let epoch = 1; epoch <= 3; epoch++) {
        const params: EpochParams = {
          poolId: 1,
          epoch,
          epochStart: GENESIS_TS + (epoch - 1) * EPOCH_LENGTH_S,
          epochEnd: GENESIS_TS + epoch * EPOCH_LENGTH_S,
          maxTariffMinorPerKwh: TARIFF,
        };
        const readings = new Map<number, SignedReading>();
        let expectedEnergyWh = 0n;
        let expectedRevenueMinor = 0n;
        let expectedCount = 0;
        const expectedInvalid: number[] = [];
        fleet.forEach((device, slot) => {
          if (random() < 0.3) return; // does not report this epoch
          const prev = last[slot];
          const ts = int(params.epochStart, params.epochEnd - 1);
          const seq = (prev?.seq ?? 0) + int(1, 5);
          const capWh = prev ? Math.floor((device.ratedPowerW * (ts - prev.ts)) / 3600) : 0;
          const dE = prev ? int(0, capWh) : 0;
          const dR = prev ? int(0, Math.floor((dE * TARIFF) / 1000)) : 0;
          const base = prev ?? { energyWh: int(0, 1e9), revenueMinor: int(0, 1e8) };
          let energyWh = base.energyWh + dE;
          let revenueMinor = base.revenueMinor + dR;
          const broken = prev !== undefined && random() < 0.15;
          if (broken) {
            // one Wh over the physical cap, or a register going backwards
            if (random() < 0.5) energyWh = base.energyWh + capWh + 1;
            else revenueMinor = base.revenueMinor - 1;
            expectedInvalid.push(slot);
          }
          readings.set(slot, reading(device, { seq, ts, energyWh, revenueMinor }));
          if (broken) return;
          last[slot] = { seq, ts, energyWh, revenueMinor };
          expectedEnergyWh += BigInt(dE);
          expectedRevenueMinor += BigInt(dR);
          expectedCount += 1;
        });
        const result = buildEpochBatches(state, readings, params, 4, { skipInvalid: true });
        expect(result.skipped.map((e) => e.slot)).toEqual(expectedInvalid);
        expect([result.totalEnergyWh, result.totalRevenueMinor, result.reportingCount]).toEqual([
          expectedEnergyWh,
          expectedRevenueMinor,
          expectedCount,
        ]);
        // batches chain, and the final root is the root of the final leaves
        let root = state.root;
        for (const batch of result.batches) {
          expect(batch.oldRoot).toBe(root);
          root = batch.newRoot;
          await calculateWitness(CIRCUIT, batch.input);
        }
        const dense = new StateTree(4);
        dense.setMany(result.state.leaves().map((leaf, slot) => [slot, leafHash(leaf)] as const));
        expect(root).toBe(dense.root);
        // any total off by one is refused
        const probe = result.batches[int(0, result.batches.length - 1)];
        if (probe) {
          const field =
            (['totalEnergyWh', 'totalRevenueMinor', 'reportingCount'] as const)[int(0, 2)] ?? 'totalEnergyWh';
          const input: CircuitInput = structuredClone(probe.input);
          input[field] = (BigInt(input[field] as string) + 1n).toString();
          await expect(calculateWitness(CIRCUIT, input)).rejects.toThrow(/Assert Failed/);
        }
        state = result.state;
      }
    });
  }
});
