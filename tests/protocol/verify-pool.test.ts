import { afterAll, describe, expect, it } from 'vitest';
import {
  createVerifyPool,
  derivePublicKey,
  generatePrivateKey,
  signReading,
  type VerifyItem,
  VerifyPoolError,
  verifyReading,
} from '../../protocol/index.ts';
import { EV, PRIVATE_KEY, PUBLIC_KEY, PV } from './support/fixtures.ts';

const other = derivePublicKey(generatePrivateKey());
const items: VerifyItem[] = Array.from({ length: 300 }, (_, i) => {
  const base = i % 2 === 0 ? { ...EV, seq: i + 1 } : { ...PV, seq: i + 1 };
  const signed = signReading(base, PRIVATE_KEY);
  if (i % 5 === 0) return { reading: { ...signed, energyWh: signed.energyWh + 1 }, publicKey: PUBLIC_KEY };
  if (i % 7 === 0) return { reading: signed, publicKey: other };
  return { reading: signed, publicKey: PUBLIC_KEY };
});
const expected = items.map((it) => verifyReading(it.reading, it.publicKey));

const pool = createVerifyPool({ threads: 2, chunkSize: 64 });
afterAll(() => pool.close());

describe('verification pool', () => {
  it('gives exactly the results of verifyReading, in order, across 2 worker threads', async () => {
    await pool.ready();
    expect(expected.filter((x) => !x).length).toBeGreaterThan(50);
    expect(await pool.verifyBatch(items)).toEqual(expected);
    expect(await pool.verifyBatch([])).toEqual([]);
  });

  it('runs concurrent batches independently', async () => {
    const [a, b] = await Promise.all([
      pool.verifyBatch(items.slice(0, 100)),
      pool.verifyBatch(items.slice(100)),
    ]);
    expect([...a, ...b]).toEqual(expected);
  });

  it('returns false (not an error) for malformed readings and keys', async () => {
    const malformed = [
      { reading: { ...items[1]!.reading, sig: { R8x: 'x', R8y: '1', S: '1' } }, publicKey: PUBLIC_KEY },
      { reading: items[1]!.reading, publicKey: { Ax: '1', Ay: '2' } },
    ];
    expect(await pool.verifyBatch(malformed)).toEqual([false, false]);
  });

  it('rejects work after close, and pending work on close', async () => {
    const own = createVerifyPool({ threads: 1 });
    const pending = expect(own.verifyBatch(items)).rejects.toBeInstanceOf(VerifyPoolError);
    await own.close();
    await pending;
    await expect(own.verifyBatch(items)).rejects.toBeInstanceOf(VerifyPoolError);
    expect(() => createVerifyPool({ threads: 0 })).toThrow(VerifyPoolError);
  });
});
