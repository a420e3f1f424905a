import { describe, expect, it } from 'vitest';
import { taggedBigint, toJson, toJsonLine } from '../../lib/json.ts';

describe('BigInt-safe JSON', () => {
  it('writes bigints as decimal strings and errors as name and message', () => {
    expect(toJson({ revenueMinor: 2n ** 70n, e: new RangeError('bad') })).toBe(
      '{"revenueMinor":"1180591620717411303424","e":{"name":"RangeError","message":"bad"}}',
    );
    expect(toJsonLine([1n])).toBe('["1"]\n');
  });

  it('writes byte arrays as hex', () => {
    expect(toJson({ payloadPrefix: new Uint8Array([0, 15, 255]) })).toBe('{"payloadPrefix":"000fff"}');
  });

  it('round-trips bigints exactly with the tagged form and leaves other strings alone', () => {
    const value = { energyWh: 123456789012345678901234567890n, note: '12', neg: -5n };
    const text = JSON.stringify(value, taggedBigint.replacer);
    expect(JSON.parse(text, taggedBigint.reviver)).toEqual(value);
  });
});
