import { buildBn128 } from 'ffjavascript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frBatchInvert, frRootOfUnity } from '../../dev-ptau/field.ts';
import { FIELD_MODULUS, invert, mulMod, powMod } from '../../protocol/crypto/field.ts';
import { bestWindowBits, FixedBaseMultiplier } from '../../dev-ptau/fixed-base.ts';
import { lagrangeSections, phase1Sections, preparedFileBytes } from '../../dev-ptau/ptau-layout.ts';
import { lagrangeScalars, powersScalars } from '../../dev-ptau/scalars.ts';

/** Entry i of IFFT_n(values) by the definition: (1/n) sum_j values[j] * w^(-ij). */
function naiveInverseDft(values: bigint[], bits: number): bigint[] {
  const n = values.length;
  const omegaInverse = invert(frRootOfUnity(bits));
  const nInverse = invert(BigInt(n));
  return values.map((_, i) => {
    let sum = 0n;
    values.forEach((value, j) => {
      sum = (sum + mulMod(value, powMod(omegaInverse, BigInt(i * j)))) % FIELD_MODULUS;
    });
    return mulMod(sum, nInverse);
  });
}

describe('scalar field helpers', () => {
  it('roots of unity have exactly the domain order', () => {
    for (const bits of [1, 5, 28]) {
      const root = frRootOfUnity(bits);
      expect(powMod(root, 2n ** BigInt(bits))).toBe(1n);
      expect(powMod(root, 2n ** BigInt(bits - 1))).toBe(FIELD_MODULUS - 1n);
    }
    expect(() => frRootOfUnity(29)).toThrow(RangeError);
  });

  it('batch inversion matches one-by-one inversion', () => {
    const values = [1n, 2n, 3n, FIELD_MODULUS - 1n, 123456789n ** 5n % FIELD_MODULUS];
    const inverted = [...values];
    frBatchInvert(inverted);
    inverted.forEach((inverse, i) => {
      expect(mulMod(inverse, values[i] as bigint)).toBe(1n);
    });
  });

  it('powers scalars are factor * tau^i from the requested start', () => {
    expect(powersScalars({ start: 2, count: 3, tau: 3n, factor: 5n })).toEqual([45n, 135n, 405n]);
  });

  it('Lagrange scalars equal the inverse DFT of the powers of tau, with and without the dropped last term', () => {
    const tau = 0x1234567890abcdef1234567890abcdefn;
    const factor = 987654321n;
    for (const bits of [0, 1, 3, 4]) {
      const n = 2 ** bits;
      const powers = powersScalars({ start: 0, count: n, tau, factor });
      expect(lagrangeScalars({ start: 0, count: n, tau, factor, domainBits: bits, dropLast: false })).toEqual(
        naiveInverseDft(powers, bits),
      );
      const dropped = [...powers.slice(0, n - 1), 0n];
      expect(lagrangeScalars({ start: 0, count: n, tau, factor, domainBits: bits, dropLast: true })).toEqual(
        naiveInverseDft(dropped, bits),
      );
    }
    const whole = lagrangeScalars({ start: 0, count: 16, tau, factor, domainBits: 4, dropLast: false });
    expect(lagrangeScalars({ start: 5, count: 7, tau, factor, domainBits: 4, dropLast: false })).toEqual(
      whole.slice(5, 12),
    );
  });
});

describe('ptau layout', () => {
  it('counts the points snarkjs writes for 2^power', () => {
    expect(phase1Sections(4).map((s) => s.points)).toEqual([31, 16, 16, 16, 1]);
    expect(lagrangeSections(4).map((s) => s.points)).toEqual([63, 31, 31, 31]);
  });

  it('predicts the size of a prepared file (2^8: 296447 bytes with the default 57-byte name)', () => {
    expect(preparedFileBytes(8, 57, 32)).toBe(296447);
  });

  it('picks small windows for small runs and caps them at 14 bits', () => {
    expect(bestWindowBits(100)).toBeLessThan(8);
    expect(bestWindowBits(2 ** 21)).toBe(14);
  });
});

describe('FixedBaseMultiplier', () => {
  let curve: Awaited<ReturnType<typeof buildBn128>>;
  beforeAll(async () => {
    curve = await buildBn128(true);
  });
  afterAll(async () => {
    await curve.terminate?.();
  });

  it('matches ffjavascript scalar multiplication in G1 and G2 for every window width', async () => {
    const scalars = [1n, 2n, 255n, 256n, 2n ** 128n + 1n, FIELD_MODULUS - 1n, 2n ** 253n + 12345n];
    for (const windowBits of [5, 8, 11]) {
      const multiplier = await FixedBaseMultiplier.create({ windowBits: { G1: windowBits, G2: windowBits } });
      for (const group of ['G1', 'G2'] as const) {
        const G = curve[group];
        const bytes = group === 'G1' ? 64 : 128;
        const { lem, compressed, uncompressed } = multiplier.multiply(group, scalars, true);
        scalars.forEach((scalar, i) => {
          const expected = G.toAffine(G.timesScalar(G.g, scalar));
          const expectedLem = new Uint8Array(bytes);
          G.toRprLEM(expectedLem, 0, expected);
          expect(Buffer.from(lem.subarray(i * bytes, (i + 1) * bytes))).toEqual(Buffer.from(expectedLem));
          expect(Buffer.from((uncompressed as Uint8Array).subarray(i * bytes, (i + 1) * bytes))).toEqual(
            Buffer.from(G.toUncompressed(expected)),
          );
          const expectedCompressed = new Uint8Array(bytes / 2);
          G.toRprCompressed(expectedCompressed, 0, expected);
          expect(
            Buffer.from((compressed as Uint8Array).subarray((i * bytes) / 2, ((i + 1) * bytes) / 2)),
          ).toEqual(Buffer.from(expectedCompressed));
        });
      }
    }
  });

  it('refuses a chunk larger than its scratch space', async () => {
    const multiplier = await FixedBaseMultiplier.create({ maxChunkPoints: 4, windowBits: { G1: 4 } });
    expect(() => multiplier.multiply('G1', [1n, 2n, 3n, 4n, 5n], false)).toThrow(RangeError);
  });
});
