/** A Groth16 proof as snarkjs returns it (`groth16.prove` / `fullProve`): decimal strings, projective points. */
export interface SnarkjsGroth16Proof {
  pi_a: readonly string[];
  pi_b: readonly (readonly string[])[];
  pi_c: readonly string[];
}

/** The `Groth16Proof` struct of `IAttestationRegistry` (EVM point encoding). */
export interface Groth16ProofArgs {
  a: readonly [bigint, bigint];
  b: readonly [readonly [bigint, bigint], readonly [bigint, bigint]];
  c: readonly [bigint, bigint];
}

function at<T>(values: readonly T[] | undefined, index: number): T {
  const value = values?.[index];
  if (value === undefined) throw new TypeError(`snarkjs proof is missing coordinate ${index}`);
  return value;
}

/**
 * Converts a snarkjs Groth16 proof to the contracts' `Groth16Proof` struct. The G2 point's coordinates are
 * swapped (c1, c0), as snarkjs's `exportSolidityCallData` and the EVM pairing precompile expect.
 *
 * @example
 * const { proof, publicSignals } = await snarkjs.groth16.fullProve(input, wasmPath, zkeyPath);
 * await writeAndWait(clients, { address, abi, functionName: 'submitBatch',
 *   args: [poolId, epoch, toGroth16ProofArgs(proof), publicSignals.map((s) => BigInt(s))] });
 */
export function toGroth16ProofArgs(proof: SnarkjsGroth16Proof): Groth16ProofArgs {
  const b0 = at(proof.pi_b, 0);
  const b1 = at(proof.pi_b, 1);
  return {
    a: [BigInt(at(proof.pi_a, 0)), BigInt(at(proof.pi_a, 1))],
    b: [
      [BigInt(at(b0, 1)), BigInt(at(b0, 0))],
      [BigInt(at(b1, 1)), BigInt(at(b1, 0))],
    ],
    c: [BigInt(at(proof.pi_c, 0)), BigInt(at(proof.pi_c, 1))],
  };
}
