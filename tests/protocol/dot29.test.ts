import { createRequire } from 'node:module';
import { ModuleBuilder } from 'wasmbuilder';
import { describe, expect, it } from 'vitest';
import { FIELD_MODULUS as P } from '../../protocol/crypto/field.ts';
import {
  buildAxpy29,
  buildDot29,
  DOT_CONSTANT_BYTES,
  dotConstantLimbs,
} from '../../protocol/crypto/wasm/dot29.ts';

const { buildF1m } = createRequire(import.meta.url)('wasmcurves') as {
  buildF1m: (m: unknown, q: bigint, prefix: string) => string;
};

/** The few WebAssembly constructors used here (the project's TypeScript lib has no DOM types). */
const WA = (
  globalThis as unknown as {
    WebAssembly: {
      Module: new (bytes: Uint8Array) => object;
      Instance: new (module: object, imports: object) => { exports: object };
      Memory: new (descriptor: { initial: number; maximum: number }) => { buffer: ArrayBuffer };
    };
  }
).WebAssembly;

/** Addresses above wasmcurves' constants (the module allocates well below 64 KiB). */
const A = 65536;
const B = 73728;
const R = 81920;
const SCRATCH = 90112;

/** A module with wasmcurves' field and the two dot-form functions, and bigint helpers around its memory. */
function instantiate() {
  const module = new ModuleBuilder() as unknown as {
    exportFunction(name: string): void;
    setMemory(pages: number): void;
    build(): Uint8Array;
  };
  buildF1m(module, P, 'frm');
  buildDot29(module, 'fr_dot');
  buildAxpy29(module, 'fr_axpy');
  module.exportFunction('fr_dot');
  module.exportFunction('fr_axpy');
  module.setMemory(8);
  const memory = new WA.Memory({ initial: 16, maximum: 16 });
  const e = new WA.Instance(new WA.Module(module.build()), { env: { memory } }).exports as unknown as {
    fr_dot(pa: number, pb: number, n: number, r: number): void;
    fr_axpy(px: number, pb: number, n: number, py: number): void;
    frm_toMontgomery(a: number, r: number): void;
    frm_fromMontgomery(a: number, r: number): void;
  };
  const view = new DataView(memory.buffer);
  const write = (ptr: number, v: bigint) => {
    for (let i = 0; i < 4; i++)
      view.setBigUint64(ptr + 8 * i, (v >> BigInt(64 * i)) & 0xffffffffffffffffn, true);
  };
  const read = (ptr: number) => {
    let v = 0n;
    for (let i = 3; i >= 0; i--) v = (v << 64n) | view.getBigUint64(ptr + 8 * i, true);
    return v;
  };
  /** Montgomery elements at ptr + 32i. */
  const writeElements = (ptr: number, values: readonly bigint[]) => {
    for (let i = 0; i < values.length; i++) {
      write(ptr + 32 * i, values[i]!);
      e.frm_toMontgomery(ptr + 32 * i, ptr + 32 * i);
    }
  };
  /** Dot-form constants at ptr + 72i. */
  const writeConstants = (ptr: number, values: readonly bigint[]) => {
    for (let i = 0; i < values.length; i++) {
      const limbs = dotConstantLimbs(values[i]!);
      for (let j = 0; j < limbs.length; j++)
        view.setBigUint64(ptr + DOT_CONSTANT_BYTES * i + 8 * j, limbs[j]!, true);
    }
  };
  /** Raw stored value (Montgomery form, must be canonical) and its plain value. */
  const readElement = (ptr: number) => {
    const raw = read(ptr);
    e.frm_fromMontgomery(ptr, SCRATCH);
    return { raw, plain: read(SCRATCH) };
  };
  /** Stored forms written as they are: element words and constant limbs of `v` (both < p). */
  const writeRaw = (ptr: number, v: bigint) => write(ptr, v);
  const writeRawConstant = (ptr: number, v: bigint) => {
    for (let j = 0; j < 9; j++)
      view.setBigUint64(ptr + 8 * j, (v >> BigInt(29 * j)) & ((1n << 29n) - 1n), true);
  };
  return { e, writeElements, writeConstants, readElement, writeRaw, writeRawConstant, read };
}

function inverse(a: bigint): bigint {
  let [r0, r1, s0, s1] = [P, ((a % P) + P) % P, 0n, 1n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return ((s0 % P) + P) % P;
}
const INV_2_261 = inverse(1n << 261n);
/** The stored value a Montgomery reduction by 2^261 of the stored forms X*B gives, before any subtraction of p. */
function reductionOutput(X: bigint, B: bigint): bigint {
  const R = 1n << 261n;
  let pInverse = 1n; // p^-1 mod 2^261 by Newton's iteration (each step doubles the correct bits)
  for (let i = 0; i < 9; i++) pInverse = (((pInverse * (2n - P * pInverse)) % R) + R) % R;
  const q = ((((-(X * B) % R) + R) % R) * pInverse) % R; // X*B + q*p = 0 mod 2^261
  return (X * B + q * P) / R;
}

/** Deterministic pseudo-random field elements (xorshift over 64-bit words). */
function fieldElements(seed: number, count: number): bigint[] {
  let s = BigInt(seed) * 0x9e3779b97f4a7c15n + 1n;
  const next = () => {
    s ^= (s << 13n) & 0xffffffffffffffffn;
    s ^= s >> 7n;
    s ^= (s << 17n) & 0xffffffffffffffffn;
    return s;
  };
  return Array.from(
    { length: count },
    () => ((next() << 192n) | (next() << 128n) | (next() << 64n) | next()) % P,
  );
}

const EDGES = [0n, 1n, 2n, P - 1n, P - 2n, (P - 1n) / 2n, 1n << 253n, (1n << 232n) - 1n];

describe('dot29: dot products with one Montgomery reduction', () => {
  const { e, writeElements, writeConstants, readElement, writeRaw, writeRawConstant, read } = instantiate();

  it('sum of a_i * b_i equals the bigint result for 1..17 terms, canonical, with random and extreme values', () => {
    for (let trial = 0; trial < 400; trial++) {
      const n = 1 + (trial % 17);
      const extreme = trial % 4 === 0;
      const a = extreme
        ? Array.from({ length: n }, (_, i) => EDGES[(trial + i) % EDGES.length]!)
        : fieldElements(trial, n);
      const b = extreme
        ? Array.from({ length: n }, (_, i) => EDGES[(trial + 3 * i) % EDGES.length]!)
        : fieldElements(trial + 1000, n);
      writeElements(A, a);
      writeConstants(B, b);
      e.fr_dot(A, B, n, R);
      const { raw, plain } = readElement(R);
      expect(raw).toBeLessThan(P);
      expect(plain).toBe(a.reduce((s, x, i) => (s + x * b[i]!) % P, 0n));
    }
  });

  it('all terms at p - 1, across the carry passes after 6 and 12 terms', () => {
    for (const n of [5, 6, 7, 12, 13, 17]) {
      const a = Array.from({ length: n }, () => P - 1n);
      writeElements(A, a);
      writeConstants(B, a);
      e.fr_dot(A, B, n, R);
      expect(readElement(R).plain).toBe(BigInt(n) % P);
    }
  });

  it('limbs all ones in every term (the largest column sums): still exact, so the carry passes are needed and run', () => {
    // Stored value 2^253 - 1 < p: limbs 0..7 are 2^29 - 1, limb 8 is 2^21 - 1. Without a carry pass after
    // 6 terms, a middle column of 17 such terms would exceed 2^64.
    const W = (1n << 253n) - 1n;
    for (const n of [6, 7, 12, 17]) {
      for (let i = 0; i < n; i++) {
        writeRaw(A + 32 * i, W);
        writeRawConstant(B + DOT_CONSTANT_BYTES * i, W);
      }
      e.fr_dot(A, B, n, R);
      expect(read(R)).toBe((BigInt(n) * W * W * INV_2_261) % P);
    }
  });

  it('the result may overwrite the first input', () => {
    const a = fieldElements(7, 6);
    const b = fieldElements(8, 6);
    writeElements(A, a);
    writeConstants(B, b);
    e.fr_dot(A, B, 6, A);
    expect(readElement(A).plain).toBe(a.reduce((s, x, i) => (s + x * b[i]!) % P, 0n));
  });
});

describe('axpy29: y_k += x * b_k', () => {
  const { e, writeElements, writeConstants, readElement, writeRaw, writeRawConstant, read } = instantiate();

  it('a sum of at least 2p (reduction output above p, y = p - 1) is brought below p', () => {
    // Search stored forms whose reduction output is at least p + 1 (rare: about 1 in 1,000 random pairs).
    const found: Array<[bigint, bigint]> = [];
    const pool = fieldElements(42, 40_000);
    for (let i = 0; i + 1 < pool.length && found.length < 5; i += 2) {
      if (reductionOutput(pool[i]!, pool[i + 1]!) > P) found.push([pool[i]!, pool[i + 1]!]);
    }
    expect(found.length).toBe(5);
    for (const [X, Bc] of found) {
      writeRaw(R, X);
      writeRawConstant(B, Bc);
      writeRaw(A, P - 1n);
      e.fr_axpy(R, B, 1, A);
      expect(read(A)).toBe((X * Bc * INV_2_261 + P - 1n) % P);
    }
  });

  it('equals the bigint result in place, canonical, for random and extreme values', () => {
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + (trial % 16);
      const extreme = trial % 3 === 0;
      const x = extreme ? EDGES[trial % EDGES.length]! : fieldElements(trial, 1)[0]!;
      const y = extreme
        ? Array.from({ length: n }, (_, i) => EDGES[(trial + i) % EDGES.length]!)
        : fieldElements(trial + 500, n);
      const b = extreme
        ? Array.from({ length: n }, (_, i) => EDGES[(trial + 5 * i) % EDGES.length]!)
        : fieldElements(trial + 900, n);
      writeElements(R, [x]);
      writeElements(A, y);
      writeConstants(B, b);
      e.fr_axpy(R, B, n, A);
      for (let k = 0; k < n; k++) {
        const { raw, plain } = readElement(A + 32 * k);
        expect(raw).toBeLessThan(P);
        expect(plain).toBe((y[k]! + x * b[k]!) % P);
      }
    }
  });
});
