import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AffinePoint,
  add,
  BASE8,
  multiplySimple,
  SUBGROUP_ORDER,
  toAffine,
  toExtended,
} from '../../protocol/crypto/babyjub.ts';
import { secretScalar, verifyMessageReference } from '../../protocol/crypto/eddsa.ts';
import { FIELD_MODULUS } from '../../protocol/crypto/field.ts';
import { poseidonHash, poseidonHashReference } from '../../protocol/crypto/poseidon.ts';
import { mulBase, mulBaseReference } from '../../protocol/crypto/scalar-mult.ts';
import { kernelMulVar } from '../../protocol/crypto/wasm/kernel.ts';
import {
  derivePublicKey,
  type PublicKey,
  type Reading,
  readingMessage,
  type Signature,
  type SignedReading,
  signReading,
  verifyBatch,
  verifyReading,
} from '../../protocol/index.ts';
import { type CircomlibReference, circomlib } from './support/circomlib.ts';
import { zkPublicKey, zkSign, zkVerify } from './support/zkkit.ts';

/** Deterministic pseudo-random bytes from a label. */
function bytes(label: string, n = 32): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; out.length * 32 < n; i++) out.push(createHash('sha256').update(`${label}/${i}`).digest());
  return Buffer.concat(out).subarray(0, n);
}
function uint(label: string, max: number): number {
  return Number(bytes(label, 8).readBigUInt64BE() % BigInt(max + 1));
}

function randomReading(i: number): Reading {
  const common = {
    v: 1 as const,
    poolId: 1 + uint(`pool${i}`, 2 ** 32 - 2),
    deviceId: `d-${bytes(`dev${i}`, 8)
      .toString('hex')
      .slice(0, 1 + uint(`len${i}`, 14))}`,
    seq: 1 + uint(`seq${i}`, 2 ** 32 - 2),
    ts: 1 + uint(`ts${i}`, 2 ** 32 - 2),
    energyWh: uint(`e${i}`, 2 ** 48 - 1),
    revenueMinor: uint(`r${i}`, 2 ** 48 - 1),
    powerW: uint(`p${i}`, 2 ** 32 - 1),
  };
  return i % 2 === 0
    ? { ...common, kind: 'ev', sessionId: uint(`s${i}`, 2 ** 32 - 1) }
    : { ...common, kind: 'pv', irradianceWm2: uint(`irr${i}`, 2000) };
}

// A point of order 8: l * G for circomlib's generator G (order 8l).
const GENERATOR: AffinePoint = {
  x: 995203441582195749578291179787384436505546430278305826713579947235728471134n,
  y: 5472060717959818805561601436314318772137091100104008585924551046643952123905n,
};
const T8 = toAffine(multiplySimple(toExtended(GENERATOR), SUBGROUP_ORDER));
const torsion = (k: bigint) => multiplySimple(toExtended(T8), k);
function plus(p: { x: bigint; y: bigint }, k: bigint): AffinePoint {
  return toAffine(add(toExtended(p), torsion(k)));
}

type Corruption = (
  s: SignedReading,
  pk: PublicKey,
  other: PublicKey,
) => { reading: SignedReading; publicKey: PublicKey };
const setSig = (s: SignedReading, sig: Partial<Signature>): SignedReading => ({
  ...s,
  sig: { ...s.sig, ...sig },
});
const R8 = (s: SignedReading) => ({ x: BigInt(s.sig.R8x), y: BigInt(s.sig.R8y) });

/** Corruptions; each keeps R8, A on the curve and S < l so that every implementation reaches the equation. */
const CORRUPTIONS: Array<[string, Corruption]> = [
  ['field changed', (s, pk) => ({ reading: { ...s, seq: s.seq === 1 ? 2 : s.seq - 1 }, publicKey: pk })],
  [
    'S + 1',
    (s, pk) => ({
      reading: setSig(s, { S: ((BigInt(s.sig.S) + 1n) % SUBGROUP_ORDER).toString() }),
      publicKey: pk,
    }),
  ],
  ['other key', (s, _pk, other) => ({ reading: s, publicKey: other })],
  [
    'R8 negated',
    (s, pk) => ({
      reading: setSig(s, {
        R8x: ((FIELD_MODULUS - R8(s).x) % FIELD_MODULUS).toString(),
      }),
      publicKey: pk,
    }),
  ],
  ...[1n, 2n, 4n].map((k): [string, Corruption] => [
    `R8 + torsion of order ${8n / k}`,
    (s, pk) => {
      const p = plus(R8(s), k);
      return { reading: setSig(s, { R8x: p.x.toString(), R8y: p.y.toString() }), publicKey: pk };
    },
  ]),
];

let ref: CircomlibReference;
beforeAll(async () => {
  ref = await circomlib();
});

function allThree(m: bigint, reading: SignedReading, publicKey: PublicKey): [boolean, boolean, boolean] {
  return [
    verifyReading(reading, publicKey),
    ref.verifyPoseidon(m, reading.sig, publicKey),
    zkVerify(m, reading.sig, publicKey),
  ];
}

const KEYS = 200;
const cases = Array.from({ length: KEYS }, (_, i) => {
  const privateKey = bytes(`key${i}`).toString('hex');
  return { i, privateKey, reading: randomReading(i) };
});

describe('cross-check against circomlibjs and @zk-kit/eddsa-poseidon', () => {
  it('kernel Poseidon, fixed-base and variable-base multiplication equal the bigint references', () => {
    for (let i = 0; i < 50; i++) {
      const n = 1 + (i % 16);
      const inputs = Array.from(
        { length: n },
        (_, j) => BigInt(`0x${bytes(`pin${i}/${j}`).toString('hex')}`) % FIELD_MODULUS,
      );
      expect(poseidonHash(inputs)).toBe(poseidonHashReference(inputs));
      expect(poseidonHash(inputs)).toBe(ref.poseidon(inputs));
      const k = BigInt(`0x${bytes(`k${i}`).toString('hex')}`);
      expect(mulBase(k)).toEqual(mulBaseReference(k % SUBGROUP_ORDER));
      expect(kernelMulVar(GENERATOR, k)).toEqual(toAffine(multiplySimple(toExtended(GENERATOR), k)));
    }
    expect(mulBase(0n)).toEqual({ x: 0n, y: 1n });
    expect(kernelMulVar(T8, 8n)).toEqual({ x: 0n, y: 1n });
    expect(mulBase(SUBGROUP_ORDER - 1n)).toEqual({
      x: FIELD_MODULUS - BASE8.x,
      y: BASE8.y,
    });
  });

  const CHUNK = 40;
  for (let start = 0; start < KEYS; start += CHUNK) {
    it(`random keys ${start}..${start + CHUNK - 1}: same public key, same signature, all three verify`, () => {
      for (const c of cases.slice(start, start + CHUNK)) {
        const pk = derivePublicKey(c.privateKey);
        expect(ref.prv2pub(c.privateKey)).toEqual(pk);
        expect(zkPublicKey(c.privateKey)).toEqual(pk);
        const signed = signReading(c.reading, c.privateKey);
        const m = readingMessage(c.reading);
        expect(ref.signPoseidon(c.privateKey, m)).toEqual(signed.sig);
        expect(zkSign(c.privateKey, m)).toEqual(signed.sig);
        expect(allThree(m, signed, pk)).toEqual([true, true, true]);
      }
    });
  }

  it(`${KEYS} corrupted signatures: all three reject, also in verifyBatch`, () => {
    const items: Array<{ reading: SignedReading; publicKey: PublicKey }> = [];
    for (const c of cases) {
      const pk = derivePublicKey(c.privateKey);
      const other = derivePublicKey(cases[(c.i + 1) % KEYS]!.privateKey);
      const signed = signReading(c.reading, c.privateKey);
      const [name, corrupt] = CORRUPTIONS[c.i % CORRUPTIONS.length]!;
      const bad = corrupt(signed, pk, other);
      const m = readingMessage(bad.reading);
      expect([name, ...allThree(m, bad.reading, bad.publicKey)]).toEqual([name, false, false, false]);
      items.push({ reading: signed, publicKey: pk }, bad);
    }
    expect(verifyBatch(items)).toEqual(items.map((_, i) => i % 2 === 0));
  });

  it('a key with a torsion component: the owner can sign for A + T and all three accept (8*A clears T)', () => {
    for (const c of cases.slice(0, 12)) {
      const pk = derivePublicKey(c.privateKey);
      const A = plus({ x: BigInt(pk.Ax), y: BigInt(pk.Ay) }, BigInt(1 + (c.i % 7)));
      const tainted = { Ax: A.x.toString(), Ay: A.y.toString() };
      const m = readingMessage(c.reading);
      // Signature by hand for the tainted key: S = r + h*8*s where A = s*B8.
      const s = secretScalar(Buffer.from(c.privateKey, 'hex'));
      const r = BigInt(`0x${bytes(`nonce${c.i}`).toString('hex')}`) % SUBGROUP_ORDER;
      const R = mulBase(r);
      const h = poseidonHash([R.x, R.y, A.x, A.y, m]);
      const S = (r + h * 8n * s) % SUBGROUP_ORDER;
      const sig = { R8x: R.x.toString(), R8y: R.y.toString(), S: S.toString() };
      const signed = { ...c.reading, sig } as SignedReading;
      expect(allThree(m, signed, tainted)).toEqual([true, true, true]);
      expect(verifyMessageReference(m, { R8x: R.x, R8y: R.y, S }, A)).toBe(true);
      // The untainted key does not accept it (h differs), in all three.
      expect(allThree(m, signed, pk)).toEqual([false, false, false]);
    }
  });

  it('small-order keys (identity, order 2): a forged S*B8 == R8 signature passes in all three alike', () => {
    for (const k of [0n, 4n]) {
      const T = toAffine(torsion(k));
      const publicKey = { Ax: T.x.toString(), Ay: T.y.toString() };
      const S = 123456789n;
      const R = mulBase(S);
      const reading = {
        ...cases[0]!.reading,
        sig: { R8x: R.x.toString(), R8y: R.y.toString(), S: S.toString() },
      } as SignedReading;
      expect(allThree(readingMessage(reading), reading, publicKey)).toEqual([true, true, true]);
    }
  });
});
