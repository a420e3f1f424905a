/**
 * Arithmetic in the BN254 scalar field F_p (the base field of Baby Jubjub and the field of the circuits),
 * on native `bigint`. Hot paths inline `% FIELD_MODULUS` themselves and may carry values in (-p, p);
 * {@link mod} brings any integer back to the canonical range [0, p).
 */

/** p, the BN254 scalar field modulus. */
export const FIELD_MODULUS = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/** Canonical representative of `a` in [0, p). */
export function mod(a: bigint): bigint {
  const r = a % FIELD_MODULUS;
  return r < 0n ? r + FIELD_MODULUS : r;
}

/** Multiplicative inverse of `a` modulo `m` (extended Euclid); throws on a non-invertible input. */
export function invert(a: bigint, m: bigint = FIELD_MODULUS): bigint {
  let r0 = m;
  let r1 = a % m;
  if (r1 < 0n) r1 += m;
  let t0 = 0n;
  let t1 = 1n;
  while (r1 !== 0n) {
    const q = r0 / r1;
    const r2 = r0 - q * r1;
    r0 = r1;
    r1 = r2;
    const t2 = t0 - q * t1;
    t0 = t1;
    t1 = t2;
  }
  if (r0 !== 1n) throw new RangeError('value is not invertible');
  return t0 < 0n ? t0 + m : t0;
}

const CANONICAL_DECIMAL = /^(0|[1-9][0-9]{0,76})$/;

/**
 * Parses a canonical decimal string (no sign, no leading zeros, at most 77 digits) into a bigint,
 * or returns undefined. Range checks are left to the caller.
 */
export function parseDecimal(text: string): bigint | undefined {
  if (!CANONICAL_DECIMAL.test(text)) return undefined;
  return BigInt(text);
}
