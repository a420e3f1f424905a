import * as snarkjs from 'snarkjs';
import type { CircuitInput } from '../witness/epoch-inputs.ts';
import { loadVerificationKey, requireArtifacts } from './instances.ts';

/** A Groth16 proof as snarkjs returns it. */
export interface Groth16Proof {
  pi_a: string[];
  pi_b: string[][];
  pi_c: string[];
  protocol: string;
  curve: string;
}

/** A proof with its public signals (decimal strings, SPEC order). */
export interface BatchProof {
  readonly proof: Groth16Proof;
  readonly publicSignals: string[];
}

/**
 * Proves one batch (epoch or registration) with instance `name`'s wasm and final zkey
 * (snarkjs `groth16.fullProve`: witness, then proof).
 *
 * @example
 * const { proof, publicSignals } = await proveBatch('epoch_test', batch.input);
 */
export async function proveBatch(name: string, input: CircuitInput): Promise<BatchProof> {
  const { wasm, zkey } = requireArtifacts(name, { proving: true });
  const { proof, publicSignals } = await snarkjs.groth16.fullProve(input, wasm, zkey);
  return { proof, publicSignals };
}

/**
 * Verifies a batch proof against instance `name`'s verification key (off-chain, as an auditor would).
 *
 * @example
 * const ok = await verifyBatchProof('epoch_test', proof, publicSignals);
 */
export async function verifyBatchProof(
  name: string,
  proof: Groth16Proof,
  publicSignals: readonly string[],
): Promise<boolean> {
  return snarkjs.groth16.verify(loadVerificationKey(name), [...publicSignals], proof);
}

/** Arguments of the generated `verifyProof(uint[2] a, uint[2][2] b, uint[2] c, uint[N] pubSignals)`. */
export interface SolidityCalldata {
  readonly a: readonly [bigint, bigint];
  readonly b: readonly [readonly [bigint, bigint], readonly [bigint, bigint]];
  readonly c: readonly [bigint, bigint];
  readonly pubSignals: readonly bigint[];
}

/**
 * Converts a snarkjs proof to the Solidity verifier's arguments: the G2 coordinates are swapped to
 * (c1, c0) as the EVM pairing precompile expects (same as snarkjs `exportSolidityCallData`).
 *
 * @example
 * const { a, b, c, pubSignals } = toSolidityCalldata(proof, publicSignals);
 */
export function toSolidityCalldata(proof: Groth16Proof, publicSignals: readonly string[]): SolidityCalldata {
  const g = (values: readonly string[] | undefined, i: number): bigint => {
    const v = values?.[i];
    if (v === undefined) throw new TypeError(`proof is missing coordinate ${i}`);
    return BigInt(v);
  };
  return {
    a: [g(proof.pi_a, 0), g(proof.pi_a, 1)],
    b: [
      [g(proof.pi_b[0], 1), g(proof.pi_b[0], 0)],
      [g(proof.pi_b[1], 1), g(proof.pi_b[1], 0)],
    ],
    c: [g(proof.pi_c, 0), g(proof.pi_c, 1)],
    pubSignals: publicSignals.map((s) => BigInt(s)),
  };
}
