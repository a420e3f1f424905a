/**
 * Builds the WebAssembly verification kernel: Montgomery arithmetic in the BN254 scalar field
 * (wasmcurves `buildF1m`, the field code of snarkjs), Poseidon (circomlib, optimised form, widths 2..17, its
 * matrix products as dot products with one reduction each, see `dot29.ts`),
 * Baby Jubjub in extended twisted Edwards coordinates, a fixed-base table for B8 (8-bit windows) and
 * EdDSA-Poseidon verification, all generated with wasmbuilder at start-up (synchronous, no files).
 *
 * Memory layout: field elements are 32 bytes little-endian; "M" marks Montgomery form. A point in
 * extended coordinates is 4 elements (X, Y, Z, T) = 128 bytes. A "cached" point stores d*T instead of T.
 * A "pre" point (table entry, affine) stores (x, y, x + y, d*x*y).
 *
 * Inside the kernel points live on the isomorphic curve -x'^2 + y^2 = 1 + d'*x'^2*y^2 (a' = -1,
 * d' = -d/a, x' = sqrt(-a)*x): with a' = -1 the multiplication by a disappears from every addition and
 * doubling. Points enter through `ed_fromAffine` (x' = s*x) and leave through `ed_toAffinePlain` (x = x'/s);
 * the identity, equality tests and negation are the same in both models.
 */
import { createRequire } from 'node:module';
import { ModuleBuilder } from 'wasmbuilder';
import { CURVE_A, CURVE_D } from '../babyjub.ts';
import { FIELD_MODULUS, invert, mod, sqrt } from '../field.ts';
import { poseidonConstants, ROUNDS_FULL } from '../poseidon-constants.ts';
import { C1, C2, FINAL_EXPONENT, LAMBDA1, LAMBDA2, T1, T2 } from '../subgroup-constants.ts';
import { buildAxpy29, buildDot29, DOT_CONSTANT_BYTES } from './dot29.ts';

const require = createRequire(import.meta.url);
const { buildF1m } = require('wasmcurves') as { buildF1m: (m: unknown, q: bigint, prefix: string) => string };

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
function toMont(v: bigint): bigint {
  return (v * R) % FIELD_MODULUS;
}
function bytesLE(v: bigint, n = N8): number[] {
  const out: number[] = [];
  let x = v;
  for (let i = 0; i < n; i++) {
    out.push(Number(x & 0xffn));
    x >>= 8n;
  }
  return out;
}

/** Builds the module bytes and its layout. */
export function buildKernel(): { bytes: Uint8Array; layout: KernelLayout } {
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

  // Scratch elements for the point formulas.
  const tmp = (): number => module.alloc(N8);
  const tA = tmp();
  const tB = tmp();
  const tC = tmp();
  const tD = tmp();
  const tE = tmp();
  const tF = tmp();
  const tG = tmp();
  const tH = tmp();
  const tS = tmp();
  const tU = tmp();

  // biome-ignore lint/suspicious/noExplicitAny: wasmbuilder code builder.
  type Fn = any;
  const X = 0;
  const Y = N8;
  const Z = 2 * N8;
  const T = 3 * N8;

  function fn(name: string, params: string[], body: (c: Fn, f: Fn) => unknown[], ret?: string): void {
    const f = module.addFunction(name);
    for (const p of params) f.addParam(p, 'i32');
    if (ret) f.setReturnType(ret);
    const c = f.getCodeBuilder();
    f.addCode(...(body(c, f) as never[]));
  }
  const at = (c: Fn, local: string, offset: number) =>
    offset === 0 ? c.getLocal(local) : c.i32_add(c.getLocal(local), c.i32_const(offset));
  const k = (c: Fn, addr: number) => c.i32_const(addr);

  // Tail of every addition: from E, F, G, H to r = (E*F, G*H, F*G, E*H).
  const finish = (c: Fn) => [
    c.call('frm_mul', k(c, tE), k(c, tF), at(c, 'r', X)),
    c.call('frm_mul', k(c, tG), k(c, tH), at(c, 'r', Y)),
    c.call('frm_mul', k(c, tF), k(c, tG), at(c, 'r', Z)),
    c.call('frm_mul', k(c, tE), k(c, tH), at(c, 'r', T)),
  ];
  // From A, B, C, D, E(with (X1+Y1)(X2+Y2)) compute E, F, G, H (add-2008-hwcd).
  const middle = (c: Fn) => [
    c.call('frm_sub', k(c, tE), k(c, tA), k(c, tE)),
    c.call('frm_sub', k(c, tE), k(c, tB), k(c, tE)),
    c.call('frm_sub', k(c, tD), k(c, tC), k(c, tF)),
    c.call('frm_add', k(c, tD), k(c, tC), k(c, tG)),
    c.call('frm_add', k(c, tB), k(c, tA), k(c, tH)), // H = B - a'*A = B + A
  ];

  // r = p + q, both extended. r may alias p or q.
  fn('ed_add', ['p', 'q', 'r'], (c) => [
    c.call('frm_mul', at(c, 'p', X), at(c, 'q', X), k(c, tA)),
    c.call('frm_mul', at(c, 'p', Y), at(c, 'q', Y), k(c, tB)),
    c.call('frm_mul', at(c, 'p', T), at(c, 'q', T), k(c, tC)),
    c.call('frm_mul', k(c, tC), k(c, pD), k(c, tC)),
    c.call('frm_mul', at(c, 'p', Z), at(c, 'q', Z), k(c, tD)),
    c.call('frm_add', at(c, 'p', X), at(c, 'p', Y), k(c, tS)),
    c.call('frm_add', at(c, 'q', X), at(c, 'q', Y), k(c, tU)),
    c.call('frm_mul', k(c, tS), k(c, tU), k(c, tE)),
    ...middle(c),
    ...finish(c),
  ]);

  // r = p + q, q cached (X, Y, Z, d*T).
  fn('ed_addCached', ['p', 'q', 'r'], (c) => [
    c.call('frm_mul', at(c, 'p', X), at(c, 'q', X), k(c, tA)),
    c.call('frm_mul', at(c, 'p', Y), at(c, 'q', Y), k(c, tB)),
    c.call('frm_mul', at(c, 'p', T), at(c, 'q', T), k(c, tC)),
    c.call('frm_mul', at(c, 'p', Z), at(c, 'q', Z), k(c, tD)),
    c.call('frm_add', at(c, 'p', X), at(c, 'p', Y), k(c, tS)),
    c.call('frm_add', at(c, 'q', X), at(c, 'q', Y), k(c, tU)),
    c.call('frm_mul', k(c, tS), k(c, tU), k(c, tE)),
    ...middle(c),
    ...finish(c),
  ]);

  // r = p + q, q pre (x, y, x + y, d*x*y), affine.
  fn('ed_addPre', ['p', 'q', 'r'], (c) => [
    c.call('frm_mul', at(c, 'p', X), at(c, 'q', 0), k(c, tA)),
    c.call('frm_mul', at(c, 'p', Y), at(c, 'q', N8), k(c, tB)),
    c.call('frm_mul', at(c, 'p', T), at(c, 'q', 3 * N8), k(c, tC)),
    c.call('frm_copy', at(c, 'p', Z), k(c, tD)),
    c.call('frm_add', at(c, 'p', X), at(c, 'p', Y), k(c, tS)),
    c.call('frm_mul', k(c, tS), at(c, 'q', 2 * N8), k(c, tE)),
    ...middle(c),
    ...finish(c),
  ]);

  // r = 2p (dbl-2008-hwcd); `withT` = 0 skips T (when the next operation is another doubling).
  fn('ed_double', ['p', 'r', 'withT'], (c) => [
    c.call('frm_square', at(c, 'p', X), k(c, tA)),
    c.call('frm_square', at(c, 'p', Y), k(c, tB)),
    c.call('frm_square', at(c, 'p', Z), k(c, tC)),
    c.call('frm_add', k(c, tC), k(c, tC), k(c, tC)),
    c.call('frm_neg', k(c, tA), k(c, tD)), // D = a'*A = -A
    c.call('frm_add', at(c, 'p', X), at(c, 'p', Y), k(c, tS)),
    c.call('frm_square', k(c, tS), k(c, tE)),
    c.call('frm_sub', k(c, tE), k(c, tA), k(c, tE)),
    c.call('frm_sub', k(c, tE), k(c, tB), k(c, tE)),
    c.call('frm_add', k(c, tD), k(c, tB), k(c, tG)),
    c.call('frm_sub', k(c, tG), k(c, tC), k(c, tF)),
    c.call('frm_sub', k(c, tD), k(c, tB), k(c, tH)),
    c.call('frm_mul', k(c, tE), k(c, tF), at(c, 'r', X)),
    c.call('frm_mul', k(c, tG), k(c, tH), at(c, 'r', Y)),
    c.call('frm_mul', k(c, tF), k(c, tG), at(c, 'r', Z)),
    c.if(c.getLocal('withT'), c.call('frm_mul', k(c, tE), k(c, tH), at(c, 'r', T))),
  ]);

  // r = identity.
  fn('ed_identity', ['r'], (c) => [
    c.call('frm_zero', at(c, 'r', X)),
    c.call('frm_copy', k(c, pOneM), at(c, 'r', Y)),
    c.call('frm_copy', k(c, pOneM), at(c, 'r', Z)),
    c.call('frm_zero', at(c, 'r', T)),
  ]);

  // r = cached form of p: (X, Y, Z, d*T).
  fn('ed_toCached', ['p', 'r'], (c) => [
    c.call('frm_copy', at(c, 'p', X), at(c, 'r', X)),
    c.call('frm_copy', at(c, 'p', Y), at(c, 'r', Y)),
    c.call('frm_copy', at(c, 'p', Z), at(c, 'r', Z)),
    c.call('frm_mul', at(c, 'p', T), k(c, pD), at(c, 'r', T)),
  ]);

  // r = extended point of the affine Montgomery (x, y) at p, x' = s*x; r must not overlap p.
  fn('ed_fromAffine', ['p', 'r'], (c) => [
    c.call('frm_mul', at(c, 'p', 0), k(c, pS), k(c, tA)),
    c.call('frm_mul', k(c, tA), at(c, 'p', N8), at(c, 'r', T)),
    c.call('frm_copy', at(c, 'p', N8), at(c, 'r', Y)),
    c.call('frm_copy', k(c, tA), at(c, 'r', X)),
    c.call('frm_copy', k(c, pOneM), at(c, 'r', Z)),
  ]);

  // r = pre form (x, y, x + y, d*x*y) of extended p given zi = 1/Z (all Montgomery).
  fn('ed_toPre', ['p', 'zi', 'r'], (c) => [
    c.call('frm_mul', at(c, 'p', X), c.getLocal('zi'), at(c, 'r', 0)),
    c.call('frm_mul', at(c, 'p', Y), c.getLocal('zi'), at(c, 'r', N8)),
    c.call('frm_add', at(c, 'r', 0), at(c, 'r', N8), at(c, 'r', 2 * N8)),
    c.call('frm_mul', at(c, 'r', 0), at(c, 'r', N8), at(c, 'r', 3 * N8)),
    c.call('frm_mul', at(c, 'r', 3 * N8), k(c, pD), at(c, 'r', 3 * N8)),
  ]);

  // 1 when p and q (extended) are the same point: X1*Z2 == X2*Z1 and Y1*Z2 == Y2*Z1.
  fn(
    'ed_eq',
    ['p', 'q'],
    (c) => [
      c.call('frm_mul', at(c, 'p', X), at(c, 'q', Z), k(c, tA)),
      c.call('frm_mul', at(c, 'q', X), at(c, 'p', Z), k(c, tB)),
      c.call('frm_mul', at(c, 'p', Y), at(c, 'q', Z), k(c, tC)),
      c.call('frm_mul', at(c, 'q', Y), at(c, 'p', Z), k(c, tD)),
      c.ret(c.i32_and(c.call('frm_eq', k(c, tA), k(c, tB)), c.call('frm_eq', k(c, tC), k(c, tD)))),
    ],
    'i32',
  );

  // Fixed-base table and scalar multiplication by B8.
  const pBaseTable = module.alloc(BASE_WINDOWS * BASE_ENTRIES * POINT_BYTES);
  // r = s * B8, s = 32 bytes little-endian (not Montgomery) at ps.
  fn('ed_mulBase', ['ps', 'r'], (c, f) => {
    f.addLocal('w', 'i32');
    f.addLocal('b', 'i32');
    return [
      c.call('ed_identity', c.getLocal('r')),
      c.setLocal('w', c.i32_const(0)),
      c.block(
        c.loop(
          c.br_if(1, c.i32_eq(c.getLocal('w'), c.i32_const(BASE_WINDOWS))),
          c.setLocal('b', c.i32_load8_u(c.i32_add(c.getLocal('ps'), c.getLocal('w')))),
          c.if(
            c.getLocal('b'),
            c.call(
              'ed_addPre',
              c.getLocal('r'),
              c.i32_add(
                c.i32_const(pBaseTable),
                c.i32_mul(
                  c.i32_add(
                    c.i32_mul(c.getLocal('w'), c.i32_const(BASE_ENTRIES)),
                    c.i32_sub(c.getLocal('b'), c.i32_const(1)),
                  ),
                  c.i32_const(POINT_BYTES),
                ),
              ),
              c.getLocal('r'),
            ),
          ),
          c.setLocal('w', c.i32_add(c.getLocal('w'), c.i32_const(1))),
          c.br(0),
        ),
      ),
    ];
  });

  // Variable-base: r = s * p, p extended, s = 32 bytes LE (not Montgomery). Fixed 4-bit windows.
  const pWin = module.alloc(16 * POINT_BYTES); // cached multiples 1..15 (slot 0 unused)
  const pWinAcc = module.alloc(POINT_BYTES);
  fn('ed_mulVar', ['p', 'ps', 'r'], (c, f) => {
    f.addLocal('j', 'i32');
    f.addLocal('i', 'i32');
    f.addLocal('nib', 'i32');
    f.addLocal('started', 'i32');
    const slot = (idx: unknown) => c.i32_add(c.i32_const(pWin), c.i32_mul(idx, c.i32_const(POINT_BYTES)));
    // pWinAcc = p; cached[1] = p; for j = 2..15: pWinAcc += p; cached[j] = pWinAcc.
    return [
      c.call('frm_copy', at(c, 'p', X), c.i32_const(pWinAcc + X)),
      c.call('frm_copy', at(c, 'p', Y), c.i32_const(pWinAcc + Y)),
      c.call('frm_copy', at(c, 'p', Z), c.i32_const(pWinAcc + Z)),
      c.call('frm_copy', at(c, 'p', T), c.i32_const(pWinAcc + T)),
      c.call('ed_toCached', c.i32_const(pWinAcc), slot(c.i32_const(1))),
      c.setLocal('j', c.i32_const(2)),
      c.block(
        c.loop(
          c.br_if(1, c.i32_eq(c.getLocal('j'), c.i32_const(16))),
          c.call('ed_addCached', c.i32_const(pWinAcc), slot(c.i32_const(1)), c.i32_const(pWinAcc)),
          c.call('ed_toCached', c.i32_const(pWinAcc), slot(c.getLocal('j'))),
          c.setLocal('j', c.i32_add(c.getLocal('j'), c.i32_const(1))),
          c.br(0),
        ),
      ),
      c.call('ed_identity', c.getLocal('r')),
      c.setLocal('started', c.i32_const(0)),
      c.setLocal('i', c.i32_const(63)),
      c.block(
        c.loop(
          c.if(c.getLocal('started'), [
            ...c.call('ed_double', c.getLocal('r'), c.getLocal('r'), c.i32_const(0)),
            ...c.call('ed_double', c.getLocal('r'), c.getLocal('r'), c.i32_const(0)),
            ...c.call('ed_double', c.getLocal('r'), c.getLocal('r'), c.i32_const(0)),
            ...c.call('ed_double', c.getLocal('r'), c.getLocal('r'), c.i32_const(1)),
          ]),
          c.setLocal(
            'nib',
            c.i32_and(
              c.i32_shr_u(
                c.i32_load8_u(c.i32_add(c.getLocal('ps'), c.i32_shr_u(c.getLocal('i'), c.i32_const(1)))),
                c.i32_shl(c.i32_and(c.getLocal('i'), c.i32_const(1)), c.i32_const(2)),
              ),
              c.i32_const(15),
            ),
          ),
          c.if(c.getLocal('nib'), [
            ...c.call('ed_addCached', c.getLocal('r'), slot(c.getLocal('nib')), c.getLocal('r')),
            ...c.setLocal('started', c.i32_const(1)),
          ]),
          c.br_if(1, c.i32_eqz(c.getLocal('i'))),
          c.setLocal('i', c.i32_sub(c.getLocal('i'), c.i32_const(1))),
          c.br(0),
        ),
      ),
    ];
  });

  // Poseidon, widths 2..MAX_KERNEL_T. Round constants C in Montgomery form, the matrices in dot form.
  // Per width: [nRoundsP, pC, pSCol, pMT, pPT, pSRow] as i32, MT/PT transposed so that row i holds the weights
  // of output i; each partial round's sparse matrix S (2t - 1 entries) split into its first row (t entries, at
  // pSRow) and the rest of its first column (t - 1 entries, at pSCol).
  // The constants are not data segments (slow to build): the regions are filled after instantiation.
  const WIDTH_ENTRY_BYTES = 24;
  const widthTable: number[] = [];
  const fills: ConstantFill[] = [];
  const dotFills: ConstantFill[] = [];
  const region = (values: bigint[]): number => {
    const ptr = module.alloc(values.length * N8);
    fills.push({ ptr, values });
    return ptr;
  };
  const dotRegion = (values: bigint[]): number => {
    const ptr = module.alloc(values.length * DOT_CONSTANT_BYTES);
    dotFills.push({ ptr, values });
    return ptr;
  };
  for (let t = 2; t <= MAX_KERNEL_T; t++) {
    const pc = poseidonConstants(t);
    const mt: bigint[] = [];
    const pt: bigint[] = [];
    for (let i = 0; i < t; i++) {
      for (let j = 0; j < t; j++) {
        mt.push(pc.M[j]![i]!);
        pt.push(pc.P[j]![i]!);
      }
    }
    const sRows: bigint[] = [];
    const sCols: bigint[] = [];
    for (let r = 0; r < pc.roundsPartial; r++) {
      sRows.push(...pc.S.slice(r * (2 * t - 1), r * (2 * t - 1) + t));
      sCols.push(...pc.S.slice(r * (2 * t - 1) + t, (r + 1) * (2 * t - 1)));
    }
    widthTable.push(
      pc.roundsPartial,
      region([...pc.C]),
      dotRegion(sCols),
      dotRegion(mt),
      dotRegion(pt),
      dotRegion(sRows),
    );
  }
  const pWidths = module.alloc(widthTable.flatMap((v) => bytesLE(BigInt(v), 4)));
  const pState = module.alloc(MAX_KERNEL_T * N8);
  const pState2 = module.alloc(MAX_KERNEL_T * N8);
  const pAux = module.alloc(N8);

  fn('pos_pow5', ['p'], (c) => [
    c.call('frm_square', c.getLocal('p'), k(c, pAux)),
    c.call('frm_square', k(c, pAux), k(c, pAux)),
    c.call('frm_mul', c.getLocal('p'), k(c, pAux), c.getLocal('p')),
  ]);

  // state[0..outs) = (MT * state)[0..outs) (MT row-major, transposed, dot form at pm).
  fn('pos_mix', ['t', 'pm', 'outs'], (c, f) => {
    f.addLocal('i', 'i32');
    const el = (base: unknown, idx: unknown) => c.i32_add(base, c.i32_mul(idx, c.i32_const(N8)));
    return [
      c.setLocal('i', c.i32_const(0)),
      c.block(
        c.loop(
          c.br_if(1, c.i32_eq(c.getLocal('i'), c.getLocal('outs'))),
          c.call(
            'fr_dot',
            k(c, pState),
            c.getLocal('pm'),
            c.getLocal('t'),
            el(c.i32_const(pState2), c.getLocal('i')),
          ),
          c.setLocal(
            'pm',
            c.i32_add(c.getLocal('pm'), c.i32_mul(c.getLocal('t'), c.i32_const(DOT_CONSTANT_BYTES))),
          ),
          c.setLocal('i', c.i32_add(c.getLocal('i'), c.i32_const(1))),
          c.br(0),
        ),
      ),
      // copy back
      c.setLocal('i', c.i32_const(0)),
      c.block(
        c.loop(
          c.br_if(1, c.i32_eq(c.getLocal('i'), c.getLocal('outs'))),
          c.call(
            'frm_copy',
            el(c.i32_const(pState2), c.getLocal('i')),
            el(c.i32_const(pState), c.getLocal('i')),
          ),
          c.setLocal('i', c.i32_add(c.getLocal('i'), c.i32_const(1))),
          c.br(0),
        ),
      ),
    ];
  });

  // Full round: state[i] = pow5(state[i]) (+ C[i] when pc != 0), then mix into state[0..outs). Returns pc
  // advanced by t.
  fn(
    'pos_full',
    ['t', 'pc', 'pm', 'outs'],
    (c, f) => {
      f.addLocal('i', 'i32');
      f.addLocal('ps', 'i32');
      return [
        c.setLocal('i', c.i32_const(0)),
        c.setLocal('ps', c.i32_const(pState)),
        c.block(
          c.loop(
            c.br_if(1, c.i32_eq(c.getLocal('i'), c.getLocal('t'))),
            c.call('pos_pow5', c.getLocal('ps')),
            c.if(c.getLocal('pc'), [
              ...c.call('frm_add', c.getLocal('ps'), c.getLocal('pc'), c.getLocal('ps')),
              ...c.setLocal('pc', c.i32_add(c.getLocal('pc'), c.i32_const(N8))),
            ]),
            c.setLocal('ps', c.i32_add(c.getLocal('ps'), c.i32_const(N8))),
            c.setLocal('i', c.i32_add(c.getLocal('i'), c.i32_const(1))),
            c.br(0),
          ),
        ),
        c.call('pos_mix', c.getLocal('t'), c.getLocal('pm'), c.getLocal('outs')),
        c.ret(c.getLocal('pc')),
      ];
    },
    'i32',
  );

  // One full round with its constants and the matrix in local `matrix` (all t outputs): pc advances by t.
  const fullRound = (c: Fn, matrix: string) =>
    c.setLocal(
      'pc',
      c.call('pos_full', c.getLocal('t'), c.getLocal('pc'), c.getLocal(matrix), c.getLocal('t')),
    );

  // Poseidon of n (1..16) Montgomery inputs at pin; result (Montgomery) to pout.
  fn('pos_hash', ['pin', 'n', 'pout'], (c, f) => {
    for (const l of ['t', 'pw', 'nrp', 'pc', 'ps', 'pm', 'pp', 'psr', 'i', 'j', 'pst']) f.addLocal(l, 'i32');
    const el = (base: unknown, idx: unknown) => c.i32_add(base, c.i32_mul(idx, c.i32_const(N8)));
    return [
      c.setLocal('t', c.i32_add(c.getLocal('n'), c.i32_const(1))),
      c.setLocal(
        'pw',
        c.i32_add(
          c.i32_const(pWidths),
          c.i32_mul(c.i32_sub(c.getLocal('n'), c.i32_const(1)), c.i32_const(WIDTH_ENTRY_BYTES)),
        ),
      ),
      c.setLocal('nrp', c.i32_load(c.getLocal('pw'), 0)),
      c.setLocal('pc', c.i32_load(c.getLocal('pw'), 4)),
      c.setLocal('ps', c.i32_load(c.getLocal('pw'), 8)),
      c.setLocal('pm', c.i32_load(c.getLocal('pw'), 12)),
      c.setLocal('pp', c.i32_load(c.getLocal('pw'), 16)),
      c.setLocal('psr', c.i32_load(c.getLocal('pw'), 20)),
      // state = [0, in...] + C[0..t)
      c.call('frm_copy', c.getLocal('pc'), k(c, pState)),
      c.setLocal('i', c.i32_const(1)),
      c.block(
        c.loop(
          c.br_if(1, c.i32_gt_u(c.getLocal('i'), c.getLocal('n'))),
          c.call(
            'frm_add',
            el(c.getLocal('pin'), c.i32_sub(c.getLocal('i'), c.i32_const(1))),
            el(c.getLocal('pc'), c.getLocal('i')),
            el(c.i32_const(pState), c.getLocal('i')),
          ),
          c.setLocal('i', c.i32_add(c.getLocal('i'), c.i32_const(1))),
          c.br(0),
        ),
      ),
      c.setLocal('pc', el(c.getLocal('pc'), c.getLocal('t'))),
      // first half of full rounds, the last one with the pre-sparse matrix P
      fullRound(c, 'pm'),
      fullRound(c, 'pm'),
      fullRound(c, 'pm'),
      fullRound(c, 'pp'),
      // partial rounds with sparse matrices S (2t - 1 per round)
      c.setLocal('i', c.i32_const(0)),
      c.block(
        c.loop(
          c.br_if(1, c.i32_eq(c.getLocal('i'), c.getLocal('nrp'))),
          c.call('pos_pow5', k(c, pState)),
          c.call('frm_add', k(c, pState), c.getLocal('pc'), k(c, pState)),
          c.setLocal('pc', c.i32_add(c.getLocal('pc'), c.i32_const(N8))),
          // s0' = sum_j S[j] * state[j]  (into pState2[0])
          c.call('fr_dot', k(c, pState), c.getLocal('psr'), c.getLocal('t'), k(c, pState2)),
          c.setLocal(
            'psr',
            c.i32_add(c.getLocal('psr'), c.i32_mul(c.getLocal('t'), c.i32_const(DOT_CONSTANT_BYTES))),
          ),
          // state[k] += state[0] * S[t + k - 1] for k >= 1, then state[0] = s0'
          c.call(
            'fr_axpy',
            k(c, pState),
            c.getLocal('ps'),
            c.i32_sub(c.getLocal('t'), c.i32_const(1)),
            k(c, pState + N8),
          ),
          c.call('frm_copy', k(c, pState2), k(c, pState)),
          c.setLocal(
            'ps',
            c.i32_add(
              c.getLocal('ps'),
              c.i32_mul(c.i32_sub(c.getLocal('t'), c.i32_const(1)), c.i32_const(DOT_CONSTANT_BYTES)),
            ),
          ),
          c.setLocal('i', c.i32_add(c.getLocal('i'), c.i32_const(1))),
          c.br(0),
        ),
      ),
      // second half of full rounds; the last one without constants
      fullRound(c, 'pm'),
      fullRound(c, 'pm'),
      fullRound(c, 'pm'),
      c.drop(c.call('pos_full', c.getLocal('t'), c.i32_const(0), c.getLocal('pm'), c.i32_const(1))),
      c.call('frm_copy', k(c, pState), c.getLocal('pout')),
    ];
  });
  if (ROUNDS_FULL !== 8) throw new Error('kernel assumes 8 full rounds');

  // EdDSA-Poseidon verification. Input at pin (Montgomery unless noted):
  // [0] msg, [1] R8x, [2] R8y, [3] Ax, [4] Ay, [5] S (plain little-endian). Returns 1 when S*B8 == R8 + 8*h*A.
  const pH = module.alloc(N8 + 8);
  const pA8 = module.alloc(POINT_BYTES);
  const pQ = module.alloc(POINT_BYTES);
  const pR8 = module.alloc(POINT_BYTES);
  const pL = module.alloc(POINT_BYTES);
  const pHashIn = module.alloc(5 * N8);
  fn(
    'eddsa_verify',
    ['pin'],
    (c) => {
      const el = (i: number) => at(c, 'pin', i * N8);
      return [
        // h = Poseidon(R8x, R8y, Ax, Ay, msg)
        c.call('frm_copy', el(1), k(c, pHashIn)),
        c.call('frm_copy', el(2), k(c, pHashIn + N8)),
        c.call('frm_copy', el(3), k(c, pHashIn + 2 * N8)),
        c.call('frm_copy', el(4), k(c, pHashIn + 3 * N8)),
        c.call('frm_copy', el(0), k(c, pHashIn + 4 * N8)),
        c.call('pos_hash', k(c, pHashIn), c.i32_const(5), k(c, pH)),
        c.call('frm_fromMontgomery', k(c, pH), k(c, pH)),
        // A8 = 8 * A
        c.call('ed_fromAffine', el(3), k(c, pA8)),
        c.call('ed_double', k(c, pA8), k(c, pA8), c.i32_const(0)),
        c.call('ed_double', k(c, pA8), k(c, pA8), c.i32_const(0)),
        c.call('ed_double', k(c, pA8), k(c, pA8), c.i32_const(1)),
        // Q = h * A8 + R8
        c.call('ed_mulVar', k(c, pA8), k(c, pH), k(c, pQ)),
        c.call('ed_fromAffine', el(1), k(c, pR8)),
        c.call('ed_add', k(c, pQ), k(c, pR8), k(c, pQ)),
        // L = S * B8
        c.call('ed_mulBase', el(5), k(c, pL)),
        c.ret(c.call('ed_eq', k(c, pL), k(c, pQ))),
      ];
    },
    'i32',
  );

  // Reading verification: pin holds [0..4] the reading encoding, [5] R8x, [6] R8y, [7] Ax, [8] Ay, [9] S, all plain.
  // Computes msg = Poseidon(encoding) (left, plain, at pin[10]) and verifies. Returns 1 when valid.
  const pV = module.alloc(6 * N8);
  fn(
    'reading_verify',
    ['pin'],
    (c) => {
      const el = (i: number) => at(c, 'pin', i * N8);
      const toM = (from: number, to: number) => c.call('frm_toMontgomery', el(from), k(c, to));
      return [
        toM(0, pHashIn),
        toM(1, pHashIn + N8),
        toM(2, pHashIn + 2 * N8),
        toM(3, pHashIn + 3 * N8),
        toM(4, pHashIn + 4 * N8),
        c.call('pos_hash', k(c, pHashIn), c.i32_const(5), k(c, pV)),
        c.call('frm_fromMontgomery', k(c, pV), el(10)),
        toM(5, pV + N8),
        toM(6, pV + 2 * N8),
        toM(7, pV + 3 * N8),
        toM(8, pV + 4 * N8),
        c.call('frm_copy', el(9), k(c, pV + 5 * N8)),
        c.ret(c.call('eddsa_verify', k(c, pV))),
      ].flat();
    },
    'i32',
  );

  // Poseidon of n plain inputs at pin, plain result to pout.
  const pPlainIn = module.alloc(MAX_KERNEL_T * N8);
  fn('pos_hashPlain', ['pin', 'n', 'pout'], (c, f) => {
    f.addLocal('i', 'i32');
    const el = (base: unknown, idx: unknown) => c.i32_add(base, c.i32_mul(idx, c.i32_const(N8)));
    return [
      c.setLocal('i', c.i32_const(0)),
      c.block(
        c.loop(
          c.br_if(1, c.i32_eq(c.getLocal('i'), c.getLocal('n'))),
          c.call(
            'frm_toMontgomery',
            el(c.getLocal('pin'), c.getLocal('i')),
            el(c.i32_const(pPlainIn), c.getLocal('i')),
          ),
          c.setLocal('i', c.i32_add(c.getLocal('i'), c.i32_const(1))),
          c.br(0),
        ),
      ),
      c.call('pos_hash', k(c, pPlainIn), c.getLocal('n'), c.getLocal('pout')),
      c.call('frm_fromMontgomery', c.getLocal('pout'), c.getLocal('pout')),
    ];
  });

  // Affine plain coordinates of extended point p into r (x, y).
  fn('ed_toAffinePlain', ['p', 'r'], (c) => [
    c.call('frm_inverse', at(c, 'p', Z), k(c, tA)),
    c.call('frm_mul', at(c, 'p', X), k(c, tA), at(c, 'r', 0)),
    c.call('frm_mul', at(c, 'r', 0), k(c, pSInv), at(c, 'r', 0)),
    c.call('frm_mul', at(c, 'p', Y), k(c, tA), at(c, 'r', N8)),
    c.call('frm_fromMontgomery', at(c, 'r', 0), at(c, 'r', 0)),
    c.call('frm_fromMontgomery', at(c, 'r', N8), at(c, 'r', N8)),
  ]);

  // Prime-subgroup test (subgroup.ts). r = the Miller value f(Q) of the curve point Q = (x, y) at p (plain
  // Edwards coordinates in Montgomery form, not the kernel's a' = -1 model), up to an 8th power:
  // l1^4 * l2^2 * v2^4 * n^7 * x^2 * d^7 with n = 1 + y, d = 1 - y.
  const pT1Y = allocConst(T1.Y);
  const pT2Y = allocConst(T2.Y);
  const pL1 = allocConst(LAMBDA1);
  const pL2 = allocConst(LAMBDA2);
  const pC1 = allocConst(C1);
  const pC2 = allocConst(C2);
  fn('sg_miller', ['p', 'r'], (c) => {
    const x = at(c, 'p', 0);
    const y = at(c, 'p', N8);
    const K = (addr: number) => k(c, addr);
    const mul = (a: unknown, b: unknown, r: number) => c.call('frm_mul', a, b, K(r));
    const sq = (a: number, r: number) => c.call('frm_square', K(a), K(r));
    // tA = n, tB = d, tC = d*x, tD = n*x
    const line = (ty: number, lambda: number, cc: number, r: number) => [
      mul(K(cc), K(tC), tE),
      c.call('frm_add', K(tD), K(tE), K(tE)),
      mul(K(lambda), K(tE), tE),
      mul(K(ty), K(tC), r),
      c.call('frm_sub', K(tA), K(r), K(r)),
      c.call('frm_sub', K(r), K(tE), K(r)),
    ];
    return [
      c.call('frm_add', K(pOneM), y, K(tA)),
      c.call('frm_sub', K(pOneM), y, K(tB)),
      mul(K(tB), x, tC),
      mul(K(tA), x, tD),
      ...line(pT1Y, pL1, pC1, tF), // l1
      ...line(pT2Y, pL2, pC2, tG), // l2
      mul(K(pC2), K(tB), tH),
      c.call('frm_add', K(tA), K(tH), K(tH)), // v2
      sq(tF, tF),
      sq(tF, tF), // l1^4
      sq(tG, tG), // l2^2
      mul(K(tF), K(tG), tS),
      sq(tH, tH),
      sq(tH, tH), // v2^4
      mul(K(tS), K(tH), tS),
      sq(tA, tU), // n^2
      sq(tU, tE), // n^4
      mul(K(tE), K(tU), tE),
      mul(K(tE), K(tA), tE), // n^7
      mul(K(tS), K(tE), tS),
      c.call('frm_square', x, K(tE)),
      mul(K(tS), K(tE), tS), // x^2
      sq(tB, tU), // d^2
      sq(tU, tE), // d^4
      mul(K(tE), K(tU), tE),
      mul(K(tE), K(tB), tE), // d^7
      c.call('frm_mul', K(tS), K(tE), c.getLocal('r')),
    ];
  });
  // 1 when, for each of k trials, the product of the Miller values at pv (n of them) selected by that trial's
  // bits at pm (SUBGROUP_MASK_BYTES per trial, bit i of byte i/8) raised to (p - 1)/8 is 1.
  const pFinalExponent = module.alloc(bytesLE(FINAL_EXPONENT));
  fn(
    'sg_batch',
    ['pv', 'n', 'pm', 'k'],
    (c, f) => {
      f.addLocal('i', 'i32');
      return [
        c.block(
          c.loop(
            c.br_if(1, c.i32_eqz(c.getLocal('k'))),
            c.call('frm_copy', k(c, pOneM), k(c, tA)),
            c.setLocal('i', c.i32_const(0)),
            c.block(
              c.loop(
                c.br_if(1, c.i32_eq(c.getLocal('i'), c.getLocal('n'))),
                c.if(
                  c.i32_and(
                    c.i32_shr_u(
                      c.i32_load8_u(
                        c.i32_add(c.getLocal('pm'), c.i32_shr_u(c.getLocal('i'), c.i32_const(3))),
                      ),
                      c.i32_and(c.getLocal('i'), c.i32_const(7)),
                    ),
                    c.i32_const(1),
                  ),
                  c.call(
                    'frm_mul',
                    k(c, tA),
                    c.i32_add(c.getLocal('pv'), c.i32_mul(c.getLocal('i'), c.i32_const(N8))),
                    k(c, tA),
                  ),
                ),
                c.setLocal('i', c.i32_add(c.getLocal('i'), c.i32_const(1))),
                c.br(0),
              ),
            ),
            c.call('frm_exp', k(c, tA), k(c, pFinalExponent), c.i32_const(N8), k(c, tB)),
            c.if(c.i32_eqz(c.call('frm_eq', k(c, tB), k(c, pOneM))), c.ret(c.i32_const(0))),
            c.setLocal('pm', c.i32_add(c.getLocal('pm'), c.i32_const(SUBGROUP_MASK_BYTES))),
            c.setLocal('k', c.i32_sub(c.getLocal('k'), c.i32_const(1))),
            c.br(0),
          ),
        ),
        c.ret(c.i32_const(1)),
      ];
    },
    'i32',
  );
  const pSgValues = module.alloc(MSM_MAX_POINTS * N8);
  const pSgMasks = module.alloc(SUBGROUP_TRIALS * SUBGROUP_MASK_BYTES);

  const pMsmPoints = module.alloc(MSM_MAX_POINTS * 3 * POINT_BYTES);
  const pMsmBuckets = module.alloc(MSM_BUCKETS * POINT_BYTES);
  const pMsmAcc = module.alloc(POINT_BYTES);
  const pMsmRun = module.alloc(POINT_BYTES);
  const pMsmTot = module.alloc(POINT_BYTES);
  const pIdentity = module.alloc([
    ...bytesLE(0n),
    ...bytesLE(toMont(1n)),
    ...bytesLE(toMont(1n)),
    ...bytesLE(0n),
  ]);
  const pIo = module.alloc(16 * N8);
  const pScratch = module.alloc(256 * POINT_BYTES + 256 * N8);
  for (const name of [
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
  ]) {
    if (!module.exports.some((e: { exportName: string }) => e.exportName === name))
      module.exportFunction(name);
  }
  const end = module.free as number;
  module.setMemory(Math.ceil((end + 65536) / 65536));
  return {
    bytes: module.build() as Uint8Array,
    layout: {
      fills,
      dotFills,
      pIo,
      pBaseTable,
      pScratch,
      pMsmPoints,
      pMsmBuckets,
      pMsmAcc,
      pMsmRun,
      pMsmTot,
      pIdentity,
      pSgValues,
      pSgMasks,
      end,
    },
  };
}
