/**
 * Poseidon (circomlib, optimised form) in the kernel, widths 2..MAX_KERNEL_T. Round constants C are in
 * Montgomery form; every matrix product is a dot product with one reduction (`fr_dot`, `fr_axpy`, see
 * `dot29.ts`). The constants are not data segments (slow to build): their regions are listed as fills and
 * written by the JavaScript side after instantiation.
 */
import { poseidonConstants, ROUNDS_FULL } from '../poseidon-constants.ts';
import { DOT_CONSTANT_BYTES } from './dot29.ts';
import { type KernelContext, k, type Wasm } from './kernel-context.ts';
import { bytesLE, type ConstantFill, MAX_KERNEL_T, N8 } from './kernel-layout.ts';

/** Bytes of one width's entry in the width table: six i32. */
const WIDTH_ENTRY_BYTES = 24;

/** Addresses the Poseidon functions share. */
interface PoseidonRegions {
  /** Width table: per width t (from 2), [nRoundsP, pC, pSCol, pMT, pPT, pSRow] as i32. */
  pWidths: number;
  /** The state and the matrix product's output, MAX_KERNEL_T elements each. */
  pState: number;
  pState2: number;
  /** One scratch element for x^5. */
  pAux: number;
}

/** The constant regions Poseidon needs filled after instantiation. */
export interface PoseidonFills {
  fills: ConstantFill[];
  dotFills: ConstantFill[];
}

/** Adds `pos_pow5`, `pos_mix`, `pos_full` and `pos_hash` with their constant tables and state. */
export function buildPoseidon(ctx: KernelContext): PoseidonFills {
  if (ROUNDS_FULL !== 8) throw new Error('kernel assumes 8 full rounds');
  const { pWidths, fills, dotFills } = allocConstantTables(ctx);
  const regions: PoseidonRegions = {
    pWidths,
    pState: ctx.module.alloc(MAX_KERNEL_T * N8),
    pState2: ctx.module.alloc(MAX_KERNEL_T * N8),
    pAux: ctx.module.alloc(N8),
  };
  buildPow5(ctx, regions);
  buildMix(ctx, regions);
  buildFullRound(ctx, regions);
  buildHash(ctx, regions);
  return { fills, dotFills };
}

/**
 * Allocates the constants of every width and the width table pointing at them. MT/PT are transposed so that
 * row i holds the weights of output i; each partial round's sparse matrix S (2t - 1 entries) is split into its
 * first row (t entries, at pSRow) and the rest of its first column (t - 1 entries, at pSCol).
 */
function allocConstantTables(ctx: KernelContext): PoseidonFills & { pWidths: number } {
  const { module } = ctx;
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
  return { pWidths, fills, dotFills };
}

/** Address of element idx of the array at base. */
const el = (c: Wasm, base: unknown, idx: unknown): unknown =>
  c.i32_add(base, c.i32_mul(idx, c.i32_const(N8)));

/** `pos_pow5`: the S-box, x = x^5 in place. */
function buildPow5(ctx: KernelContext, { pAux }: PoseidonRegions): void {
  ctx.fn('pos_pow5', ['p'], (c) => [
    c.call('frm_square', c.getLocal('p'), k(c, pAux)),
    c.call('frm_square', k(c, pAux), k(c, pAux)),
    c.call('frm_mul', c.getLocal('p'), k(c, pAux), c.getLocal('p')),
  ]);
}

/** `pos_mix`: state[0..outs) = (MT * state)[0..outs) (MT row-major, transposed, dot form at pm). */
function buildMix(ctx: KernelContext, { pState, pState2 }: PoseidonRegions): void {
  ctx.fn('pos_mix', ['t', 'pm', 'outs'], (c, f) => {
    f.addLocal('i', 'i32');
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
            el(c, c.i32_const(pState2), c.getLocal('i')),
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
            el(c, c.i32_const(pState2), c.getLocal('i')),
            el(c, c.i32_const(pState), c.getLocal('i')),
          ),
          c.setLocal('i', c.i32_add(c.getLocal('i'), c.i32_const(1))),
          c.br(0),
        ),
      ),
    ];
  });
}

/**
 * `pos_full`: state[i] = pow5(state[i]) (+ C[i] when pc != 0), then mix into state[0..outs). Returns pc
 * advanced by t.
 */
function buildFullRound(ctx: KernelContext, { pState }: PoseidonRegions): void {
  ctx.fn(
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
}

/** One full round with its constants and the matrix in local `matrix` (all t outputs): pc advances by t. */
const fullRound = (c: Wasm, matrix: string): unknown =>
  c.setLocal(
    'pc',
    c.call('pos_full', c.getLocal('t'), c.getLocal('pc'), c.getLocal(matrix), c.getLocal('t')),
  );

/** `pos_hash`: Poseidon of n (1..16) Montgomery inputs at pin; result (Montgomery) to pout. */
function buildHash(ctx: KernelContext, regions: PoseidonRegions): void {
  ctx.fn('pos_hash', ['pin', 'n', 'pout'], (c, f) => {
    for (const l of ['t', 'pw', 'nrp', 'pc', 'ps', 'pm', 'pp', 'psr', 'i', 'j', 'pst']) f.addLocal(l, 'i32');
    const { pState } = regions;
    return [
      ...loadWidthEntry(c, regions),
      ...absorbInputs(c, regions),
      // first half of full rounds, the last one with the pre-sparse matrix P
      fullRound(c, 'pm'),
      fullRound(c, 'pm'),
      fullRound(c, 'pm'),
      fullRound(c, 'pp'),
      ...partialRounds(c, regions),
      // second half of full rounds; the last one without constants
      fullRound(c, 'pm'),
      fullRound(c, 'pm'),
      fullRound(c, 'pm'),
      c.drop(c.call('pos_full', c.getLocal('t'), c.i32_const(0), c.getLocal('pm'), c.i32_const(1))),
      c.call('frm_copy', k(c, pState), c.getLocal('pout')),
    ];
  });
}

/** t = n + 1 and the locals nrp, pc, ps, pm, pp, psr from width t's entry in the width table. */
function loadWidthEntry(c: Wasm, { pWidths }: PoseidonRegions): unknown[] {
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
  ];
}

/** state = [0, in...] + C[0..t); pc advances by t. */
function absorbInputs(c: Wasm, { pState }: PoseidonRegions): unknown[] {
  return [
    c.call('frm_copy', c.getLocal('pc'), k(c, pState)),
    c.setLocal('i', c.i32_const(1)),
    c.block(
      c.loop(
        c.br_if(1, c.i32_gt_u(c.getLocal('i'), c.getLocal('n'))),
        c.call(
          'frm_add',
          el(c, c.getLocal('pin'), c.i32_sub(c.getLocal('i'), c.i32_const(1))),
          el(c, c.getLocal('pc'), c.getLocal('i')),
          el(c, c.i32_const(pState), c.getLocal('i')),
        ),
        c.setLocal('i', c.i32_add(c.getLocal('i'), c.i32_const(1))),
        c.br(0),
      ),
    ),
    c.setLocal('pc', el(c, c.getLocal('pc'), c.getLocal('t'))),
  ];
}

/** The nrp partial rounds with sparse matrices S (2t - 1 entries per round, split into row psr and column ps). */
function partialRounds(c: Wasm, { pState, pState2 }: PoseidonRegions): unknown[] {
  return [
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
  ];
}

/** Adds `pos_hashPlain`: Poseidon of n plain inputs at pin, plain result to pout. */
export function buildPoseidonPlain(ctx: KernelContext): void {
  const pPlainIn = ctx.module.alloc(MAX_KERNEL_T * N8);
  ctx.fn('pos_hashPlain', ['pin', 'n', 'pout'], (c, f) => {
    f.addLocal('i', 'i32');
    return [
      c.setLocal('i', c.i32_const(0)),
      c.block(
        c.loop(
          c.br_if(1, c.i32_eq(c.getLocal('i'), c.getLocal('n'))),
          c.call(
            'frm_toMontgomery',
            el(c, c.getLocal('pin'), c.getLocal('i')),
            el(c, c.i32_const(pPlainIn), c.getLocal('i')),
          ),
          c.setLocal('i', c.i32_add(c.getLocal('i'), c.i32_const(1))),
          c.br(0),
        ),
      ),
      c.call('pos_hash', k(c, pPlainIn), c.getLocal('n'), c.getLocal('pout')),
      c.call('frm_fromMontgomery', c.getLocal('pout'), c.getLocal('pout')),
    ];
  });
}
