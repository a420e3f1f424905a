/**
 * The WebAssembly verification kernel, instantiated synchronously on first use (per thread), with the
 * fixed-base table of B8 filled at start-up. Bigint in, bigint out; all inputs must be canonical (< p).
 */
import { type AffinePoint, BASE8, SUBGROUP_ORDER } from '../babyjub.ts';
import { DOT_CONSTANT_BYTES, dotConstantLimbs } from './dot29.ts';
import {
  BASE_ENTRIES,
  BASE_WINDOWS,
  buildKernel,
  type KernelLayout,
  MAX_KERNEL_T,
  N8,
  POINT_BYTES,
} from './kernel-builder.ts';

type Ptr = number;
interface KernelExports {
  frm_mul(a: Ptr, b: Ptr, r: Ptr): void;
  frm_copy(a: Ptr, r: Ptr): void;
  frm_inverse(a: Ptr, r: Ptr): void;
  frm_toMontgomery(a: Ptr, r: Ptr): void;
  frm_fromMontgomery(a: Ptr, r: Ptr): void;
  frm_neg(a: Ptr, r: Ptr): void;
  frm_exp(base: Ptr, scalar: Ptr, scalarBytes: number, r: Ptr): void;
  frm_eq(a: Ptr, b: Ptr): number;
  ed_addCached(p: Ptr, q: Ptr, r: Ptr): void;
  ed_double(p: Ptr, r: Ptr, withT: number): void;
  ed_toCached(p: Ptr, r: Ptr): void;
  ed_eq(p: Ptr, q: Ptr): number;
  ed_add(p: Ptr, q: Ptr, r: Ptr): void;
  ed_fromAffine(p: Ptr, r: Ptr): void;
  ed_mulBase(ps: Ptr, r: Ptr): void;
  ed_mulVar(p: Ptr, ps: Ptr, r: Ptr): void;
  ed_toAffinePlain(p: Ptr, r: Ptr): void;
  ed_toPre(p: Ptr, zi: Ptr, r: Ptr): void;
  pos_hashPlain(pin: Ptr, n: number, pout: Ptr): void;
  reading_verify(pin: Ptr): number;
  sg_miller(p: Ptr, r: Ptr): void;
  sg_batch(values: Ptr, n: number, masks: Ptr, trials: number): number;
}

/** A ready kernel. */
export interface Kernel {
  readonly exports: KernelExports;
  readonly layout: KernelLayout;
  readonly view: DataView;
  readonly bytes: Uint8Array;
}

/** The few WebAssembly constructors used here (the project's TypeScript lib has no DOM types). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
  Memory: new (descriptor: { initial: number; maximum: number }) => { buffer: ArrayBuffer };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let instance: Kernel | undefined;

const MASK64 = (1n << 64n) - 1n;

/** Writes a non-negative bigint below 2^256 as 32 little-endian bytes. */
export function writeBig(k: Kernel, ptr: Ptr, value: bigint): void {
  const v = k.view;
  v.setBigUint64(ptr, value & MASK64, true);
  v.setBigUint64(ptr + 8, (value >> 64n) & MASK64, true);
  v.setBigUint64(ptr + 16, (value >> 128n) & MASK64, true);
  v.setBigUint64(ptr + 24, value >> 192n, true);
}

/** Reads 32 little-endian bytes as a bigint. */
export function readBig(k: Kernel, ptr: Ptr): bigint {
  const v = k.view;
  return (
    v.getBigUint64(ptr, true) |
    (v.getBigUint64(ptr + 8, true) << 64n) |
    (v.getBigUint64(ptr + 16, true) << 128n) |
    (v.getBigUint64(ptr + 24, true) << 192n)
  );
}

function fillConstants(k: Kernel): void {
  for (const { ptr, values } of k.layout.fills) {
    for (let i = 0; i < values.length; i++) {
      const at = ptr + i * N8;
      writeBig(k, at, values[i]!);
      k.exports.frm_toMontgomery(at, at);
    }
  }
  for (const { ptr, values } of k.layout.dotFills) {
    for (let i = 0; i < values.length; i++) {
      const limbs = dotConstantLimbs(values[i]!);
      for (let j = 0; j < limbs.length; j++)
        k.view.setBigUint64(ptr + i * DOT_CONSTANT_BYTES + 8 * j, limbs[j]!, true);
    }
  }
}

function fillBaseTable(k: Kernel): void {
  const e = k.exports;
  const { pIo, pBaseTable, pScratch } = k.layout;
  const pt = (i: number) => pScratch + i * POINT_BYTES;
  const el = (i: number) => pScratch + 256 * POINT_BYTES + i * N8;
  const base = pt(255);
  const inv = pIo + 2 * N8;
  const zi = pIo + 3 * N8;
  writeBig(k, pIo, BASE8.x);
  writeBig(k, pIo + N8, BASE8.y);
  e.frm_toMontgomery(pIo, pIo);
  e.frm_toMontgomery(pIo + N8, pIo + N8);
  e.ed_fromAffine(pIo, base);
  const n = BASE_ENTRIES;
  for (let w = 0; w < BASE_WINDOWS; w++) {
    new Uint8Array(k.view.buffer, pt(0), POINT_BYTES).set(new Uint8Array(k.view.buffer, base, POINT_BYTES));
    for (let j = 1; j < n; j++) e.ed_add(pt(j - 1), base, pt(j));
    e.ed_add(pt(n - 1), base, base); // next window's base: 256 * base
    // Batch inversion of the Z coordinates (Montgomery's trick), then the pre form of each entry.
    e.frm_copy(pt(0) + 2 * N8, el(0));
    for (let j = 1; j < n; j++) e.frm_mul(el(j - 1), pt(j) + 2 * N8, el(j));
    e.frm_inverse(el(n - 1), inv);
    const table = pBaseTable + w * n * POINT_BYTES;
    for (let j = n - 1; j > 0; j--) {
      e.frm_mul(inv, el(j - 1), zi);
      e.frm_mul(inv, pt(j) + 2 * N8, inv);
      e.ed_toPre(pt(j), zi, table + j * POINT_BYTES);
    }
    e.ed_toPre(pt(0), inv, table);
  }
}

/** The kernel of this thread, built and instantiated on first call (tens of milliseconds). */
export function kernel(): Kernel {
  if (instance === undefined) {
    const { bytes, layout } = buildKernel();
    const module = new WA.Module(bytes);
    const pages = Math.ceil(layout.end / 65536) + 1;
    const memory = new WA.Memory({ initial: pages, maximum: pages });
    const wasm = new WA.Instance(module, { env: { memory } });
    const k: Kernel = {
      exports: wasm.exports as unknown as KernelExports,
      layout,
      view: new DataView(memory.buffer),
      bytes: new Uint8Array(memory.buffer),
    };
    fillConstants(k);
    fillBaseTable(k);
    instance = k;
  }
  return instance;
}

/** k * B8 in affine coordinates, k reduced mod the subgroup order. */
export function kernelMulBase(scalar: bigint): AffinePoint {
  const k = kernel();
  const { pIo } = k.layout;
  writeBig(k, pIo, ((scalar % SUBGROUP_ORDER) + SUBGROUP_ORDER) % SUBGROUP_ORDER);
  k.exports.ed_mulBase(pIo, pIo + 2 * N8);
  k.exports.ed_toAffinePlain(pIo + 2 * N8, pIo);
  return { x: readBig(k, pIo), y: readBig(k, pIo + N8) };
}

/** scalar * P for an affine point P (canonical coordinates on the curve), scalar < 2^256. */
export function kernelMulVar(point: AffinePoint, scalar: bigint): AffinePoint {
  const k = kernel();
  const { pIo } = k.layout;
  const e = k.exports;
  writeBig(k, pIo, point.x);
  writeBig(k, pIo + N8, point.y);
  e.frm_toMontgomery(pIo, pIo);
  e.frm_toMontgomery(pIo + N8, pIo + N8);
  e.ed_fromAffine(pIo, pIo + 2 * N8);
  writeBig(k, pIo, scalar);
  e.ed_mulVar(pIo + 2 * N8, pIo, pIo + 6 * N8);
  e.ed_toAffinePlain(pIo + 6 * N8, pIo);
  return { x: readBig(k, pIo), y: readBig(k, pIo + N8) };
}

/** Poseidon of 1..16 canonical field elements. */
export function kernelPoseidon(inputs: readonly bigint[]): bigint {
  const k = kernel();
  const { pIo } = k.layout;
  const n = inputs.length;
  if (n < 1 || n >= MAX_KERNEL_T) throw new RangeError(`kernel Poseidon takes 1..${MAX_KERNEL_T - 1} inputs`);
  for (let i = 0; i < n; i++) writeBig(k, pIo + i * N8, inputs[i]!);
  k.exports.pos_hashPlain(pIo, n, pIo + 8 * N8);
  return readBig(k, pIo + 8 * N8);
}

/**
 * Message hash and signature check of one reading: msg = Poseidon(encoding), then circomlib's
 * S*B8 == R8 + 8*Poseidon(R8x, R8y, Ax, Ay, msg)*A. Inputs must already be canonical, R8 and A on the curve,
 * S below the subgroup order (the caller checks those, as circomlibjs does).
 */
export function kernelVerifyReading(
  encoding: readonly bigint[],
  R8x: bigint,
  R8y: bigint,
  Ax: bigint,
  Ay: bigint,
  S: bigint,
): boolean {
  const k = kernel();
  const { pIo } = k.layout;
  for (let i = 0; i < 5; i++) writeBig(k, pIo + i * N8, encoding[i]!);
  writeBig(k, pIo + 5 * N8, R8x);
  writeBig(k, pIo + 6 * N8, R8y);
  writeBig(k, pIo + 7 * N8, Ax);
  writeBig(k, pIo + 8 * N8, Ay);
  writeBig(k, pIo + 9 * N8, S);
  return k.exports.reading_verify(pIo) === 1;
}

/**
 * The signature equation S*B8 == R8 + 8*h*A for a known h = Poseidon(R8x, R8y, Ax, Ay, m); inputs canonical,
 * R8 and A on the curve, S < l (checked by the caller).
 */
export function kernelCheckSignature(
  R8x: bigint,
  R8y: bigint,
  Ax: bigint,
  Ay: bigint,
  S: bigint,
  h: bigint,
): boolean {
  const k = kernel();
  const e = k.exports;
  const { pIo } = k.layout;
  const a8 = pIo + 2 * N8; // 4 elements
  const q = pIo + 6 * N8; // 4 elements
  const r8 = pIo + 10 * N8; // 4 elements
  const scalar = pIo + 14 * N8;
  writeBig(k, pIo, Ax);
  writeBig(k, pIo + N8, Ay);
  e.frm_toMontgomery(pIo, pIo);
  e.frm_toMontgomery(pIo + N8, pIo + N8);
  e.ed_fromAffine(pIo, a8);
  e.ed_double(a8, a8, 0);
  e.ed_double(a8, a8, 0);
  e.ed_double(a8, a8, 1);
  writeBig(k, scalar, h);
  e.ed_mulVar(a8, scalar, q);
  writeBig(k, pIo, R8x);
  writeBig(k, pIo + N8, R8y);
  e.frm_toMontgomery(pIo, pIo);
  e.frm_toMontgomery(pIo + N8, pIo + N8);
  e.ed_fromAffine(pIo, r8);
  e.ed_add(q, r8, q);
  writeBig(k, scalar, S);
  e.ed_mulBase(scalar, r8);
  return e.ed_eq(r8, q) === 1;
}
