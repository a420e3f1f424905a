/**
 * Memory of the multi-scalar multiplication of batch verification. The MSM itself runs in JavaScript over the
 * kernel's point functions (`batch-verify.ts`); the kernel only reserves its points, buckets and sums.
 */

import type { KernelContext } from './kernel-context.ts';
import { bytesLE, MSM_BUCKETS, MSM_MAX_POINTS, POINT_BYTES, toMont } from './kernel-layout.ts';

/** Addresses of the MSM's regions (see `KernelLayout`). */
export interface MsmRegions {
  pMsmPoints: number;
  pMsmBuckets: number;
  pMsmAcc: number;
  pMsmRun: number;
  pMsmTot: number;
  pIdentity: number;
}

/** Allocates the MSM's points, buckets, accumulator, running sum, window total and the identity point. */
export function allocMsmRegions({ module }: KernelContext): MsmRegions {
  return {
    pMsmPoints: module.alloc(MSM_MAX_POINTS * 3 * POINT_BYTES),
    pMsmBuckets: module.alloc(MSM_BUCKETS * POINT_BYTES),
    pMsmAcc: module.alloc(POINT_BYTES),
    pMsmRun: module.alloc(POINT_BYTES),
    pMsmTot: module.alloc(POINT_BYTES),
    pIdentity: module.alloc([...bytesLE(0n), ...bytesLE(toMont(1n)), ...bytesLE(toMont(1n)), ...bytesLE(0n)]),
  };
}
