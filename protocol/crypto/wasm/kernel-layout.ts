/**
 * Sizes and memory layout of the WebAssembly verification kernel, and the byte encodings used to place
 * constants in it. Field elements are 32 bytes little-endian; "M" marks Montgomery form. A point in extended
 * coordinates is 4 elements (X, Y, Z, T) = 128 bytes.
 */
import { FIELD_MODULUS } from '../field.ts';

/** Bytes per field element. */
export const N8 = 32;
/** Bytes per point. */
export const POINT_BYTES = 4 * N8;
/** Fixed-base table: 32 windows of 8 bits, 255 non-zero entries each. */
export const BASE_WINDOWS = 32;
export const BASE_ENTRIES = 255;
/** Largest Poseidon width t compiled into the kernel (16 inputs, every width circomlib has). */
export const MAX_KERNEL_T = 17;
/** Most points of one multi-scalar multiplication (batch verification). */
export const MSM_MAX_POINTS = 1024;
/** Buckets of the multi-scalar multiplication: signed 8-bit digits, |digit| in 1..128. */
export const MSM_BUCKETS = 129;
/** Random subsets tested by one batched prime-subgroup check (`sg_batch`); bytes of subset bits per trial. */
export const SUBGROUP_TRIALS = 128;
export const SUBGROUP_MASK_BYTES = MSM_MAX_POINTS / 8;

/** A region to fill with field constants (plain values, converted to Montgomery form when written). */
export interface ConstantFill {
  ptr: number;
  values: readonly bigint[];
}

/** Addresses of the kernel's static regions, for the JavaScript side. */
export interface KernelLayout {
  /** Poseidon constants to write after instantiation (Montgomery form). */
  fills: ConstantFill[];
  /** Poseidon matrix constants to write after instantiation in dot form (`dotConstantLimbs`, 72 bytes each). */
  dotFills: ConstantFill[];
  /** General input/output area: 16 elements. */
  pIo: number;
  /** Fixed-base table of B8, BASE_WINDOWS * BASE_ENTRIES pre points. */
  pBaseTable: number;
  /** Scratch for table building: 256 points + 256 elements. */
  pScratch: number;
  /** MSM points: MSM_MAX_POINTS entries of 3 points each (extended, cached, negated cached). */
  pMsmPoints: number;
  /** MSM buckets (extended), index = |digit|. */
  pMsmBuckets: number;
  /** MSM accumulator, running sum and window total (extended). */
  pMsmAcc: number;
  pMsmRun: number;
  pMsmTot: number;
  /** The identity point (extended, Montgomery). */
  pIdentity: number;
  /** Prime-subgroup batch: MSM_MAX_POINTS Miller values (Montgomery), SUBGROUP_TRIALS subset masks. */
  pSgValues: number;
  pSgMasks: number;
  /** One-past the last used byte. */
  end: number;
}

const R = 1n << 256n;

/** Montgomery form v * 2^256 mod p of a field element. */
export function toMont(v: bigint): bigint {
  return (v * R) % FIELD_MODULUS;
}

/** The n little-endian bytes of v (n = 32 for a field element, 4 for an i32). */
export function bytesLE(v: bigint, n = N8): number[] {
  const out: number[] = [];
  let x = v;
  for (let i = 0; i < n; i++) {
    out.push(Number(x & 0xffn));
    x >>= 8n;
  }
  return out;
}
