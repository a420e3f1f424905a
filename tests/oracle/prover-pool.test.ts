import * as snarkjs from 'snarkjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OracleConfigError, ProvingError } from '../../oracle/errors.ts';
import { createProverPool, type ProverProgress } from '../../oracle/prover-pool.ts';
import { buildSquareCircuit, type SquareCircuit } from './support/square-circuit.ts';

let circuit: SquareCircuit;
beforeAll(async () => {
  circuit = await buildSquareCircuit();
});
afterAll(async () => {
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
});

const job = (x: bigint, label = `x=${x}`) => ({
  label,
  input: { x, y: x * x },
  wasmPath: circuit.wasmPath,
  zkeyPath: circuit.zkeyPath,
});

describe('createProverPool', () => {
  it('proves in worker threads, in parallel up to the limit, with verifiable proofs in job order', async () => {
    const progress: ProverProgress[] = [];
    const pool = createProverPool({ concurrency: 2, onProgress: (p) => progress.push(p) });
    try {
      const results = await pool.proveAll([3n, 4n, 5n, 6n].map((x) => job(x)));
      expect(results.map((r) => r.publicSignals)).toEqual([['9'], ['16'], ['25'], ['36']]);
      for (const result of results) {
        expect(await snarkjs.groth16.verify(circuit.vkey, result.publicSignals, result.proof)).toBe(true);
      }
      const maxRunning = Math.max(...progress.filter((p) => p.type === 'started').map((p) => p.running));
      expect(maxRunning).toBe(2);
      expect(progress.filter((p) => p.type === 'finished')).toHaveLength(4);
      expect(progress.some((p) => p.type === 'stage' && p.stage === 'witness')).toBe(true);
      expect(pool.peakRssBytes()).toBeGreaterThan(10 * 1024 * 1024);
    } finally {
      await pool.close();
    }
  });

  it('rejects a job whose inputs break the circuit with ProvingError, and keeps serving', async () => {
    const pool = createProverPool({ concurrency: 1 });
    try {
      const bad = await pool.prove({ ...job(3n), input: { x: 3n, y: 10n } }).catch((e) => e);
      expect(bad).toBeInstanceOf(ProvingError);
      expect(bad.message).toMatch(/x=3/);
      const good = await pool.prove(job(7n));
      expect(good.publicSignals).toEqual(['49']);
    } finally {
      await pool.close();
    }
  });

  it('refuses work after close and an invalid concurrency', async () => {
    const pool = createProverPool();
    await pool.close();
    await expect(pool.prove(job(2n))).rejects.toThrow(ProvingError);
    expect(() => createProverPool({ concurrency: 0 })).toThrow(OracleConfigError);
  });
});
