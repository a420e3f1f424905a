/**
 * Scalar multiplication on Baby Jubjub: `mulBase` multiplies the base point B8 with the kernel's
 * fixed-base table; `mulBaseReference` is the plain double-and-add it is checked against.
 */
import { type AffinePoint, BASE8, multiplySimple, toAffine, toExtended } from './babyjub.ts';
import { kernelMulBase } from './wasm/kernel.ts';

/** k * B8, affine (k reduced mod the subgroup order). */
export function mulBase(k: bigint): AffinePoint {
  return kernelMulBase(k);
}

/** k * B8 by double-and-add on bigint. */
export function mulBaseReference(k: bigint): AffinePoint {
  return toAffine(multiplySimple(toExtended(BASE8), k));
}
