/**
 * What every part of the kernel builder shares: the wasmbuilder module, a function-definition helper, the
 * curve constants (Montgomery form) and the scratch elements used by the point formulas.
 *
 * Inside the kernel points live on the isomorphic curve -x'^2 + y^2 = 1 + d'*x'^2*y^2 (a' = -1,
 * d' = -d/a, x' = sqrt(-a)*x): with a' = -1 the multiplication by a disappears from every addition and
 * doubling. `pS` and `pSInv` convert between the two models.
 */
import { createRequire } from 'node:module';
import { ModuleBuilder } from 'wasmbuilder';
import { CURVE_A, CURVE_D } from '../babyjub.ts';
import { FIELD_MODULUS, invert, mod, sqrt } from '../field.ts';
import { buildAxpy29, buildDot29 } from './dot29.ts';
import { bytesLE, N8, toMont } from './kernel-layout.ts';

const require = createRequire(import.meta.url);
const { buildF1m } = require('wasmcurves') as { buildF1m: (m: unknown, q: bigint, prefix: string) => string };

// biome-ignore lint/suspicious/noExplicitAny: wasmbuilder module, function and code builders are untyped.
export type Wasm = any;

/** Byte offsets of the coordinates of an extended point (X, Y, Z, T). */
export const X = 0;
export const Y = N8;
export const Z = 2 * N8;
export const T = 3 * N8;

/** Scratch field elements of the point formulas (one set, shared: no kernel function is re-entrant). */
export interface Scratch {
  tA: number;
  tB: number;
  tC: number;
  tD: number;
  tE: number;
  tF: number;
  tG: number;
  tH: number;
  tS: number;
  tU: number;
}

/** The module being built and what its parts share. */
export interface KernelContext {
  module: Wasm;
  /** d' = -d/a of the a' = -1 model (Montgomery). */
  pD: number;
  /** s = sqrt(-a), x' = s*x, and its inverse (Montgomery). */
  pS: number;
  pSInv: number;
  /** 1 in Montgomery form. */
  pOneM: number;
  scratch: Scratch;
  /** Allocates a field constant (Montgomery form) and returns its address. */
  allocConst(v: bigint): number;
  /**
   * Adds function `name` with i32 parameters `params`; `body` returns its code from the code builder `c`
   * (and may add locals to the function `f`); `ret` is the return type, if any.
   */
  fn(name: string, params: string[], body: (c: Wasm, f: Wasm) => unknown[], ret?: string): void;
}

/** Address of parameter `local` plus `offset` bytes. */
export const at = (c: Wasm, local: string, offset: number): unknown =>
  offset === 0 ? c.getLocal(local) : c.i32_add(c.getLocal(local), c.i32_const(offset));

/** A constant address. */
export const k = (c: Wasm, addr: number): unknown => c.i32_const(addr);

/**
 * A new module with Montgomery arithmetic in the BN254 scalar field (wasmcurves `buildF1m`, prefix `frm`,
 * the field code of snarkjs) and the dot-form products `fr_dot` and `fr_axpy` (see `dot29.ts`), then the
 * curve constants and scratch elements, allocated in this order.
 */
export function createKernelContext(): KernelContext {
  const module = new ModuleBuilder();
  buildF1m(module, FIELD_MODULUS, 'frm');
  buildDot29(module, 'fr_dot');
  buildAxpy29(module, 'fr_axpy');

  const allocConst = (v: bigint): number => module.alloc(bytesLE(toMont(v)));
  const s = sqrt(-CURVE_A);
  if (s === undefined) throw new Error('-a is not a square: no a = -1 model');
  const pD = allocConst(mod(-CURVE_D * invert(CURVE_A))); // d' = -d/a
  const pS = allocConst(s);
  const pSInv = allocConst(invert(s));
  const pOneM = allocConst(1n);

  const tmp = (): number => module.alloc(N8);
  const scratch: Scratch = {
    tA: tmp(),
    tB: tmp(),
    tC: tmp(),
    tD: tmp(),
    tE: tmp(),
    tF: tmp(),
    tG: tmp(),
    tH: tmp(),
    tS: tmp(),
    tU: tmp(),
  };

  const fn: KernelContext['fn'] = (name, params, body, ret) => {
    const f = module.addFunction(name);
    for (const p of params) f.addParam(p, 'i32');
    if (ret) f.setReturnType(ret);
    const c = f.getCodeBuilder();
    f.addCode(...(body(c, f) as never[]));
  };

  return { module, pD, pS, pSInv, pOneM, scratch, allocConst, fn };
}
