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

/** `a * b mod p` for `a`, `b` in [0, p). */
export function mulMod(a: bigint, b: bigint): bigint {
  return (a * b) % FIELD_MODULUS;
}

/** `base ^ exponent mod p` by square-and-multiply (exponent >= 0). */
export function powMod(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % FIELD_MODULUS;
    b = (b * b) % FIELD_MODULUS;
    e >>= 1n;
  }
  return result;
}

/** A square root of `a` mod p (Tonelli-Shanks), or undefined when `a` is not a square. */
export function sqrt(a: bigint): bigint | undefined {
  const n = mod(a);
  if (n === 0n) return 0n;
  const P = FIELD_MODULUS;
  if (powMod(n, (P - 1n) / 2n) !== 1n) return undefined;
  let q = P - 1n;
  let s = 0n;
  while ((q & 1n) === 0n) {
    q >>= 1n;
    s++;
  }
  let z = 2n;
  while (powMod(z, (P - 1n) / 2n) !== P - 1n) z++;
  let m = s;
  let c = powMod(z, q);
  let t = powMod(n, q);
  let r = powMod(n, (q + 1n) / 2n);
  while (t !== 1n) {
    let i = 0n;
    let t2 = t;
    while (t2 !== 1n) {
      t2 = (t2 * t2) % P;
      i++;
    }
    const b = powMod(c, 1n << (m - i - 1n));
    m = i;
    c = (b * b) % P;
    t = (t * c) % P;
    r = (r * b) % P;
  }
  return r;
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
