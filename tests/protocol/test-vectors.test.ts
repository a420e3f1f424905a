import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DOMAIN_TAG,
  deviceIdToField,
  encodeReading,
  parseReading,
  type PublicKey,
  type Reading,
  readingMessage,
  type Signature,
  verifyReading,
} from '../../protocol/index.ts';
import {
  renderTestVectors,
  TEST_VECTORS_PATH,
  testPrivateKey,
} from '../../protocol/generate-test-vectors.ts';
import { type CircomlibReference, circomlib } from './support/circomlib.ts';

interface Vectors {
  domainTag: string;
  poseidon: Array<{ inputs: string[]; hash: string }>;
  keys: Array<{
    index: number;
    seed: string;
    privateKey: string;
    publicKey: PublicKey;
    keyHash: string;
    ratedPowerW: number;
    deviceCommit: string;
  }>;
  readings: Array<{
    name: string;
    key: number;
    publicKey: PublicKey;
    reading: Reading;
    encoding: string[];
    message: string;
    signature: Signature;
    wire: string;
  }>;
}

const text = readFileSync(TEST_VECTORS_PATH, 'utf8');
const vectors = JSON.parse(text) as Vectors;
let ref: CircomlibReference;

beforeAll(async () => {
  ref = await circomlib();
});

describe('test-vectors.json', () => {
  it('is byte-identical to its regeneration', () => {
    expect(renderTestVectors()).toBe(text);
  });

  it('has at least 6 keys and both kinds with edge values', () => {
    expect(vectors.keys.length).toBeGreaterThanOrEqual(6);
    const readings = vectors.readings.map((v) => v.reading);
    expect(readings.some((r) => r.kind === 'ev')).toBe(true);
    expect(readings.some((r) => r.kind === 'pv')).toBe(true);
    expect(readings.some((r) => r.energyWh === 0 && r.revenueMinor === 0)).toBe(true);
    expect(readings.some((r) => r.energyWh === 2 ** 48 - 1 && r.revenueMinor === 2 ** 48 - 1)).toBe(true);
    expect(readings.some((r) => r.seq === 2 ** 32 - 1 && r.ts === 2 ** 32 - 1)).toBe(true);
    expect(readings.some((r) => r.deviceId.length === 31)).toBe(true);
  });

  it('keys: private key = sha256(seed), public key, keyHash and deviceCommit agree with circomlibjs', () => {
    for (const k of vectors.keys) {
      expect(k.privateKey).toBe(testPrivateKey(k.index));
      expect(ref.prv2pub(k.privateKey)).toEqual(k.publicKey);
      const kh = ref.poseidon([BigInt(k.publicKey.Ax), BigInt(k.publicKey.Ay)]);
      expect(kh.toString()).toBe(k.keyHash);
      expect(ref.poseidon([kh, BigInt(k.ratedPowerW)]).toString()).toBe(k.deviceCommit);
    }
  });

  it('poseidon vectors agree with circomlibjs', () => {
    for (const p of vectors.poseidon) expect(ref.poseidon(p.inputs.map(BigInt)).toString()).toBe(p.hash);
  });

  it('domain tag is the big-endian ASCII of rwa-iot/reading', () => {
    expect(vectors.domainTag).toBe(DOMAIN_TAG.toString());
    expect(DOMAIN_TAG).toBe(BigInt(`0x${Buffer.from('rwa-iot/reading', 'ascii').toString('hex')}`));
  });

  it('every reading: encoding follows SPEC packing, message and signature match circomlibjs, and it verifies', () => {
    for (const v of vectors.readings) {
      const r = v.reading;
      const aux = r.kind === 'ev' ? r.sessionId : r.irradianceWm2;
      const kindCode = r.kind === 'ev' ? 1n : 2n;
      // Independent arithmetic form of the packing (multiplication instead of shifts).
      const expected = [
        DOMAIN_TAG,
        BigInt(`0x${Buffer.from(r.deviceId, 'ascii').toString('hex')}`),
        BigInt(r.v) +
          kindCode * 2n ** 8n +
          BigInt(r.poolId) * 2n ** 16n +
          BigInt(r.seq) * 2n ** 48n +
          BigInt(r.ts) * 2n ** 80n,
        BigInt(r.energyWh) + BigInt(r.revenueMinor) * 2n ** 48n,
        BigInt(r.powerW) + BigInt(aux) * 2n ** 32n,
      ];
      expect(v.encoding).toEqual(expected.map(String));
      expect(encodeReading(r)).toEqual(expected);
      expect(deviceIdToField(r.deviceId)).toBe(expected[1]);
      const m = ref.poseidon(expected);
      expect(v.message).toBe(m.toString());
      expect(readingMessage(r)).toBe(m);
      expect(ref.signPoseidon(testPrivateKey(v.key), m)).toEqual(v.signature);
      expect(ref.verifyPoseidon(m, v.signature, v.publicKey)).toBe(true);
      const parsed = parseReading(v.wire);
      expect(parsed).toEqual({ ...r, sig: v.signature });
      expect(verifyReading(parsed, v.publicKey)).toBe(true);
    }
  });
});
