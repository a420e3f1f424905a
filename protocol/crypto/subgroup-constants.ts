/**
 * Constants of the prime-order subgroup test (see `subgroup.ts`): the 8-torsion points of Baby Jubjub and the
 * Miller-loop data of the 8-Tate pairing on the short Weierstrass model. Plain bigint, shared by the bigint
 * code and the WebAssembly kernel builder.
 */
import { type AffinePoint, multiplySimple, SUBGROUP_ORDER, toAffine, toExtended } from './babyjub.ts';
import { FIELD_MODULUS as P, invert, mod } from './field.ts';

/** circomlib's generator of the whole curve group (order 8l). */
const GENERATOR: AffinePoint = {
  x: 995203441582195749578291179787384436505546430278305826713579947235728471134n,
  y: 5472060717959818805561601436314318772137091100104008585924551046643952123905n,
};
/** Montgomery A = 2(a + d)/(a - d) = 168698 (B = 4/(a - d) = 1). */
const MONT_A = 168698n;
/** A/3: X = u + A/3 maps the Montgomery u to the Weierstrass X. */
export const A_THIRD = mod(MONT_A * invert(3n));
const A4 = mod(1n - MONT_A * MONT_A * invert(3n));

/** A point of order 8 and its multiples, in Edwards coordinates (index 0 is the identity). */
export const TORSION_POINTS: readonly AffinePoint[] = (() => {
  const t8 = toExtended(toAffine(multiplySimple(toExtended(GENERATOR), SUBGROUP_ORDER)));
  return Array.from({ length: 8 }, (_, k) => toAffine(multiplySimple(t8, BigInt(k))));
})();

function toWeierstrass(p: AffinePoint): { X: bigint; Y: bigint } {
  const u = mod((1n + p.y) * invert(1n - p.y));
  return { X: mod(u + A_THIRD), Y: mod(u * invert(p.x)) };
}

/** T (order 8) and 2T on the Weierstrass model. */
export const T1 = toWeierstrass(TORSION_POINTS[1]!);
export const T2 = toWeierstrass(TORSION_POINTS[2]!);
/** Slopes of the tangents at T and 2T. */
export const LAMBDA1 = mod((3n * T1.X * T1.X + A4) * invert(2n * T1.Y));
export const LAMBDA2 = mod((3n * T2.X * T2.X + A4) * invert(2n * T2.Y));
/** A/3 - X(T) and A/3 - X(2T). */
export const C1 = mod(A_THIRD - T1.X);
export const C2 = mod(A_THIRD - T2.X);
/** The final exponent (p - 1)/8. */
export const FINAL_EXPONENT = (P - 1n) / 8n;
