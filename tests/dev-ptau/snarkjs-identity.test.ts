import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as snarkjs from 'snarkjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDevPtau } from '../../dev-ptau/generate.ts';
import { DEV_PTAU_SEED } from '../../dev-ptau/seed.ts';

/**
 * The generated files must be exactly what snarkjs itself writes from the same seed:
 * `powersoftau new` + `powersoftau beacon` (unprepared) and then `powersoftau prepare phase2`.
 */
describe('development ptau is byte-identical to snarkjs', () => {
  let directory: string;
  let curve: Awaited<ReturnType<typeof snarkjs.curves.getCurveFromName>>;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'dev-ptau-identity-'));
    curve = await snarkjs.curves.getCurveFromName('bn128');
  });

  afterAll(async () => {
    await curve?.terminate();
    await rm(directory, { recursive: true, force: true });
  });

  for (const power of [8, 9, 10, 11]) {
    it(`2^${power}: unprepared equals new + beacon, prepared equals prepare phase2`, async () => {
      const mine = join(directory, `mine_${power}.ptau`);
      const mineUnprepared = join(directory, `mine_${power}_phase1.ptau`);
      await generateDevPtau({ power, outputPath: mine, unpreparedPath: mineUnprepared, seed: DEV_PTAU_SEED });

      const fresh = join(directory, `snarkjs_${power}_0000.ptau`);
      const beacon = join(directory, `snarkjs_${power}_beacon.ptau`);
      const prepared = join(directory, `snarkjs_${power}_final.ptau`);
      await snarkjs.powersOfTau.newAccumulator(curve, power, fresh);
      const { beaconHashHex, numIterationsExp, contributionName } = DEV_PTAU_SEED;
      await snarkjs.powersOfTau.beacon(fresh, beacon, contributionName, beaconHashHex, numIterationsExp);
      expect(Buffer.compare(await readFile(mineUnprepared), await readFile(beacon))).toBe(0);

      // snarkjs prepares the file we wrote: same input, so the outputs must match byte for byte
      await snarkjs.powersOfTau.preparePhase2(mineUnprepared, prepared);
      const [ours, theirs] = [await readFile(mine), await readFile(prepared)];
      expect(ours.byteLength).toBe(theirs.byteLength);
      expect(Buffer.compare(ours, theirs)).toBe(0);
    }, 600_000);
  }

  it('a different seed gives a different file (the seed is really used)', async () => {
    const a = join(directory, 'seed_a.ptau');
    const b = join(directory, 'seed_b.ptau');
    await generateDevPtau({ power: 3, outputPath: a, seed: DEV_PTAU_SEED });
    await generateDevPtau({
      power: 3,
      outputPath: b,
      seed: { ...DEV_PTAU_SEED, beaconHashHex: '00'.repeat(32) },
    });
    expect(Buffer.compare(await readFile(a), await readFile(b))).not.toBe(0);
  }, 120_000);
});
