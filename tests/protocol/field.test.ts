import { buildBn128, getCurveFromR, Scalar } from 'ffjavascript';
import { describe, expect, it } from 'vitest';
import { FIELD_MODULUS, invert, mod, mulMod, powMod, sqrt } from '../../protocol/crypto/field.ts';

describe('BN254 scalar field', () => {
  it('the modulus is the group order r of snarkjs/ffjavascript bn128', async () => {
    const curve = await buildBn128(true);
    try {
      expect(Scalar.eq(curve.r, FIELD_MODULUS)).toBe(true);
      expect(curve.Fr.p).toBe(FIELD_MODULUS);
    } finally {
      await curve.terminate();
    }
  });

  it('ffjavascript recognises the modulus as the order of bn128', async () => {
    const curve = await getCurveFromR(Scalar.e(FIELD_MODULUS.toString()), true);
    try {
      expect(curve.name).toBe('bn128');
    } finally {
      await curve.terminate();
    }
  });

  it('mod, mulMod, powMod, invert and sqrt agree with each other', () => {
    const a = 123456789012345678901234567890n;
    expect(mod(-1n)).toBe(FIELD_MODULUS - 1n);
    expect(mod(FIELD_MODULUS + 5n)).toBe(5n);
    expect(mulMod(a, invert(a))).toBe(1n);
    expect(powMod(a, FIELD_MODULUS - 1n)).toBe(1n); // Fermat
    expect(powMod(a, 3n)).toBe(mulMod(mulMod(a, a), a));
    const root = sqrt(mulMod(a, a));
    expect(root === a || root === FIELD_MODULUS - a).toBe(true);
    expect(() => invert(0n)).toThrow(RangeError);
  });
});
