import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as snarkjs from 'snarkjs';

/** Artifacts of the prover-pool test circuit. */
export interface SquareCircuit {
  wasmPath: string;
  zkeyPath: string;
  vkey: unknown;
}

/**
 * Builds (once, cached in `build/oracle-test/square/`) a 200-constraint test circuit with a 2^8 development
 * setup (NOT FOR PRODUCTION), for the prover-pool tests; the epoch tests use the circuits' own instances.
 */
export async function buildSquareCircuit(): Promise<SquareCircuit> {
  const dir = join('build', 'oracle-test', 'square');
  const wasmPath = join(dir, 'square_js', 'square.wasm');
  const zkeyPath = join(dir, 'square.zkey');
  if (!existsSync(zkeyPath)) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    execFileSync(
      process.execPath,
      [
        join('node_modules', 'circom2', 'cli.js'),
        'tests/oracle/fixtures/square.circom',
        '--r1cs',
        '--wasm',
        '-o',
        dir,
      ],
      { stdio: 'pipe' },
    );
    const curve = await snarkjs.curves.getCurveFromName('bn128');
    const ptau0 = join(dir, 'pot0.ptau');
    const ptau1 = join(dir, 'pot1.ptau');
    const ptau = join(dir, 'pot.ptau');
    await snarkjs.powersOfTau.newAccumulator(curve, 8, ptau0, undefined);
    await snarkjs.powersOfTau.beacon(ptau0, ptau1, 'test', '0102030405060708', 10, undefined);
    await snarkjs.powersOfTau.preparePhase2(ptau1, ptau, undefined);
    await snarkjs.zKey.newZKey(join(dir, 'square.r1cs'), ptau, `${zkeyPath}.tmp`, undefined);
    const { renameSync } = await import('node:fs');
    renameSync(`${zkeyPath}.tmp`, zkeyPath);
  }
  const vkey = await snarkjs.zKey.exportVerificationKey(zkeyPath);
  return { wasmPath, zkeyPath, vkey };
}
