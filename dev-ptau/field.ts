/**
 * The radix-2 domains of the BN254 scalar field Fr (the field itself is protocol/crypto/field.ts): the
 * scalars of the development powers of tau (tau^i, alpha * tau^i, Lagrange-basis values L_i(tau)) are
 * computed with these before the fixed-base scalar multiplications in the worker threads.
 */
import { FIELD_MODULUS, invert, mulMod, powMod } from '../protocol/crypto/field.ts';

/** Largest k with 2^k dividing r - 1: the largest radix-2 domain of Fr. */
export const FR_TWO_ADICITY = 28;

/**
 * Inverts every element of `values` in place with Montgomery's trick (one inversion, 3(n-1)
 * multiplications). No element may be zero.
 */
export function frBatchInvert(values: bigint[]): void {
  const count = values.length;
  if (count === 0) return;
  const prefix: bigint[] = new Array(count);
  let accumulated = 1n;
  for (let i = 0; i < count; i++) {
    prefix[i] = accumulated;
    accumulated = (accumulated * (values[i] as bigint)) % FIELD_MODULUS;
  }
  let inverse = invert(accumulated);
  for (let i = count - 1; i >= 0; i--) {
    const value = values[i] as bigint;
    values[i] = (inverse * (prefix[i] as bigint)) % FIELD_MODULUS;
    inverse = (inverse * value) % FIELD_MODULUS;
  }
}

/** Smallest quadratic non-residue of Fr counted from 2 (ffjavascript's `nqr`, which is 5 for BN254). */
function findNonResidue(): bigint {
  const legendreExponent = (FIELD_MODULUS - 1n) / 2n;
  let candidate = 2n;
  while (powMod(candidate, legendreExponent) !== FIELD_MODULUS - 1n) candidate += 1n;
  return candidate;
}

const rootsOfUnity: bigint[] = (() => {
  const roots: bigint[] = new Array(FR_TWO_ADICITY + 1);
  const oddPart = (FIELD_MODULUS - 1n) >> BigInt(FR_TWO_ADICITY);
  roots[FR_TWO_ADICITY] = powMod(findNonResidue(), oddPart);
  for (let bits = FR_TWO_ADICITY - 1; bits >= 0; bits--) {
    const next = roots[bits + 1] as bigint;
    roots[bits] = mulMod(next, next);
  }
  return roots;
})();

/**
 * Generator of the radix-2 domain of size 2^bits, the same root ffjavascript's FFTs use
 * (`Fr.w[bits]`: nqr^((r-1)/2^28) squared 28 - bits times).
 */
export function frRootOfUnity(bits: number): bigint {
  const root = rootsOfUnity[bits];
  if (root === undefined)
    throw new RangeError(`no radix-2 domain of size 2^${bits} in Fr (max 2^${FR_TWO_ADICITY})`);
  return root;
}
