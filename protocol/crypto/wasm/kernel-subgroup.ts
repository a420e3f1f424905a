/**
 * The batched prime-subgroup test of the kernel (see `subgroup.ts`): a Miller value per point, and a check
 * that random subset products of those values raised to (p - 1)/8 are all 1.
 */
import { C1, C2, FINAL_EXPONENT, LAMBDA1, LAMBDA2, T1, T2 } from '../subgroup-constants.ts';
import { at, type KernelContext, k } from './kernel-context.ts';
import { bytesLE, MSM_MAX_POINTS, N8, SUBGROUP_MASK_BYTES, SUBGROUP_TRIALS } from './kernel-layout.ts';

/** Where the JavaScript side writes the Miller values and the subset masks. */
export interface SubgroupRegions {
  pSgValues: number;
  pSgMasks: number;
}

/** Adds `sg_miller` and `sg_batch` and allocates their input regions. */
export function buildSubgroupCheck(ctx: KernelContext): SubgroupRegions {
  buildMiller(ctx);
  buildBatch(ctx);
  return {
    pSgValues: ctx.module.alloc(MSM_MAX_POINTS * N8),
    pSgMasks: ctx.module.alloc(SUBGROUP_TRIALS * SUBGROUP_MASK_BYTES),
  };
}

/**
 * `sg_miller`: r = the Miller value f(Q) of the curve point Q = (x, y) at p (plain Edwards coordinates in
 * Montgomery form, not the kernel's a' = -1 model), up to an 8th power:
 * l1^4 * l2^2 * v2^4 * n^7 * x^2 * d^7 with n = 1 + y, d = 1 - y.
 */
function buildMiller(ctx: KernelContext): void {
  const { allocConst, pOneM } = ctx;
  const { tA, tB, tC, tD, tE, tF, tG, tH, tS, tU } = ctx.scratch;
  const pT1Y = allocConst(T1.Y);
  const pT2Y = allocConst(T2.Y);
  const pL1 = allocConst(LAMBDA1);
  const pL2 = allocConst(LAMBDA2);
  const pC1 = allocConst(C1);
  const pC2 = allocConst(C2);
  ctx.fn('sg_miller', ['p', 'r'], (c) => {
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
}

/**
 * `sg_batch`: 1 when, for each of k trials, the product of the Miller values at pv (n of them) selected by that
 * trial's bits at pm (SUBGROUP_MASK_BYTES per trial, bit i of byte i/8) raised to (p - 1)/8 is 1.
 */
function buildBatch(ctx: KernelContext): void {
  const { pOneM } = ctx;
  const { tA, tB } = ctx.scratch;
  const pFinalExponent = ctx.module.alloc(bytesLE(FINAL_EXPONENT));
  ctx.fn(
    'sg_batch',
    ['pv', 'n', 'pm', 'k'],
    (c, f) => {
      f.addLocal('i', 'i32');
      const selected = c.i32_and(
        c.i32_shr_u(
          c.i32_load8_u(c.i32_add(c.getLocal('pm'), c.i32_shr_u(c.getLocal('i'), c.i32_const(3)))),
          c.i32_and(c.getLocal('i'), c.i32_const(7)),
        ),
        c.i32_const(1),
      );
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
                  selected,
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
}
