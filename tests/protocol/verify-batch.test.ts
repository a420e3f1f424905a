import { describe, expect, it } from 'vitest';
import { add, SUBGROUP_ORDER, toAffine, toExtended } from '../../protocol/crypto/babyjub.ts';
import { batchEquationHolds, type PreparedSignature } from '../../protocol/crypto/batch-verify.ts';
import { FIELD_MODULUS } from '../../protocol/crypto/field.ts';
import { poseidonHash } from '../../protocol/crypto/poseidon.ts';
import { mulBase } from '../../protocol/crypto/scalar-mult.ts';
import {
  allInPrimeSubgroup,
  isInPrimeSubgroup,
  kernelMillerValue,
  millerValueReference,
  SUBGROUP_BATCH_MIN,
  subgroupConstantsConsistent,
  TORSION_POINTS,
} from '../../protocol/crypto/subgroup.ts';
import {
  derivePublicKey,
  type EvReading,
  readingMessage,
  type SignedReading,
  signReading,
  type VerifyItem,
  verifyBatch,
  verifyReading,
} from '../../protocol/index.ts';
import { testPrivateKey } from '../../protocol/generate-test-vectors.ts';

const KEYS = Array.from({ length: 8 }, (_, i) => testPrivateKey(i));
const PKS = KEYS.map(derivePublicKey);
const base: EvReading = {
  v: 1,
  kind: 'ev',
  poolId: 1,
  deviceId: 'ev-1',
  seq: 1,
  ts: 1_767_225_600,
  energyWh: 0,
  revenueMinor: 0,
  powerW: 0,
  sessionId: 0,
};
const valid: VerifyItem[] = Array.from({ length: 160 }, (_, i) => ({
  reading: signReading(
    { ...base, seq: i + 1, energyWh: 10 * i, revenueMinor: 7 * i },
    KEYS[i % KEYS.length]!,
  ),
  publicKey: PKS[i % KEYS.length]!,
}));

function withTorsion(s: SignedReading, k: number): SignedReading {
  const R = toAffine(
    add(toExtended({ x: BigInt(s.sig.R8x), y: BigInt(s.sig.R8y) }), toExtended(TORSION_POINTS[k]!)),
  );
  return { ...s, sig: { ...s.sig, R8x: R.x.toString(), R8y: R.y.toString() } };
}

const expectSameAsSingle = (items: VerifyItem[]) =>
  expect(verifyBatch(items)).toEqual(items.map((it) => verifyReading(it.reading, it.publicKey)));

describe('prime-subgroup test (8-Tate pairing)', () => {
  it('constants are consistent: 2T from the tangent at T, 4T of order 2', () => {
    expect(subgroupConstantsConsistent()).toBe(true);
  });

  it('accepts points of the subgroup and refuses every torsion coset', () => {
    for (let i = 1; i <= 40; i++) {
      const Q = mulBase(BigInt(i) * 0x1234567890abcdef1234567890abcdefn + BigInt(i));
      expect(isInPrimeSubgroup(Q.x, Q.y)).toBe(true);
      for (let k = 1; k < 8; k++) {
        const R = toAffine(add(toExtended(Q), toExtended(TORSION_POINTS[k]!)));
        expect(isInPrimeSubgroup(R.x, R.y)).toBe(false);
      }
    }
    expect(TORSION_POINTS.map((t) => isInPrimeSubgroup(t.x, t.y))).toEqual([
      true,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('batched prime-subgroup test (random subset products)', () => {
  const inG = Array.from({ length: 512 }, (_, i) =>
    mulBase(BigInt(i + 1) * 0x9e3779b97f4a7c15f39cc0605cedc834n),
  );
  const shifted = (i: number, k: number) =>
    toAffine(add(toExtended(inG[i]!), toExtended(TORSION_POINTS[k]!)));

  it("the kernel's Miller value equals the bigint reference", () => {
    for (let i = 0; i < 30; i++) {
      const Q = i % 2 === 0 ? inG[i]! : shifted(i, i % 8);
      expect(kernelMillerValue(Q.x, Q.y)).toBe(millerValueReference(Q.x, Q.y));
    }
  });

  it('accepts points of the subgroup (with the identity among them), in one chunk and across chunks', () => {
    expect(allInPrimeSubgroup(inG)).toBe(true);
    expect(allInPrimeSubgroup([...inG, TORSION_POINTS[0]!, ...inG, ...inG.slice(0, 7)])).toBe(true);
    expect(allInPrimeSubgroup([])).toBe(true);
  });

  it('refuses a batch with one point outside the subgroup, for every torsion component and position', () => {
    for (let k = 1; k < 8; k++) {
      for (const at of [0, 255, 511]) {
        const points = inG.map((p, i) => (i === at ? shifted(i, k) : p));
        expect(allInPrimeSubgroup(points)).toBe(false);
      }
    }
    expect(allInPrimeSubgroup([...inG, TORSION_POINTS[4]!])).toBe(false);
    expect(allInPrimeSubgroup([...inG, ...inG, shifted(3, 1)])).toBe(false); // in the second chunk
  });

  it('refuses bad points whose components cancel in a product or sum: two, four and eight of order 2, four of order 4', () => {
    const cases: Array<Array<[number, number]>> = [
      [
        [10, 4],
        [11, 4],
      ],
      [
        [1, 4],
        [100, 4],
        [200, 4],
        [300, 4],
      ],
      Array.from({ length: 8 }, (_, j): [number, number] => [j * 60, 4]),
      [
        [5, 2],
        [6, 2],
        [7, 6],
        [8, 6],
      ],
    ];
    for (const bad of cases) {
      for (let run = 0; run < 5; run++) {
        const points = inG.map((p, i) => {
          const hit = bad.find(([at]) => at === i);
          return hit ? shifted(i, hit[1]) : p;
        });
        expect(allInPrimeSubgroup(points)).toBe(false);
      }
    }
  });
});

describe('batchEquationHolds', () => {
  const prepared: PreparedSignature[] = valid.map(({ reading, publicKey }) => {
    const R8x = BigInt(reading.sig.R8x);
    const R8y = BigInt(reading.sig.R8y);
    const Ax = BigInt(publicKey.Ax);
    const Ay = BigInt(publicKey.Ay);
    return {
      R8x,
      R8y,
      Ax,
      Ay,
      S: BigInt(reading.sig.S),
      h: poseidonHash([R8x, R8y, Ax, Ay, readingMessage(reading)]),
    };
  });

  it('holds for valid signatures, also with one key per signature or one key for all', () => {
    expect(batchEquationHolds(prepared)).toBe(true);
    expect(batchEquationHolds(prepared.filter((_, i) => i % KEYS.length === 0))).toBe(true);
    expect(batchEquationHolds([...prepared.slice(0, 40), ...prepared.slice(0, 40)])).toBe(true);
  });

  it('fails when any single signature is wrong (S, h or key), whatever the random coefficients', () => {
    for (let trial = 0; trial < 6; trial++) {
      const i = (trial * 37) % prepared.length;
      const p = prepared[i]!;
      const other = prepared[(i + 1) % prepared.length]!;
      const corrupt = [
        { ...p, S: (p.S + 1n) % SUBGROUP_ORDER },
        { ...p, h: (p.h + 1n) % FIELD_MODULUS },
        { ...p, Ax: other.Ax, Ay: other.Ay },
      ][trial % 3]!;
      const batch = prepared.map((q, j) => (j === i ? corrupt : q));
      expect(batchEquationHolds(batch)).toBe(false);
    }
  });

  it('two errors that cancel in a plain sum are still caught (independent coefficients)', () => {
    const a = prepared[3]!;
    const b = prepared[4]!;
    const batch = prepared.map((q, j) =>
      j === 3
        ? { ...a, S: (a.S + 5n) % SUBGROUP_ORDER }
        : j === 4
          ? { ...b, S: (b.S - 5n + SUBGROUP_ORDER) % SUBGROUP_ORDER }
          : q,
    );
    expect(batchEquationHolds(batch)).toBe(false);
  });
});

describe('verifyBatch', () => {
  it('all valid: all true (batch path and small path)', () => {
    expect(verifyBatch(valid)).toEqual(valid.map(() => true));
    expect(verifyBatch(valid.slice(0, 5))).toEqual([true, true, true, true, true]);
    expect(verifyBatch([])).toEqual([]);
  });

  it('torsion in R8 is rejected even when two such errors would cancel in a naive batch (order-2 components)', () => {
    // R8 + T2 in two readings: sum of the two torsion parts is 0, so a random combination with even
    // coefficients would pass them. They are invalid for circomlibjs and must be reported as such.
    const items = valid.map((it, i) =>
      i === 10 || i === 11 ? { ...it, reading: withTorsion(it.reading, 4) } : it,
    );
    const result = verifyBatch(items);
    expect(result[10]).toBe(false);
    expect(result[11]).toBe(false);
    expect(result.filter((x) => !x).length).toBe(2);
    expectSameAsSingle(items);
  });

  it(`from ${SUBGROUP_BATCH_MIN} readings on (R8 checked in batches): torsion anywhere gives exactly the single results`, () => {
    const many: VerifyItem[] = Array.from({ length: 2 * SUBGROUP_BATCH_MIN + 20 }, (_, i) => ({
      reading: signReading(
        { ...base, seq: 1000 + i, energyWh: 3 * i, revenueMinor: i },
        KEYS[i % KEYS.length]!,
      ),
      publicKey: PKS[i % KEYS.length]!,
    }));
    expect(verifyBatch(many)).toEqual(many.map(() => true));
    const bad = new Map([
      [0, 4],
      [1, 4],
      [257, 1],
      [300, 6],
      [531, 4],
    ]);
    const items = many.map((it, i) =>
      bad.has(i) ? { ...it, reading: withTorsion(it.reading, bad.get(i)!) } : it,
    );
    const result = verifyBatch(items);
    expect(result).toEqual(items.map((_, i) => !bad.has(i)));
    expectSameAsSingle(items);
  });

  it('mixed failures anywhere give exactly the single-verification results', () => {
    const items = valid.map((it, i): VerifyItem => {
      if (i % 23 === 1) return { ...it, reading: { ...it.reading, energyWh: it.reading.energyWh + 1 } };
      if (i % 29 === 2) return { ...it, publicKey: PKS[(i + 1) % KEYS.length]! };
      if (i % 31 === 3) return { ...it, reading: withTorsion(it.reading, 1 + (i % 7)) };
      if (i === 50)
        return {
          ...it,
          reading: { ...it.reading, sig: { ...it.reading.sig, S: SUBGROUP_ORDER.toString() } },
        };
      if (i === 51) return { ...it, reading: { ...it.reading, sig: { ...it.reading.sig, R8x: '1' } } };
      if (i === 52) return { ...it, publicKey: { Ax: '1', Ay: '1' } };
      return it;
    });
    const result = verifyBatch(items);
    expect(result.filter((x) => !x).length).toBeGreaterThan(15);
    expectSameAsSingle(items);
  });

  it('keys seen before (remembered parsed points) give the same answers, and a refused key is never remembered', () => {
    const items = valid.map((it, i): VerifyItem => {
      if (i % 10 === 3) return { ...it, publicKey: { Ax: it.publicKey.Ax, Ay: '1' } }; // not on the curve
      if (i % 10 === 4) return { ...it, publicKey: { Ax: `0${it.publicKey.Ax}`, Ay: it.publicKey.Ay } }; // not canonical
      return it;
    });
    const first = verifyBatch(items);
    expect(first).toEqual(items.map((_, i) => i % 10 !== 3 && i % 10 !== 4));
    expect(verifyBatch(items)).toEqual(first);
    expect(verifyBatch(valid)).toEqual(valid.map(() => true));
    expectSameAsSingle(items);
  });

  it('one bad reading among many is found, the others stay valid', () => {
    for (const bad of [0, 77, 159]) {
      const items = valid.map((it, i) =>
        i === bad ? { ...it, reading: { ...it.reading, seq: it.reading.seq + 1000 } } : it,
      );
      expect(verifyBatch(items)).toEqual(items.map((_, i) => i !== bad));
    }
  });

  it('small-order public keys behave exactly as in circomlibjs: S*B8 == R8 is enough (registries must refuse them)', () => {
    const forged = valid.slice(0, 40).map((it, i): VerifyItem => {
      const S = BigInt(1000 + i);
      const R = mulBase(S);
      const T = TORSION_POINTS[i % 2 === 0 ? 0 : 4]!; // identity or the point of order 2
      return {
        reading: { ...it.reading, sig: { R8x: R.x.toString(), R8y: R.y.toString(), S: S.toString() } },
        publicKey: { Ax: T.x.toString(), Ay: T.y.toString() },
      };
    });
    expect(forged.map((it) => verifyReading(it.reading, it.publicKey))).toEqual(forged.map(() => true));
    expect(verifyBatch(forged)).toEqual(forged.map(() => true));
  });
});
