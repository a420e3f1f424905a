import { describe, expect, it } from 'vitest';
import {
  FIELD_MODULUS,
  MAX_PAYLOAD_BYTES,
  ProtocolError,
  parseReading,
  type ReasonCode,
  SUBGROUP_ORDER,
  serializeReading,
  validateReading,
} from '../../protocol/index.ts';
import { SIGNED_EV, SIGNED_PV } from './support/fixtures.ts';

function rejection(fn: () => unknown): { code: ReasonCode; field: string | undefined } {
  try {
    fn();
  } catch (error) {
    if (error instanceof ProtocolError) return { code: error.code, field: error.field };
    throw error;
  }
  throw new Error('expected a ProtocolError, nothing was thrown');
}

const wire = (value: unknown): string => JSON.stringify(value);
const withField = (field: string, value: unknown, base: object = SIGNED_EV) => ({ ...base, [field]: value });
const without = (field: string, base: object = SIGNED_EV) => {
  const copy: Record<string, unknown> = { ...base };
  delete copy[field];
  return copy;
};

describe('parseReading: accepted input', () => {
  it('parses the canonical serialization of both kinds back to the same reading', () => {
    for (const signed of [SIGNED_EV, SIGNED_PV]) {
      const text = serializeReading(signed);
      expect(parseReading(text)).toEqual(signed);
      expect(parseReading(new TextEncoder().encode(text))).toEqual(signed);
    }
  });

  it('accepts any field order and whitespace, and returns fields in canonical order', () => {
    const shuffled = `{ "sig": ${JSON.stringify(SIGNED_EV.sig)}, "sessionId": 42, "powerW": 60000, "revenueMinor": 98765,
      "energyWh": 123456, "ts": 1767225600, "seq": 12, "deviceId": "ev-0001", "poolId": 1, "kind": "ev", "v": 1 }`;
    const parsed = parseReading(shuffled);
    expect(parsed).toEqual(SIGNED_EV);
    expect(Object.keys(parsed)).toEqual(Object.keys(SIGNED_EV));
  });

  it('accepts a payload of exactly MAX_PAYLOAD_BYTES', () => {
    const text = serializeReading(SIGNED_EV);
    const padded = `${text.slice(0, -1)}${' '.repeat(MAX_PAYLOAD_BYTES - text.length)}}`;
    expect(Buffer.byteLength(padded)).toBe(MAX_PAYLOAD_BYTES);
    expect(parseReading(padded)).toEqual(SIGNED_EV);
  });
});

describe('parseReading: forbidden input, with reason code and field', () => {
  it('PAYLOAD_TOO_LARGE over 1024 bytes (bytes and multi-byte string)', () => {
    const text = serializeReading(SIGNED_EV);
    const big = `${text.slice(0, -1)}${' '.repeat(MAX_PAYLOAD_BYTES + 1 - text.length)}}`;
    expect(rejection(() => parseReading(big)).code).toBe('PAYLOAD_TOO_LARGE');
    expect(rejection(() => parseReading(Buffer.from(big))).code).toBe('PAYLOAD_TOO_LARGE');
    // 400 three-byte characters: 400 UTF-16 units but 1200 bytes.
    expect(rejection(() => parseReading(`"${'€'.repeat(400)}"`)).code).toBe('PAYLOAD_TOO_LARGE');
  });

  it.each([
    ['not JSON', 'hello'],
    ['truncated', serializeReading(SIGNED_EV).slice(0, 50)],
    ['array', '[1,2]'],
    ['number', '42'],
    ['null', 'null'],
    ['string', '"ev"'],
    ['empty', ''],
  ])('JSON_MALFORMED: %s', (_name, payload) => {
    expect(rejection(() => parseReading(payload)).code).toBe('JSON_MALFORMED');
  });

  it('JSON_MALFORMED: invalid UTF-8 bytes', () => {
    const bytes = Buffer.from(serializeReading(SIGNED_EV));
    bytes[30] = 0xff;
    expect(rejection(() => parseReading(bytes)).code).toBe('JSON_MALFORMED');
  });

  it.each([
    ['missing poolId', without('poolId'), 'poolId'],
    ['missing sig', without('sig'), 'sig'],
    ['missing kind', without('kind'), 'kind'],
    ['missing sessionId', without('sessionId'), 'sessionId'],
    ['missing v', without('v'), 'v'],
    ['unknown field', withField('extra', 1), 'extra'],
    ['irradiance on ev', withField('irradianceWm2', 10), 'irradianceWm2'],
    ['sessionId on pv', withField('sessionId', 1, SIGNED_PV), 'sessionId'],
    ['kind unknown', withField('kind', 'bess'), 'kind'],
    ['seq as string', withField('seq', '12'), 'seq'],
    ['energy as null', withField('energyWh', null), 'energyWh'],
    ['deviceId as number', withField('deviceId', 7), 'deviceId'],
    ['v as string', withField('v', '1'), 'v'],
    ['sig as array', withField('sig', []), 'sig'],
    ['sig extra field', withField('sig', { ...SIGNED_EV.sig, A: '1' }), 'sig.A'],
    ['sig.S missing', withField('sig', { R8x: SIGNED_EV.sig.R8x, R8y: SIGNED_EV.sig.R8y }), 'sig.S'],
    ['sig.S as number', withField('sig', { ...SIGNED_EV.sig, S: 5 }), 'sig.S'],
  ])('SCHEMA_INVALID: %s', (_name, value, field) => {
    expect(rejection(() => parseReading(wire(value)))).toEqual({ code: 'SCHEMA_INVALID', field });
  });

  it.each([
    ['negative energy', 'energyWh', -1],
    ['energy 2^48', 'energyWh', 2 ** 48],
    ['revenue 2^48', 'revenueMinor', 2 ** 48],
    ['unsafe revenue', 'revenueMinor', 2 ** 53],
    ['pool 0', 'poolId', 0],
    ['pool 2^32', 'poolId', 2 ** 32],
    ['seq 0', 'seq', 0],
    ['seq 2^32', 'seq', 2 ** 32],
    ['ts 0', 'ts', 0],
    ['ts 2^32', 'ts', 2 ** 32],
    ['powerW 2^32', 'powerW', 2 ** 32],
    ['negative power', 'powerW', -5],
    ['sessionId 2^32', 'sessionId', 2 ** 32],
    ['deviceId uppercase', 'deviceId', 'EV-0001'],
    ['deviceId 32 chars', 'deviceId', 'a'.repeat(32)],
    ['deviceId empty', 'deviceId', ''],
    ['deviceId leading dash', 'deviceId', '-ev'],
    ['deviceId slash', 'deviceId', 'ev/1'],
    ['deviceId unicode', 'deviceId', 'év'],
  ])('FIELD_OUT_OF_RANGE: %s', (_name, field, value) => {
    expect(rejection(() => parseReading(wire(withField(field, value))))).toEqual({
      code: 'FIELD_OUT_OF_RANGE',
      field,
    });
  });

  it('FIELD_OUT_OF_RANGE: irradiance over 2000 and negative', () => {
    for (const value of [2001, -1]) {
      expect(rejection(() => parseReading(wire(withField('irradianceWm2', value, SIGNED_PV))))).toEqual({
        code: 'FIELD_OUT_OF_RANGE',
        field: 'irradianceWm2',
      });
    }
  });

  it('VERSION_UNSUPPORTED for any other numeric version, before other schema checks', () => {
    for (const v of [0, 2, -1]) {
      expect(rejection(() => parseReading(wire(withField('v', v))))).toEqual({
        code: 'VERSION_UNSUPPORTED',
        field: 'v',
      });
    }
    expect(rejection(() => parseReading(wire({ v: 2, whatever: true }))).code).toBe('VERSION_UNSUPPORTED');
  });

  const sigWith = (patch: Record<string, string>) => withField('sig', { ...SIGNED_EV.sig, ...patch });
  it.each([
    ['R8x = p', { R8x: FIELD_MODULUS.toString() }, 'sig.R8x'],
    ['R8y = p + R8y', { R8y: (FIELD_MODULUS + BigInt(SIGNED_EV.sig.R8y)).toString() }, 'sig.R8y'],
    ['S = subgroup order', { S: SUBGROUP_ORDER.toString() }, 'sig.S'],
    ['S = p - 1', { S: (FIELD_MODULUS - 1n).toString() }, 'sig.S'],
    ['S leading zero', { S: `0${SIGNED_EV.sig.S}` }, 'sig.S'],
    ['S hex', { S: '0x1234' }, 'sig.S'],
    ['S negative', { S: '-1' }, 'sig.S'],
    ['S empty', { S: '' }, 'sig.S'],
    ['S with space', { S: ' 1' }, 'sig.S'],
    ['R8 not on curve', { R8x: '1' }, 'sig.R8x'],
    ['R8 = (0, 0)', { R8x: '0', R8y: '0' }, 'sig.R8x'],
  ])('ENCODING_INVALID: %s', (_name, patch, field) => {
    expect(rejection(() => parseReading(wire(sigWith(patch))))).toEqual({ code: 'ENCODING_INVALID', field });
  });

  it('validateReading rejects non-objects, objects with prototypes and returns a detached copy', () => {
    expect(rejection(() => validateReading(null)).code).toBe('SCHEMA_INVALID');
    expect(rejection(() => validateReading([SIGNED_EV])).code).toBe('SCHEMA_INVALID');
    expect(rejection(() => validateReading(new Date())).code).toBe('SCHEMA_INVALID');
    const input = structuredClone(SIGNED_EV);
    const out = validateReading(input);
    expect(out).toEqual(SIGNED_EV);
    expect(out).not.toBe(input);
    expect(out.sig).not.toBe(input.sig);
  });

  it('errors carry a readable message naming the field', () => {
    try {
      parseReading(wire(withField('energyWh', -1)));
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toMatch(/energyWh/);
      expect((error as Error).name).toBe('FieldRangeError');
    }
  });
});

describe('parseReading: canonical wire form (NON_CANONICAL_JSON)', () => {
  const canonical = serializeReading(SIGNED_EV); // ..."energyWh":123456,...,"sessionId":42,...
  const replace = (from: string, to: string) => {
    expect(canonical).toContain(from);
    return canonical.replace(from, to);
  };

  it.each([
    [
      'duplicate key, first value differs',
      replace('"energyWh":123456', '"energyWh":99999999,"energyWh":123456'),
      'energyWh',
    ],
    [
      'duplicate key, same value',
      replace('"energyWh":123456', '"energyWh":123456,"energyWh":123456'),
      'energyWh',
    ],
    ['duplicate key far apart', replace('"v":1,', '"v":1,"sessionId":42,'), 'sessionId'],
    [
      'duplicate key spelt with an escape',
      replace('"energyWh":123456', '"energyWh":1,"energy\\u0057h":123456'),
      'energyWh',
    ],
    ['duplicate key inside sig', replace('"S":', '"R8x":"1","S":'), 'sig.R8x'],
    ['duplicate sig object', replace('"sig":', `"sig":${JSON.stringify(SIGNED_EV.sig)},"sig":`), 'sig'],
    ['exponent', replace('"energyWh":123456', '"energyWh":1.23456e5'), 'energyWh'],
    ['exponent with sign, capital E', replace('"energyWh":123456', '"energyWh":123456E+0'), 'energyWh'],
    ['integral exponent', replace('"sessionId":42', '"sessionId":42e0'), 'sessionId'],
    ['fraction .0', replace('"energyWh":123456', '"energyWh":123456.0'), 'energyWh'],
    ['fraction', replace('"seq":12', '"seq":12.5'), 'seq'],
    ['minus zero', replace('"sessionId":42', '"sessionId":-0'), 'sessionId'],
    ['leading zero', replace('"seq":12', '"seq":012'), 'seq'],
    ['zero with leading zero', replace('"sessionId":42', '"sessionId":00'), 'sessionId'],
    ['leading plus', replace('"seq":12', '"seq":+12'), 'seq'],
    ['version 1.0', replace('"v":1', '"v":1.0'), 'v'],
    ['number in a nested array', replace('"v":1,', '"v":1,"extra":[1,[2.5]],'), 'extra'],
  ])('%s', (_name, payload, field) => {
    expect(rejection(() => parseReading(payload))).toEqual({ code: 'NON_CANONICAL_JSON', field });
    expect(rejection(() => parseReading(Buffer.from(payload)))).toEqual({
      code: 'NON_CANONICAL_JSON',
      field,
    });
  });

  it('serializeReading writes canonical integers for edge values (0, -0 in memory, 2^48-1)', () => {
    const edge = { ...SIGNED_EV, energyWh: 2 ** 48 - 1, revenueMinor: -0, sessionId: 0, powerW: 2 ** 32 - 1 };
    const text = serializeReading(edge);
    expect(text).toContain(
      `"energyWh":${2 ** 48 - 1},"revenueMinor":0,"powerW":${2 ** 32 - 1},"sessionId":0,`,
    );
    expect(serializeReading(parseReading(text))).toBe(text);
  });

  it('still reads a duplicate key the way JSON.parse does, which is why it must be refused', () => {
    const payload = replace('"energyWh":123456', '"energyWh":99999999,"energyWh":123456');
    expect((JSON.parse(payload) as { energyWh: number }).energyWh).toBe(123456); // last wins here, first elsewhere
  });

  it('accepts the canonical integers 0, negative values (then out of range) and strings that look like numbers', () => {
    const zero = serializeReading({ ...SIGNED_EV, sessionId: 0 }); // signature not checked by parseReading
    expect(parseReading(zero)).toMatchObject({ kind: 'ev', sessionId: 0 });
    expect(rejection(() => parseReading(replace('"seq":12', '"seq":-12')))).toEqual({
      code: 'FIELD_OUT_OF_RANGE',
      field: 'seq',
    });
    // decimal strings of the signature are not numbers; "1e5" in a string is the schema's business
    expect(rejection(() => parseReading(replace('"v":1,', '"v":1,"note":"1.5e5 -0 +1",')))).toEqual({
      code: 'SCHEMA_INVALID',
      field: 'note',
    });
  });

  it('keeps the other reasons where the form is canonical: bad JSON stays JSON_MALFORMED', () => {
    expect(rejection(() => parseReading(`${canonical.slice(0, -1)},}`)).code).toBe('JSON_MALFORMED');
    expect(rejection(() => parseReading('{"energyWh":1')).code).toBe('JSON_MALFORMED');
  });

  it('decoded values keep their range checks: validateReading refuses fractions and unsafe integers', () => {
    for (const [field, value] of [
      ['energyWh', 1.5],
      ['revenueMinor', 1e300],
      ['sessionId', -0.5],
    ] as const) {
      expect(rejection(() => validateReading(withField(field, value)))).toEqual({
        code: 'FIELD_OUT_OF_RANGE',
        field,
      });
    }
    expect(rejection(() => validateReading(withField('irradianceWm2', 0.5, SIGNED_PV)))).toEqual({
      code: 'FIELD_OUT_OF_RANGE',
      field: 'irradianceWm2',
    });
    expect(rejection(() => validateReading(withField('v', 1.5)))).toEqual({
      code: 'VERSION_UNSUPPORTED',
      field: 'v',
    });
  });
});
