/**
 * Scalar multiplication on Baby Jubjub. `mulBase` multiplies the base point B8.
 */
import { type AffinePoint, BASE8, multiplySimple, toAffine, toExtended } from './babyjub.ts';

/** k * B8, affine. */
export function mulBase(k: bigint): AffinePoint {
  return toAffine(multiplySimple(toExtended(BASE8), k));
}
