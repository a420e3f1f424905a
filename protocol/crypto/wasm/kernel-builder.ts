/**
 * Builds the WebAssembly verification kernel: Montgomery arithmetic in the BN254 scalar field
 * (wasmcurves `buildF1m`, the field code of snarkjs), Poseidon (circomlib, optimised form, widths 2..17, its
 * matrix products as dot products with one reduction each, see `dot29.ts`),
 * Baby Jubjub in extended twisted Edwards coordinates, a fixed-base table for B8 (8-bit windows),
 * EdDSA-Poseidon verification and the batched prime-subgroup test, all generated with wasmbuilder at start-up
 * (synchronous, no files).
 *
 * Each subject lives in its own file (`kernel-context.ts`, `kernel-curve.ts`, `kernel-scalar-mul.ts`,
 * `kernel-poseidon.ts`, `kernel-eddsa.ts`, `kernel-subgroup.ts`, `kernel-msm.ts`); this driver calls them in
 * a fixed order, since the order of functions and allocations is the kernel's layout (its bytes are pinned by
 * `tests/protocol/kernel-bytes.test.ts`).
 */

import { createKernelContext } from './kernel-context.ts';
import { buildAffineExit, buildCurveArithmetic } from './kernel-curve.ts';
import { buildSignatureVerification } from './kernel-eddsa.ts';
import { type KernelLayout, N8, POINT_BYTES } from './kernel-layout.ts';
import { allocMsmRegions } from './kernel-msm.ts';
import { buildPoseidon, buildPoseidonPlain } from './kernel-poseidon.ts';
import { buildFixedBaseMul, buildVariableBaseMul } from './kernel-scalar-mul.ts';
import { buildSubgroupCheck } from './kernel-subgroup.ts';

export {
  BASE_ENTRIES,
  BASE_WINDOWS,
  type ConstantFill,
  type KernelLayout,
  MAX_KERNEL_T,
  MSM_BUCKETS,
  MSM_MAX_POINTS,
  N8,
  POINT_BYTES,
  SUBGROUP_MASK_BYTES,
  SUBGROUP_TRIALS,
} from './kernel-layout.ts';

/** The functions the JavaScript side calls. */
const EXPORTED_FUNCTIONS = [
  'frm_mul',
  'frm_add',
  'frm_sub',
  'frm_square',
  'frm_copy',
  'frm_inverse',
  'frm_toMontgomery',
  'frm_fromMontgomery',
  'frm_neg',
  'frm_exp',
  'frm_eq',
  'ed_toCached',
  'ed_add',
  'ed_addCached',
  'ed_addPre',
  'ed_double',
  'ed_identity',
  'ed_fromAffine',
  'ed_eq',
  'ed_mulBase',
  'ed_mulVar',
  'ed_toAffinePlain',
  'ed_toPre',
  'pos_hash',
  'pos_hashPlain',
  'eddsa_verify',
  'reading_verify',
  'sg_miller',
  'sg_batch',
] as const;

/** Builds the module bytes and its layout. */
export function buildKernel(): { bytes: Uint8Array; layout: KernelLayout } {
  const ctx = createKernelContext();
  const { module } = ctx;
  buildCurveArithmetic(ctx);
  const pBaseTable = buildFixedBaseMul(ctx);
  buildVariableBaseMul(ctx);
  const { fills, dotFills } = buildPoseidon(ctx);
  buildSignatureVerification(ctx);
  buildPoseidonPlain(ctx);
  buildAffineExit(ctx);
  const { pSgValues, pSgMasks } = buildSubgroupCheck(ctx);
  const msm = allocMsmRegions(ctx);
  const pIo = module.alloc(16 * N8);
  const pScratch = module.alloc(256 * POINT_BYTES + 256 * N8);

  for (const name of EXPORTED_FUNCTIONS) {
    if (!module.exports.some((e: { exportName: string }) => e.exportName === name))
      module.exportFunction(name);
  }
  const end = module.free as number;
  module.setMemory(Math.ceil((end + 65536) / 65536));
  return {
    bytes: module.build() as Uint8Array,
    layout: { fills, dotFills, pIo, pBaseTable, pScratch, ...msm, pSgValues, pSgMasks, end },
  };
}
