import { buildBn128 } from 'ffjavascript';
import type { Bn254Curve, WasmMemory } from './curve-types.ts';
import type { GroupName, PointJob, PointJobResult } from './jobs.ts';
import { lagrangeScalars, powersScalars } from './scalars.ts';

/** The wasm exports of ffjavascript's BN254 module that this file calls (pointers into its memory). */
type CurveExports = Record<string, (...args: number[]) => number>;

/** Bits of a scalar: r < 2^254. */
const SCALAR_BITS = 254;

/** Per-group layout in the wasm module: byte sizes and export prefix. */
const GROUP_LAYOUT: Record<GroupName, { prefix: string; fieldBytes: number }> = {
  G1: { prefix: 'g1m', fieldBytes: 32 },
  G2: { prefix: 'g2m', fieldBytes: 64 },
};

/** Options of {@link FixedBaseMultiplier.create}. */
export type FixedBaseOptions = {
  /** Window width in bits of each group's table (a table holds ceil(254/w) * (2^w - 1) points). */
  windowBits?: Partial<Record<GroupName, number>>;
  /** Largest number of points multiplied per call (sizes the scratch memory). */
  maxChunkPoints?: number;
};

/**
 * Fixed-base scalar multiplication of the BN254 generators on ffjavascript's own wasm code
 * (single-threaded instance; run one per worker thread). For each group a table of
 * `d * 2^(w*k) * G` (k-th window, digit d) is built once in wasm memory in affine Montgomery form;
 * a point is then the sum of one table entry per window: ceil(254/w) mixed additions instead of
 * ~380 doublings and additions of a generic scalar multiplication. Results are normalised to
 * affine with one batch inversion per chunk, so they are byte-identical to what snarkjs writes.
 *
 * @example
 * const multiplier = await FixedBaseMultiplier.create();
 * const { lem } = multiplier.run({ kind: 'powers', group: 'G1', start: 0, count: 4, tau: 7n, factor: 1n, withEncodings: false });
 */
export class FixedBaseMultiplier {
  private readonly exports: CurveExports;
  private readonly memory: WasmMemory;
  private readonly windowBitsByGroup: Record<GroupName, number>;
  private readonly maxChunkPoints: number;
  private readonly generatorJacobian: Record<GroupName, Uint8Array>;
  private readonly tablePointer: Partial<Record<GroupName, number>> = {};
  private freePointer: number;

  private constructor(curve: Bn254Curve, options: Required<FixedBaseOptions>) {
    this.exports = curve.tm.instance.exports as CurveExports;
    this.memory = curve.tm.memory;
    this.windowBitsByGroup = { G1: options.windowBits.G1 ?? 13, G2: options.windowBits.G2 ?? 13 };
    this.maxChunkPoints = options.maxChunkPoints;
    this.generatorJacobian = { G1: new Uint8Array(curve.G1.g), G2: new Uint8Array(curve.G2.g) };
    this.freePointer = this.u32()[0] as number;
  }

  /** Instantiates ffjavascript's BN254 wasm (single-threaded) for this thread. */
  static async create(options: FixedBaseOptions = {}): Promise<FixedBaseMultiplier> {
    const curve = (await buildBn128(true)) as Bn254Curve;
    return new FixedBaseMultiplier(curve, {
      windowBits: options.windowBits ?? {},
      maxChunkPoints: options.maxChunkPoints ?? 16384,
    });
  }

  /** Computes the points of one job (scalars first, then fixed-base multiplications). */
  run(job: PointJob): PointJobResult {
    const scalars = job.kind === 'powers' ? powersScalars(job) : lagrangeScalars(job);
    return this.multiply(job.group, scalars, job.withEncodings);
  }

  /** `scalars[i] * G` for the generator G of `group`, as affine little-endian Montgomery points. */
  multiply(group: GroupName, scalars: bigint[], withEncodings: boolean): PointJobResult {
    const count = scalars.length;
    if (count > this.maxChunkPoints)
      throw new RangeError(`chunk of ${count} points exceeds ${this.maxChunkPoints}`);
    const { prefix, fieldBytes } = GROUP_LAYOUT[group];
    const jacobianBytes = fieldBytes * 3;
    const affineBytes = fieldBytes * 2;
    const table = this.ensureTable(group);
    const windowBits = this.windowBitsByGroup[group];
    const windowCount = Math.ceil(SCALAR_BITS / windowBits);
    const addMixed = this.exports[`${prefix}_addMixed`] as (a: number, b: number, r: number) => void;
    const setZero = this.exports[`${prefix}_zero`] as (r: number) => void;

    const base = this.freePointer;
    const pJacobian = align(base);
    const pAffine = align(pJacobian + count * jacobianBytes);
    const pCompressed = align(pAffine + count * affineBytes);
    const pUncompressed = align(pCompressed + count * fieldBytes);
    const end = align(pUncompressed + count * affineBytes);
    this.reserve(end, count * jacobianBytes * 2);

    const entriesPerWindow = (1 << windowBits) - 1;
    const mask = entriesPerWindow;
    const words = new Uint32Array(8);
    for (let i = 0; i < count; i++) {
      let scalar = scalars[i] as bigint;
      for (let w = 0; w < 8; w++) {
        words[w] = Number(scalar & 0xffffffffn);
        scalar >>= 32n;
      }
      const pAccumulator = pJacobian + i * jacobianBytes;
      setZero(pAccumulator);
      for (let window = 0; window < windowCount; window++) {
        const bit = window * windowBits;
        const wordIndex = bit >>> 5;
        const shift = bit & 31;
        let digit = (words[wordIndex] as number) >>> shift;
        if (shift + windowBits > 32 && wordIndex < 7)
          digit |= (words[wordIndex + 1] as number) << (32 - shift);
        digit &= mask;
        if (digit !== 0)
          addMixed(pAccumulator, table + (window * entriesPerWindow + digit - 1) * affineBytes, pAccumulator);
      }
    }
    this.callBatch(`${prefix}_batchToAffine`, pJacobian, count, pAffine, end);
    const bytes = new Uint8Array(this.memory.buffer);
    const result: PointJobResult = { lem: bytes.slice(pAffine, pAffine + count * affineBytes) };
    if (withEncodings) {
      this.callBatch(`${prefix}_batchLEMtoC`, pAffine, count, pCompressed, end);
      this.callBatch(`${prefix}_batchLEMtoU`, pAffine, count, pUncompressed, end);
      const after = new Uint8Array(this.memory.buffer);
      result.compressed = after.slice(pCompressed, pCompressed + count * fieldBytes);
      result.uncompressed = after.slice(pUncompressed, pUncompressed + count * affineBytes);
    }
    return result;
  }

  /** Builds (once) the window table of `group` and returns its address. */
  private ensureTable(group: GroupName): number {
    const existing = this.tablePointer[group];
    if (existing !== undefined) return existing;
    const { prefix, fieldBytes } = GROUP_LAYOUT[group];
    const jacobianBytes = fieldBytes * 3;
    const affineBytes = fieldBytes * 2;
    const windowBits = this.windowBitsByGroup[group];
    const windowCount = Math.ceil(SCALAR_BITS / windowBits);
    const entriesPerWindow = (1 << windowBits) - 1;
    const add = this.exports[`${prefix}_add`] as (a: number, b: number, r: number) => void;
    const copy = this.exports[`${prefix}_copy`] as (a: number, r: number) => void;

    const pTable = align(this.freePointer);
    const pBase = align(pTable + windowCount * entriesPerWindow * affineBytes);
    const pNextBase = align(pBase + jacobianBytes);
    const pScratch = align(pNextBase + jacobianBytes);
    const end = align(pScratch + entriesPerWindow * jacobianBytes);
    this.reserve(end, entriesPerWindow * jacobianBytes * 2);
    new Uint8Array(this.memory.buffer).set(this.generatorJacobian[group], pBase);
    for (let window = 0; window < windowCount; window++) {
      copy(pBase, pScratch);
      for (let digit = 2; digit <= entriesPerWindow; digit++) {
        add(pScratch + (digit - 2) * jacobianBytes, pBase, pScratch + (digit - 1) * jacobianBytes);
      }
      // next window base: 2^w * base = (2^w - 1) * base + base
      add(pScratch + (entriesPerWindow - 1) * jacobianBytes, pBase, pNextBase);
      copy(pNextBase, pBase);
      this.callBatch(
        `${prefix}_batchToAffine`,
        pScratch,
        entriesPerWindow,
        pTable + window * entriesPerWindow * affineBytes,
        end,
      );
    }
    this.freePointer = pBase;
    this.tablePointer[group] = pTable;
    return pTable;
  }

  /** Calls a wasm batch function with the wasm free pointer moved past our data (it uses it as scratch). */
  private callBatch(name: string, pIn: number, count: number, pOut: number, end: number): void {
    const u32 = this.u32();
    const saved = u32[0] as number;
    u32[0] = end;
    (this.exports[name] as (a: number, n: number, r: number) => void)(pIn, count, pOut);
    this.u32()[0] = saved;
  }

  /** Grows the wasm memory so that [0, end + scratchBytes) is addressable. */
  private reserve(end: number, scratchBytes: number): void {
    const needed = end + scratchBytes + 65536;
    const current = this.memory.buffer.byteLength;
    if (needed > current) this.memory.grow(Math.ceil((needed - current) / 65536));
    const u32 = this.u32();
    if ((u32[0] as number) < this.freePointer) u32[0] = this.freePointer;
  }

  private u32(): Uint32Array {
    return new Uint32Array(this.memory.buffer, 0, 1);
  }
}

function align(pointer: number): number {
  return (pointer + 7) & ~7;
}

/**
 * Window width that minimises table building plus multiplication for `pointsPerThread` points:
 * cost(w) = ceil(254/w) * (2^w - 1) table entries (about 1.5 additions each) + ceil(254/w) mixed
 * additions per point. Small runs get small tables; capped at 14 bits, past which
 * cache misses eat the saving (measured: 2^16-entry tables build slowly for ~15% fewer additions).
 */
export function bestWindowBits(pointsPerThread: number): number {
  let best = 4;
  let bestCost = Number.POSITIVE_INFINITY;
  for (let bits = 4; bits <= 14; bits++) {
    const windows = Math.ceil(SCALAR_BITS / bits);
    const cost = windows * ((1 << bits) - 1) * 1.5 + windows * pointsPerThread;
    if (cost < bestCost) {
      best = bits;
      bestCost = cost;
    }
  }
  return best;
}
