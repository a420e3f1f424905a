/**
 * Regenerates `protocol/test-vectors.json` byte-identically: keys from documented seeds, readings of both kinds
 * with edge values, and for each its field encoding, message hash, public key, keyHash, deviceCommit and
 * (deterministic) signature, all as decimal strings. The circuits reuse this file.
 *
 * Run: `npx tsx protocol/generate-test-vectors.ts` (writes the file) or `--check` (exit 1 if it differs).
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MAX_REGISTER, MAX_UINT32 } from './constants.ts';
import { poseidonHash } from './crypto/poseidon.ts';
import { DOMAIN_TAG, encodeReading, readingMessage } from './encoding.ts';
import { derivePublicKey, deviceCommit, keyHash } from './keys.ts';
import { serializeReading } from './serialize.ts';
import { signReading } from './sign.ts';
import type { Reading } from './types.ts';

/** Where the vectors live. */
export const TEST_VECTORS_PATH = fileURLToPath(new URL('./test-vectors.json', import.meta.url));

/** Seed text of test key i: the private key is sha256 of it, as hex. */
export function testKeySeed(index: number): string {
  return `rwa-iot/test-vector/key/${index}`;
}

/** Private key of test key i: `sha256("rwa-iot/test-vector/key/{i}")` as 64 hex characters. */
export function testPrivateKey(index: number): string {
  return createHash('sha256').update(testKeySeed(index), 'utf8').digest('hex');
}

const KEY_COUNT = 8;
const RATED_POWER_W = [120_000, 7_000, 60_000, 180_000, 500_000, 6_000_000, 1, MAX_UINT32] as const;

interface ReadingCase {
  name: string;
  key: number;
  reading: Reading;
}

const base = { v: 1 as const, poolId: 1, seq: 12, ts: 1_767_225_600 };

const CASES: ReadingCase[] = [
  {
    name: 'ev-typical',
    key: 0,
    reading: {
      ...base,
      kind: 'ev',
      deviceId: 'ev-0001',
      energyWh: 123_456,
      revenueMinor: 98_765,
      powerW: 60_000,
      sessionId: 42,
    },
  },
  {
    name: 'ev-zero-registers-idle',
    key: 1,
    reading: {
      ...base,
      kind: 'ev',
      deviceId: 'ev-0002',
      seq: 1,
      ts: 1,
      energyWh: 0,
      revenueMinor: 0,
      powerW: 0,
      sessionId: 0,
    },
  },
  {
    name: 'ev-max-everything',
    key: 2,
    reading: {
      v: 1,
      kind: 'ev',
      poolId: MAX_UINT32,
      deviceId: 'ev-abcdefghijklmnopqrstuvwxyz-1',
      seq: MAX_UINT32,
      ts: MAX_UINT32,
      energyWh: MAX_REGISTER,
      revenueMinor: MAX_REGISTER,
      powerW: MAX_UINT32,
      sessionId: MAX_UINT32,
    },
  },
  {
    name: 'ev-one-char-id',
    key: 3,
    reading: { ...base, kind: 'ev', deviceId: '7', energyWh: 1, revenueMinor: 1, powerW: 1, sessionId: 1 },
  },
  {
    name: 'pv-typical',
    key: 4,
    reading: {
      ...base,
      kind: 'pv',
      poolId: 2,
      deviceId: 'pv-site-0001',
      energyWh: 987_654_321,
      revenueMinor: 432_100_000,
      powerW: 450_000,
      irradianceWm2: 850,
    },
  },
  {
    name: 'pv-night-zero',
    key: 5,
    reading: {
      ...base,
      kind: 'pv',
      poolId: 2,
      deviceId: 'pv-site-0002',
      energyWh: 0,
      revenueMinor: 0,
      powerW: 0,
      irradianceWm2: 0,
    },
  },
  {
    name: 'pv-max-everything',
    key: 6,
    reading: {
      v: 1,
      kind: 'pv',
      poolId: MAX_UINT32,
      deviceId: 'pv-0123456789012345678901234567',
      seq: MAX_UINT32,
      ts: MAX_UINT32,
      energyWh: MAX_REGISTER,
      revenueMinor: MAX_REGISTER,
      powerW: MAX_UINT32,
      irradianceWm2: 2000,
    },
  },
  {
    name: 'pv-registers-2pow47',
    key: 7,
    reading: {
      ...base,
      kind: 'pv',
      poolId: 3,
      deviceId: 'pv-9',
      energyWh: 2 ** 47,
      revenueMinor: 2 ** 47 - 1,
      powerW: 2 ** 31,
      irradianceWm2: 1,
    },
  },
  {
    name: 'ev-same-key-next-seq',
    key: 0,
    reading: {
      ...base,
      kind: 'ev',
      deviceId: 'ev-0001',
      seq: 13,
      ts: 1_767_225_660,
      energyWh: 124_456,
      revenueMinor: 99_565,
      powerW: 60_000,
      sessionId: 42,
    },
  },
];

const POSEIDON_INPUTS: bigint[][] = [
  [1n],
  [1n, 2n],
  [1n, 2n, 3n],
  [1n, 2n, 3n, 4n],
  [1n, 2n, 3n, 4n, 5n],
  [1n, 2n, 3n, 4n, 5n, 6n],
  [0n, 0n],
];

/** Builds the content of the test-vector file (deterministic). */
export function buildTestVectors(): unknown {
  const keys = Array.from({ length: KEY_COUNT }, (_, index) => {
    const privateKey = testPrivateKey(index);
    const publicKey = derivePublicKey(privateKey);
    const ratedPowerW = RATED_POWER_W[index]!;
    return {
      index,
      seed: testKeySeed(index),
      privateKey,
      publicKey,
      keyHash: keyHash(publicKey).toString(),
      ratedPowerW,
      deviceCommit: deviceCommit(publicKey, ratedPowerW).toString(),
    };
  });
  const readings = CASES.map(({ name, key, reading }) => {
    const privateKey = testPrivateKey(key);
    const signed = signReading(reading, privateKey);
    return {
      name,
      key,
      publicKey: keys[key]!.publicKey,
      reading,
      encoding: encodeReading(reading).map(String),
      message: readingMessage(reading).toString(),
      signature: signed.sig,
      wire: serializeReading(signed),
    };
  });
  return {
    description:
      'Test vectors of the rwa-iot reading protocol v1 (docs/SPEC.md section 2). Private key i = sha256(seed) as hex; ' +
      'encoding = [DOMAIN_TAG, deviceIdField, header, registers, extras]; message = Poseidon(encoding); ' +
      'signature = circomlibjs eddsa.signPoseidon(privateKey bytes, message); keyHash = Poseidon(Ax, Ay); ' +
      'deviceCommit = Poseidon(keyHash, ratedPowerW). Regenerate with: npx tsx protocol/generate-test-vectors.ts',
    domainTag: DOMAIN_TAG.toString(),
    poseidon: POSEIDON_INPUTS.map((inputs) => ({
      inputs: inputs.map(String),
      hash: poseidonHash(inputs).toString(),
    })),
    keys,
    readings,
  };
}

/** The exact text of the test-vector file. */
export function renderTestVectors(): string {
  return `${JSON.stringify(buildTestVectors(), null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = renderTestVectors();
  if (process.argv.includes('--check')) {
    const current = readFileSync(TEST_VECTORS_PATH, 'utf8');
    if (current !== text) {
      console.error(`${TEST_VECTORS_PATH} differs from regeneration`);
      process.exit(1);
    }
    console.log(`${TEST_VECTORS_PATH} is up to date`);
  } else {
    writeFileSync(TEST_VECTORS_PATH, text);
    console.log(`wrote ${TEST_VECTORS_PATH}`);
  }
}
