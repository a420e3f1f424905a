import * as snarkjs from 'snarkjs';
import type { CircuitInput } from './epoch-inputs.ts';
import { requireArtifacts } from '../proving/instances.ts';

/**
 * Computes the witness of instance `name` for `input` with the compiled wasm (circom's
 * constraint-checking witness generator); rejects when any constraint of the circuit fails.
 *
 * @example
 * await calculateWitness('epoch_test', batch.input); // throws for a forbidden input
 */
export async function calculateWitness(name: string, input: CircuitInput): Promise<void> {
  const { wasm } = requireArtifacts(name);
  const output = { type: 'mem' as const };
  await snarkjs.wtns.calculate(input, wasm, output);
}
