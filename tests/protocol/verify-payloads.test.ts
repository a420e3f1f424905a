import { afterAll, describe, expect, it } from 'vitest';
import {
  createVerifyPool,
  derivePublicKey,
  generatePrivateKey,
  type PayloadItem,
  type PayloadResult,
  ProtocolError,
  parseAndVerifyBatch,
  parseReading,
  serializeReading,
  signReading,
  verifyReading,
} from '../../protocol/index.ts';
import { EV, PRIVATE_KEY, PUBLIC_KEY, PV } from './support/fixtures.ts';

const other = derivePublicKey(generatePrivateKey());
const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

/** Every kind of payload: valid, tampered, wrong key, no key, and each parse failure. */
const items: PayloadItem[] = Array.from({ length: 240 }, (_, i) => {
  const base = i % 2 === 0 ? { ...EV, seq: i + 1 } : { ...PV, seq: i + 1 };
  const signed = signReading(base, PRIVATE_KEY);
  const text = serializeReading(signed);
  switch (i % 12) {
    case 1:
      return {
        payload: utf8(serializeReading({ ...signed, energyWh: signed.energyWh + 1 })),
        publicKey: PUBLIC_KEY,
      };
    case 2:
      return { payload: utf8(text), publicKey: other };
    case 3:
      return { payload: utf8(text), publicKey: undefined };
    case 4:
      return { payload: utf8(text.slice(0, -3)), publicKey: PUBLIC_KEY }; // JSON_MALFORMED
    case 5:
      return { payload: utf8(text.replace('"seq"', '"sequence"')), publicKey: PUBLIC_KEY }; // SCHEMA_INVALID
    case 6:
      return { payload: utf8(text.replace('"v":1', '"v":2')), publicKey: PUBLIC_KEY }; // VERSION_UNSUPPORTED
    case 7:
      return {
        payload: utf8(JSON.stringify({ ...signed, sig: { ...signed.sig, S: '0x12' } })),
        publicKey: PUBLIC_KEY,
      };
    case 8:
      return { payload: utf8(`${text}${' '.repeat(2000)}`), publicKey: PUBLIC_KEY }; // PAYLOAD_TOO_LARGE
    case 9:
      return { payload: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), publicKey: PUBLIC_KEY }; // not UTF-8
    case 10:
      return { payload: utf8(JSON.stringify({ ...signed, ts: -1 })), publicKey: PUBLIC_KEY }; // FIELD_OUT_OF_RANGE
    case 11: // NON_CANONICAL_JSON: validly signed, but a parser keeping the first value would read 99999999
      return {
        payload: utf8(text.replace('"energyWh":', '"energyWh":99999999,"energyWh":')),
        publicKey: PUBLIC_KEY,
      };
    default:
      return { payload: utf8(text), publicKey: PUBLIC_KEY };
  }
});

/** What parseReading and verifyReading say about each item, one at a time. */
const expected: PayloadResult[] = items.map(({ payload, publicKey }) => {
  try {
    const reading = parseReading(payload);
    return {
      ok: true,
      reading,
      signatureValid: publicKey === undefined ? undefined : verifyReading(reading, publicKey),
    };
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    return { ok: false, code: error.code, field: error.field, message: error.shortMessage };
  }
});

const pool = createVerifyPool({ threads: 2, chunkSize: 64 });
afterAll(() => pool.close());

describe('parseAndVerifyBatch', () => {
  it('covers every outcome the test means to cover', () => {
    const codes = new Set(expected.flatMap((r) => (r.ok ? [] : [r.code])));
    expect([...codes].sort()).toEqual([
      'ENCODING_INVALID',
      'FIELD_OUT_OF_RANGE',
      'JSON_MALFORMED',
      'NON_CANONICAL_JSON',
      'PAYLOAD_TOO_LARGE',
      'SCHEMA_INVALID',
      'VERSION_UNSUPPORTED',
    ]);
    const signatures = expected.flatMap((r) => (r.ok ? [r.signatureValid] : []));
    expect(signatures).toContain(true);
    expect(signatures).toContain(false);
    expect(signatures).toContain(undefined);
  });

  it('gives exactly the one-at-a-time results on the calling thread (batch path and small inputs)', () => {
    expect(parseAndVerifyBatch(items)).toEqual(expected);
    expect(parseAndVerifyBatch(items.slice(0, 5))).toEqual(expected.slice(0, 5));
    expect(parseAndVerifyBatch([])).toEqual([]);
  });

  it('gives the same results in 2 worker threads, in order, and leaves the callers payloads intact', async () => {
    await pool.ready();
    const before = items.map((i) => Buffer.from(i.payload).toString('hex'));
    expect(await pool.parseAndVerifyBatch(items)).toEqual(expected);
    expect(items.map((i) => Buffer.from(i.payload).toString('hex'))).toEqual(before);
    const [a, b] = await Promise.all([
      pool.parseAndVerifyBatch(items.slice(0, 100)),
      pool.parseAndVerifyBatch(items.slice(100)),
    ]);
    expect([...a, ...b]).toEqual(expected);
    expect(await pool.parseAndVerifyBatch([])).toEqual([]);
  });

  it('reads payloads that are views into a larger buffer (as MQTT parsers hand them over)', async () => {
    const backing = Buffer.concat(items.slice(0, 24).map((i) => Buffer.from(i.payload)));
    let offset = 0;
    const views: PayloadItem[] = items.slice(0, 24).map((i) => {
      const view = backing.subarray(offset, offset + i.payload.byteLength);
      offset += i.payload.byteLength;
      return { payload: view, publicKey: i.publicKey };
    });
    expect(await pool.parseAndVerifyBatch(views)).toEqual(expected.slice(0, 24));
  });
});
