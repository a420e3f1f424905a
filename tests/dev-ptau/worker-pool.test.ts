import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PtauGenerationError } from '../../dev-ptau/errors.ts';
import { FixedBaseMultiplier } from '../../dev-ptau/fixed-base.ts';
import { generateDevPtau } from '../../dev-ptau/generate.ts';
import type { PointJob } from '../../dev-ptau/jobs.ts';
import { DEV_PTAU_SEED } from '../../dev-ptau/seed.ts';
import { PointWorkerPool } from '../../dev-ptau/worker-pool.ts';

const job = (count: number, group: 'G1' | 'G2' = 'G1'): PointJob => ({
  kind: 'lagrange',
  group,
  start: 0,
  count,
  tau: 0xdeadbeefn,
  factor: 7n,
  domainBits: 3,
  dropLast: false,
  withEncodings: true,
});

describe('PointWorkerPool', () => {
  let pool: PointWorkerPool;
  beforeAll(async () => {
    pool = await PointWorkerPool.start(2, { windowBits: { G1: 6, G2: 6 }, maxChunkPoints: 8 });
  });
  afterAll(async () => {
    await pool.close();
  });

  it('returns what the same multiplier computes in this thread', async () => {
    const local = await FixedBaseMultiplier.create({ windowBits: { G1: 9, G2: 9 } });
    for (const group of ['G1', 'G2'] as const) {
      const [fromWorker, fromThread] = [await pool.run(job(8, group)), local.run(job(8, group))];
      expect(Buffer.from(fromWorker.lem)).toEqual(Buffer.from(fromThread.lem));
      expect(Buffer.from(fromWorker.compressed as Uint8Array)).toEqual(
        Buffer.from(fromThread.compressed as Uint8Array),
      );
    }
  });

  it('turns a failing job into a PtauGenerationError and keeps serving the next jobs', async () => {
    await expect(pool.run(job(9))).rejects.toBeInstanceOf(PtauGenerationError);
    await expect(pool.run(job(9))).rejects.toThrow(/exceeds 8/);
    expect((await pool.run(job(2))).lem.byteLength).toBe(2 * 64);
  });
});

describe('generateDevPtau failures', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'dev-ptau-fail-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('rejects with a PtauGenerationError when the output cannot be written, leaving no temporary file', async () => {
    const outputPath = join(directory, 'missing-folder', 'out.ptau');
    await expect(generateDevPtau({ power: 3, outputPath, seed: DEV_PTAU_SEED })).rejects.toBeInstanceOf(
      PtauGenerationError,
    );
    expect(await readdir(directory)).toEqual([]);
  });
});
