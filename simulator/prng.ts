import { createHash } from 'node:crypto';

/**
 * A small, fast, seeded pseudo-random generator (sfc32, 128-bit state). Every random choice of the
 * simulator goes through one of these, never `Math.random`, so that a run is reproducible from its seed.
 * Independent streams (per device and purpose) come from {@link deriveRng}, so switching a fault on
 * does not change the physics of any device.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(state: readonly [number, number, number, number]) {
    [this.a, this.b, this.c, this.d] = state;
    // Warm-up: sfc32 mixes its state in a dozen rounds.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform float in [0, 1) with 32 bits of randomness (used for model decisions, never summed into registers). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** A uniform float in [min, max). */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** A uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  /** A standard normal deviate (Box-Muller). */
  normal(mean = 0, sd = 1): number {
    const u1 = 1 - this.next();
    const u2 = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** A log-normal deviate whose median is `median` and whose log has standard deviation `sigma`. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** `n` random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      const word = this.nextUint32();
      for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (word >>> (8 * j)) & 0xff;
    }
    return out;
  }

  /** Picks one element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new RangeError('pick from an empty array');
    return item;
  }
}

/**
 * Derives an independent generator from a run seed and a list of labels (e.g. `['physics', 'ev-1-00001']`),
 * by hashing them with SHA-256.
 *
 * @example
 * const rng = deriveRng('demo-seed', 'faults', 'pv-1-0003');
 * rng.chance(0.01);
 */
export function deriveRng(seed: string, ...labels: string[]): Rng {
  const digest = createHash('sha256')
    .update([seed, ...labels].join('\u0000'))
    .digest();
  return new Rng([
    digest.readUInt32LE(0),
    digest.readUInt32LE(4),
    digest.readUInt32LE(8),
    digest.readUInt32LE(12),
  ]);
}
