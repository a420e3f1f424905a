/**
 * Scalar multiplication in the kernel: by the fixed base B8 through a precomputed table of 8-bit windows
 * (`ed_mulBase`), and by any point with fixed 4-bit windows of cached multiples (`ed_mulVar`). Scalars are
 * 32 bytes little-endian, not Montgomery.
 */

import { at, type KernelContext, T, X, Y, Z } from './kernel-context.ts';
import { BASE_ENTRIES, BASE_WINDOWS, POINT_BYTES } from './kernel-layout.ts';

/**
 * Allocates the fixed-base table of B8 (BASE_WINDOWS * BASE_ENTRIES pre points, filled by the JavaScript side
 * after instantiation) and adds `ed_mulBase`: r = s * B8, s at ps. Returns the table's address.
 */
export function buildFixedBaseMul(ctx: KernelContext): number {
  const pBaseTable = ctx.module.alloc(BASE_WINDOWS * BASE_ENTRIES * POINT_BYTES);
  ctx.fn('ed_mulBase', ['ps', 'r'], (c, f) => {
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
  return pBaseTable;
}

/** Adds `ed_mulVar`: r = s * p, p extended, s at ps. Fixed 4-bit windows over cached multiples 1..15 of p. */
export function buildVariableBaseMul(ctx: KernelContext): void {
  const pWin = ctx.module.alloc(16 * POINT_BYTES); // cached multiples 1..15 (slot 0 unused)
  const pWinAcc = ctx.module.alloc(POINT_BYTES);
  ctx.fn('ed_mulVar', ['p', 'ps', 'r'], (c, f) => {
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
}
