/**
 * Arithmetic in the BN254 scalar field Fr with plain bigints: the scalars of the development
 * powers of tau (tau^i, alpha * tau^i, Lagrange-basis values L_i(tau)) are computed here before the
 * fixed-base scalar multiplications in the worker threads.
 */

/** Order r of the BN254 groups G1 and G2 (the scalar field modulus). */
export const FR_MODULUS = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/** Largest k with 2^k dividing r - 1: the largest radix-2 domain of Fr. */
export const FR_TWO_ADICITY = 28;

/** Reduces `value` into [0, r). */
export function frReduce(value: bigint): bigint {
  const reduced = value % FR_MODULUS;
  return reduced < 0n ? reduced + FR_MODULUS : reduced;
}

/** `a * b mod r`. */
export function frMul(a: bigint, b: bigint): bigint {
  return (a * b) % FR_MODULUS;
}

/** `base ^ exponent mod r` by square-and-multiply (exponent >= 0). */
export function frPow(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let square = frReduce(base);
  let rest = exponent;
  while (rest > 0n) {
    if (rest & 1n) result = (result * square) % FR_MODULUS;
    square = (square * square) % FR_MODULUS;
    rest >>= 1n;
  }
  return result;
}

/** Multiplicative inverse mod r (Fermat); the caller guarantees `value != 0`. */
export function frInv(value: bigint): bigint {
  return frPow(value, FR_MODULUS - 2n);
}

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
    accumulated = (accumulated * (values[i] as bigint)) % FR_MODULUS;
  }
  let inverse = frInv(accumulated);
  for (let i = count - 1; i >= 0; i--) {
    const value = values[i] as bigint;
    values[i] = (inverse * (prefix[i] as bigint)) % FR_MODULUS;
    inverse = (inverse * value) % FR_MODULUS;
  }
}

/** Smallest quadratic non-residue of Fr counted from 2 (ffjavascript's `nqr`, which is 5 for BN254). */
function findNonResidue(): bigint {
  const legendreExponent = (FR_MODULUS - 1n) / 2n;
  let candidate = 2n;
  while (frPow(candidate, legendreExponent) !== FR_MODULUS - 1n) candidate += 1n;
  return candidate;
}

const rootsOfUnity: bigint[] = (() => {
  const roots: bigint[] = new Array(FR_TWO_ADICITY + 1);
  const oddPart = (FR_MODULUS - 1n) >> BigInt(FR_TWO_ADICITY);
  roots[FR_TWO_ADICITY] = frPow(findNonResidue(), oddPart);
  for (let bits = FR_TWO_ADICITY - 1; bits >= 0; bits--) {
    const next = roots[bits + 1] as bigint;
    roots[bits] = frMul(next, next);
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
