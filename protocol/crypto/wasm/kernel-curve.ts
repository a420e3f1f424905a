/**
 * Baby Jubjub point arithmetic of the kernel, in extended twisted Edwards coordinates on the a' = -1 model
 * (see `kernel-context.ts`). A "cached" point stores d*T instead of T; a "pre" point (table entry, affine)
 * stores (x, y, x + y, d*x*y). Points enter through `ed_fromAffine` (x' = s*x) and leave through
 * `ed_toAffinePlain` (x = x'/s); the identity, equality tests and negation are the same in both models.
 */

import { at, type KernelContext, k, T, type Wasm, X, Y, Z } from './kernel-context.ts';
import { N8 } from './kernel-layout.ts';

/**
 * Adds the additions, doubling, identity, conversions and equality test (`ed_add`, `ed_addCached`,
 * `ed_addPre`, `ed_double`, `ed_identity`, `ed_toCached`, `ed_fromAffine`, `ed_toPre`, `ed_eq`), in this order.
 */
export function buildCurveArithmetic(ctx: KernelContext): void {
  buildAdditions(ctx);
  buildDoubling(ctx);
  buildConversions(ctx);
  buildEquality(ctx);
}

/** The three additions (add-2008-hwcd): extended + extended, + cached, + pre. r may alias p or q. */
function buildAdditions(ctx: KernelContext): void {
  const { fn, pD } = ctx;
  const { tA, tB, tC, tD, tE, tF, tG, tH, tS, tU } = ctx.scratch;

  // Tail of every addition: from E, F, G, H to r = (E*F, G*H, F*G, E*H).
  const finish = (c: Wasm) => [
    c.call('frm_mul', k(c, tE), k(c, tF), at(c, 'r', X)),
    c.call('frm_mul', k(c, tG), k(c, tH), at(c, 'r', Y)),
    c.call('frm_mul', k(c, tF), k(c, tG), at(c, 'r', Z)),
    c.call('frm_mul', k(c, tE), k(c, tH), at(c, 'r', T)),
  ];
  // From A, B, C, D, E(with (X1+Y1)(X2+Y2)) compute E, F, G, H (add-2008-hwcd).
  const middle = (c: Wasm) => [
    c.call('frm_sub', k(c, tE), k(c, tA), k(c, tE)),
    c.call('frm_sub', k(c, tE), k(c, tB), k(c, tE)),
    c.call('frm_sub', k(c, tD), k(c, tC), k(c, tF)),
    c.call('frm_add', k(c, tD), k(c, tC), k(c, tG)),
    c.call('frm_add', k(c, tB), k(c, tA), k(c, tH)), // H = B - a'*A = B + A
  ];

  // r = p + q, both extended.
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
}

/** `ed_double`: r = 2p (dbl-2008-hwcd); `withT` = 0 skips T (when the next operation is another doubling). */
function buildDoubling(ctx: KernelContext): void {
  const { tA, tB, tC, tD, tE, tF, tG, tH, tS } = ctx.scratch;
  ctx.fn('ed_double', ['p', 'r', 'withT'], (c) => [
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
}

/** The identity and the conversions into extended, cached and pre form. */
function buildConversions(ctx: KernelContext): void {
  const { fn, pD, pS, pOneM } = ctx;
  const { tA } = ctx.scratch;

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
}

/** `ed_eq`: 1 when p and q (extended) are the same point: X1*Z2 == X2*Z1 and Y1*Z2 == Y2*Z1. */
function buildEquality(ctx: KernelContext): void {
  const { tA, tB, tC, tD } = ctx.scratch;
  ctx.fn(
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
}

/** `ed_toAffinePlain`: affine plain coordinates (x, y) of extended point p into r, back on the curve's a model. */
export function buildAffineExit(ctx: KernelContext): void {
  const { pSInv } = ctx;
  const { tA } = ctx.scratch;
  ctx.fn('ed_toAffinePlain', ['p', 'r'], (c) => [
    c.call('frm_inverse', at(c, 'p', Z), k(c, tA)),
    c.call('frm_mul', at(c, 'p', X), k(c, tA), at(c, 'r', 0)),
    c.call('frm_mul', at(c, 'r', 0), k(c, pSInv), at(c, 'r', 0)),
    c.call('frm_mul', at(c, 'p', Y), k(c, tA), at(c, 'r', N8)),
    c.call('frm_fromMontgomery', at(c, 'r', 0), at(c, 'r', 0)),
    c.call('frm_fromMontgomery', at(c, 'r', N8), at(c, 'r', N8)),
  ]);
}
