/**
 * EdDSA-Poseidon signature verification in the kernel (circomlib's scheme): S*B8 == R8 + 8*h*A with
 * h = Poseidon(R8x, R8y, Ax, Ay, msg), and the verification of a whole reading from its field encoding.
 */

import { at, type KernelContext, k } from './kernel-context.ts';
import { N8, POINT_BYTES } from './kernel-layout.ts';

/** Adds `eddsa_verify` and `reading_verify` (which hashes the reading, then calls `eddsa_verify`). */
export function buildSignatureVerification(ctx: KernelContext): void {
  const pHashIn = buildEddsaVerify(ctx);
  buildReadingVerify(ctx, pHashIn);
}

/**
 * `eddsa_verify`: input at pin (Montgomery unless noted): [0] msg, [1] R8x, [2] R8y, [3] Ax, [4] Ay, [5] S
 * (plain little-endian). Returns 1 when S*B8 == R8 + 8*h*A. Returns the address of its 5-element hash input,
 * shared with `reading_verify`.
 */
function buildEddsaVerify(ctx: KernelContext): number {
  const { module } = ctx;
  const pH = module.alloc(N8 + 8);
  const pA8 = module.alloc(POINT_BYTES);
  const pQ = module.alloc(POINT_BYTES);
  const pR8 = module.alloc(POINT_BYTES);
  const pL = module.alloc(POINT_BYTES);
  const pHashIn = module.alloc(5 * N8);
  ctx.fn(
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
  return pHashIn;
}

/**
 * `reading_verify`: pin holds [0..4] the reading encoding, [5] R8x, [6] R8y, [7] Ax, [8] Ay, [9] S, all plain.
 * Computes msg = Poseidon(encoding) (left, plain, at pin[10]) and verifies. Returns 1 when valid.
 */
function buildReadingVerify(ctx: KernelContext, pHashIn: number): void {
  const pV = ctx.module.alloc(6 * N8);
  ctx.fn(
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
}
