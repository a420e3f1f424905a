import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildEpochBatch } from '../../circuits/witness/epoch-inputs.ts';
import { requireArtifacts } from '../../circuits/proving/instances.ts';
import { PoolState } from '../../circuits/model/pool-state.ts';
import { calculateWitness } from '../../circuits/witness/witness.ts';
import type { PublicKey, Reading, Signature, SignedReading } from '../../protocol/index.ts';

// The protocol's checked-in test vectors verify inside the epoch circuit (EpochBatch(1, 4)): each
// vector reading is the baseline of its key in a pool of that key alone, in an epoch around its ts.
const CIRCUIT = 'epoch_test';
const vectors = JSON.parse(
  readFileSync(new URL('../../protocol/test-vectors.json', import.meta.url), 'utf8'),
) as {
  keys: Array<{ index: number; publicKey: PublicKey; ratedPowerW: number }>;
  readings: Array<{ name: string; key: number; reading: Reading; signature: Signature }>;
};

function baselineBatch(v: (typeof vectors.readings)[number], tamper = false) {
  const key = vectors.keys.find((k) => k.index === v.key);
  if (!key) throw new Error(`vector ${v.name} names unknown key ${v.key}`);
  const state = new PoolState(4);
  state.register(key.publicKey, key.ratedPowerW);
  const signed = { ...v.reading, sig: v.signature } as SignedReading;
  const params = {
    poolId: v.reading.poolId,
    epoch: 1,
    epochStart: v.reading.ts,
    epochEnd: v.reading.ts + 1,
    maxTariffMinorPerKwh: 190,
  };
  const batch = buildEpochBatch(state, 0, new Map([[0, signed]]), params, 1);
  if (tamper) (batch.input.seq as string[])[0] = String(v.reading.seq + 1);
  return batch;
}

beforeAll(() => {
  requireArtifacts(CIRCUIT);
});

describe('protocol test vectors inside the circuit', () => {
  it('has vectors of both kinds and edge values', () => {
    expect(vectors.readings.length).toBeGreaterThanOrEqual(6);
    expect(new Set(vectors.readings.map((v) => v.reading.kind))).toEqual(new Set(['ev', 'pv']));
  });

  for (const v of vectors.readings) {
    it(`${v.name}: the signature verifies in-circuit, and not for a changed seq`, async () => {
      await calculateWitness(CIRCUIT, baselineBatch(v).input);
      await expect(calculateWitness(CIRCUIT, baselineBatch(v, true).input)).rejects.toThrow(/Assert Failed/);
    });
  }
});
