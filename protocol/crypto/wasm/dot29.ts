/**
 * Field products with one Montgomery reduction for a whole sum, for the Poseidon layers of the WebAssembly
 * kernel (every matrix product there is state x constants): dot products sum_i a_i * b_i and the updates
 * y_k += x * b_k of the sparse partial rounds.
 *
 * State elements are stored as everywhere in the kernel (8 little-endian 32-bit words, Montgomery form
 * x*2^256 mod p, canonical). Constants b are stored as nine 29-bit limbs (one i64 each, 72 bytes) of
 * m*2^261 mod p ("dot form"). A state element is split into nine 29-bit limbs; a 29 x 29-bit product is below
 * 2^58, so the 17 column sums of a whole dot product add up in i64 locals without carrying (at most 54
 * products per column before a carry pass, which runs after every 6 terms). One reduction by 2^261 at the
 * end gives sum x_i*2^256 * m_i*2^261 / 2^261 = (sum x_i*m_i)*2^256: the Montgomery form of the result,
 * brought below p. Against one wasmcurves multiplication and addition per term, this drops the per-product
 * carry handling and all reductions but one.
 */
import { FIELD_MODULUS } from '../field.ts';

const LIMBS = 9;
const BITS = 29;
const COLUMNS = 2 * LIMBS - 1;
const MASK = (1n << 29n) - 1n;
/** Terms added between two carry passes: 6 * 9 products of < 2^58 plus a 29-bit column stay below 2^64. */
const TERMS_PER_PASS = 6;

/** Bytes of one constant in dot form (nine 29-bit limbs, one i64 each). */
export const DOT_CONSTANT_BYTES = LIMBS * 8;

function limbsOf(v: bigint): bigint[] {
  return Array.from({ length: LIMBS }, (_, i) => (v >> BigInt(BITS * i)) & MASK);
}

/** The nine limbs (little-endian i64 values) of field constant m in dot form, m*2^261 mod p. */
export function dotConstantLimbs(m: bigint): bigint[] {
  return limbsOf(((((m % FIELD_MODULUS) + FIELD_MODULUS) % FIELD_MODULUS) << 261n) % FIELD_MODULUS);
}

function inverseMod2k(a: bigint, k: bigint): bigint {
  const m = 1n << k;
  let x = 1n;
  for (let i = 0; i < 8; i++) x = (x * (2n - a * x)) % m; // Newton: doubles the correct low bits each step
  return ((x % m) + m) % m;
}

// biome-ignore lint/suspicious/noExplicitAny: wasmbuilder module, function and code builders.
type Any = any;

const P_LIMBS = limbsOf(FIELD_MODULUS);
const MU = (1n << 29n) - inverseMod2k(FIELD_MODULUS & MASK, 29n); // -p^-1 mod 2^29

/** Code emitters over one function's locals: a0..a8, b0..b8, c0..c16, t, q (all i64). */
function emitters(f: Any) {
  if (FIELD_MODULUS >> 254n !== 0n) throw new Error('dot29 assumes p < 2^254');
  for (let i = 0; i < LIMBS; i++) {
    f.addLocal(`a${i}`, 'i64');
    f.addLocal(`b${i}`, 'i64');
  }
  for (let k = 0; k < COLUMNS; k++) f.addLocal(`c${k}`, 'i64');
  f.addLocal('t', 'i64');
  f.addLocal('q', 'i64');
  const c = f.getCodeBuilder();
  const get = (l: string) => c.getLocal(l);
  const mask = () => c.i64_const(MASK);
  const sum = (...xs: Any[]) => xs.reduce((s, x) => c.i64_add(s, x));

  /** Limb i (bits [29i, 29i + 29)) of the 256-bit element at address local `ptr`. */
  const limbOf = (ptr: string, i: number) => {
    const start = BITS * i;
    const byte = Math.min(start >> 3, 24);
    const bit = start - 8 * byte;
    const word = c.i64_load(get(ptr), byte);
    return c.i64_and(bit === 0 ? word : c.i64_shr_u(word, c.i64_const(bit)), mask());
  };
  /** `prefix`0..8 = limbs of the element at `ptr`. */
  const unpack = (ptr: string, prefix: string) =>
    Array.from({ length: LIMBS }, (_, i) => c.setLocal(`${prefix}${i}`, limbOf(ptr, i)));
  /** b0..b8 = the dot-form constant at `ptr`. */
  const loadConstant = (ptr: string) =>
    Array.from({ length: LIMBS }, (_, i) => c.setLocal(`b${i}`, c.i64_load(get(ptr), 8 * i)));
  const clearColumns = () => Array.from({ length: COLUMNS }, (_, k) => c.setLocal(`c${k}`, c.i64_const(0)));
  /** columns += a * b (81 products, no carries). */
  const accumulate = () => {
    const out: Any[] = [];
    for (let k = 0; k < COLUMNS; k++) {
      const products: Any[] = [];
      for (let i = Math.max(0, k - LIMBS + 1); i <= Math.min(k, LIMBS - 1); i++) {
        products.push(c.i64_mul(get(`a${i}`), get(`b${k - i}`)));
      }
      out.push(c.setLocal(`c${k}`, sum(get(`c${k}`), ...products)));
    }
    return out;
  };
  /** Carry pass: every column below 2^29 except the top one. */
  const carryPass = () => {
    const out: Any[] = [];
    for (let k = 0; k < COLUMNS - 1; k++) {
      out.push(
        c.setLocal(`c${k + 1}`, c.i64_add(get(`c${k + 1}`), c.i64_shr_u(get(`c${k}`), c.i64_const(BITS)))),
      );
      out.push(c.setLocal(`c${k}`, c.i64_and(get(`c${k}`), mask())));
    }
    return out;
  };
  /**
   * Montgomery reduction of the columns by 2^261 (nine steps, each clearing the lowest remaining column);
   * the result, plus the element whose limbs are in `addend`0..8 when given, is normalised into a0..a8.
   */
  const reduce = (addend?: string) => {
    const out: Any[] = [];
    for (let s = 0; s < LIMBS; s++) {
      out.push(
        c.setLocal('q', c.i64_and(c.i64_mul(c.i64_and(get(`c${s}`), mask()), c.i64_const(MU)), mask())),
      );
      out.push(
        c.setLocal(
          `c${s + 1}`,
          sum(
            get(`c${s + 1}`),
            c.i64_shr_u(
              c.i64_add(get(`c${s}`), c.i64_mul(get('q'), c.i64_const(P_LIMBS[0]!))),
              c.i64_const(BITS),
            ),
            c.i64_mul(get('q'), c.i64_const(P_LIMBS[1]!)),
          ),
        ),
      );
      for (let j = 2; j < LIMBS; j++) {
        out.push(
          c.setLocal(`c${s + j}`, c.i64_add(get(`c${s + j}`), c.i64_mul(get('q'), c.i64_const(P_LIMBS[j]!)))),
        );
      }
    }
    out.push(c.setLocal('t', c.i64_const(0)));
    for (let j = 0; j < LIMBS - 1; j++) {
      const column = addend ? c.i64_add(get(`c${LIMBS + j}`), get(`${addend}${j}`)) : get(`c${LIMBS + j}`);
      out.push(c.setLocal('t', c.i64_add(column, get('t'))));
      out.push(c.setLocal(`a${j}`, c.i64_and(get('t'), mask())));
      out.push(c.setLocal('t', c.i64_shr_u(get('t'), c.i64_const(BITS))));
    }
    out.push(
      c.setLocal(`a${LIMBS - 1}`, addend ? c.i64_add(get('t'), get(`${addend}${LIMBS - 1}`)) : get('t')),
    );
    return out;
  };
  /** a0..a8 -= p when a >= p (b0..b8 as scratch). */
  const subtractIfAbove = () => {
    const out: Any[] = [c.setLocal('t', c.i64_const(0))];
    for (let j = 0; j < LIMBS; j++) {
      out.push(c.setLocal('t', c.i64_add(c.i64_sub(get(`a${j}`), c.i64_const(P_LIMBS[j]!)), get('t'))));
      out.push(c.setLocal(`b${j}`, c.i64_and(get('t'), mask())));
      out.push(c.setLocal('t', c.i64_shr_s(get('t'), c.i64_const(BITS))));
    }
    const copy = Array.from({ length: LIMBS }, (_, j) => c.setLocal(`a${j}`, get(`b${j}`))).flat();
    out.push(c.if(c.i64_eqz(get('t')), copy));
    return out;
  };
  /** Stores a0..a8 (a value below 2^256) as 32 little-endian bytes at the address in local `ptr`. */
  const store = (ptr: string) => {
    const g = (j: number) => get(`a${j}`);
    const shl = (x: Any, n: number) => c.i64_shl(x, c.i64_const(n));
    const shr = (x: Any, n: number) => c.i64_shr_u(x, c.i64_const(n));
    return [
      c.i64_store(get(ptr), 0, c.i64_or(c.i64_or(g(0), shl(g(1), 29)), shl(g(2), 58))),
      c.i64_store(get(ptr), 8, c.i64_or(c.i64_or(shr(g(2), 6), shl(g(3), 23)), shl(g(4), 52))),
      c.i64_store(get(ptr), 16, c.i64_or(c.i64_or(shr(g(4), 12), shl(g(5), 17)), shl(g(6), 46))),
      c.i64_store(get(ptr), 24, c.i64_or(c.i64_or(shr(g(6), 18), shl(g(7), 11)), shl(g(8), 40))),
    ];
  };
  return {
    c,
    get,
    unpack,
    loadConstant,
    clearColumns,
    accumulate,
    carryPass,
    reduce,
    subtractIfAbove,
    store,
  };
}

/**
 * Adds `name(pa, pb, n, r)` to the module: r = sum_{i<n} a_i * b_i with a_i at pa + 32i (Montgomery, canonical)
 * and b_i at pb + 72i (dot form); r (Montgomery, canonical) may alias a_0 or any a_i. n >= 1.
 * The unreduced result is below 1.1p (sum < 17 p^2 for n <= 17; more terms are fine up to n = 128).
 */
export function buildDot29(module: Any, name: string): void {
  const f = module.addFunction(name);
  for (const param of ['pa', 'pb', 'n', 'r']) f.addParam(param, 'i32');
  f.addLocal('pass', 'i32');
  const e = emitters(f);
  const { c, get } = e;
  const term = [
    ...e.unpack('pa', 'a'),
    ...e.loadConstant('pb'),
    ...e.accumulate(),
    c.setLocal('pass', c.i32_add(get('pass'), c.i32_const(1))),
    c.if(c.i32_eq(get('pass'), c.i32_const(TERMS_PER_PASS)), [
      ...e.carryPass().flat(),
      ...c.setLocal('pass', c.i32_const(0)),
    ]),
    c.setLocal('pa', c.i32_add(get('pa'), c.i32_const(32))),
    c.setLocal('pb', c.i32_add(get('pb'), c.i32_const(DOT_CONSTANT_BYTES))),
    c.setLocal('n', c.i32_sub(get('n'), c.i32_const(1))),
  ];
  f.addCode(
    ...e.clearColumns(),
    c.setLocal('pass', c.i32_const(0)),
    c.block(c.loop(...term, c.br_if(0, get('n')))),
    ...e.carryPass(),
    ...e.reduce(),
    ...e.subtractIfAbove(),
    ...e.store('r'),
  );
}

/**
 * Adds `name(px, pb, n, py)` to the module: y_k = y_k + x * b_k for k < n, with x at px and y_k at py + 32k
 * (Montgomery, canonical, updated in place; x must not be one of them) and b_k at pb + 72k (dot form). n >= 1.
 */
export function buildAxpy29(module: Any, name: string): void {
  const f = module.addFunction(name);
  for (const param of ['px', 'pb', 'n', 'py']) f.addParam(param, 'i32');
  for (let i = 0; i < LIMBS; i++) f.addLocal(`x${i}`, 'i64');
  const e = emitters(f);
  const { c, get } = e;
  const copyX = Array.from({ length: LIMBS }, (_, i) => c.setLocal(`a${i}`, get(`x${i}`)));
  const term = [
    ...e.clearColumns(),
    ...copyX,
    ...e.loadConstant('pb'),
    ...e.accumulate(), // 9 products per column at most: no carry pass needed before the reduction
    ...e.unpack('py', 'b'),
    ...e.reduce('b'), // x*b_k/2^261 (< 1.01p) + y_k < 2.01p
    ...e.subtractIfAbove(),
    ...e.subtractIfAbove(),
    ...e.store('py'),
    c.setLocal('py', c.i32_add(get('py'), c.i32_const(32))),
    c.setLocal('pb', c.i32_add(get('pb'), c.i32_const(DOT_CONSTANT_BYTES))),
    c.setLocal('n', c.i32_sub(get('n'), c.i32_const(1))),
  ];
  f.addCode(...e.unpack('px', 'x'), c.block(c.loop(...term, c.br_if(0, get('n')))));
}
