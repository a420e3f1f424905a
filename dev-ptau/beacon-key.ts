import { createHash } from 'node:crypto';
import { blake2b } from '@noble/hashes/blake2b';
import { ChaCha } from 'ffjavascript';
import type { Bn254Curve } from './curve-types.ts';

/**
 * The key of a powers-of-tau beacon contribution, derived exactly as snarkjs's
 * `powersoftau beacon` derives it (`keyFromBeacon` in `powersoftau_utils.js`, `createPTauKey` in
 * `keypair.js`): sha256 iterated 2^numIterationsExp times over the beacon hash seeds a ChaCha20
 * generator, which draws tau, alpha, beta and the proof-of-knowledge points in a fixed order.
 */
export type BeaconKey = {
  tau: bigint;
  alpha: bigint;
  beta: bigint;
  /** Public key as snarkjs stores it, little-endian Montgomery form (section 7). */
  publicKeyLem: Uint8Array;
  /** Public key uncompressed big-endian (the form hashed into the response hash). */
  publicKeyUncompressed: Uint8Array;
};

/** sha256 applied 2^numIterationsExp times, then its 8 big-endian words as a ChaCha seed. */
function rngFromBeacon(beaconHash: Uint8Array, numIterationsExp: number): unknown {
  let current: Uint8Array = beaconHash;
  const iterations = 2 ** numIterationsExp;
  for (let i = 0; i < iterations; i++) current = createHash('sha256').update(current).digest();
  const view = new DataView(current.buffer, current.byteOffset, current.byteLength);
  const seed: number[] = [];
  for (let i = 0; i < 8; i++) seed.push(view.getUint32(i * 4, false));
  return new ChaCha(seed);
}

/** snarkjs `hashToG2`: a G2 point drawn from ChaCha seeded with the first 32 bytes of `hash`. */
function hashToG2(curve: Bn254Curve, hash: Uint8Array): Uint8Array {
  const view = new DataView(hash.buffer, hash.byteOffset, hash.byteLength);
  const seed: number[] = [];
  for (let i = 0; i < 8; i++) seed.push(view.getUint32(i * 4));
  return curve.G2.fromRng(new ChaCha(seed));
}

/** snarkjs `getG2sp`: blake2b(personalization || challenge || g1s || g1sx) hashed to G2. */
function g2sp(
  curve: Bn254Curve,
  personalization: number,
  challenge: Uint8Array,
  g1s: Uint8Array,
  g1sx: Uint8Array,
): Uint8Array {
  const hasher = blake2b.create({ dkLen: 64 });
  hasher.update(new Uint8Array([personalization]));
  hasher.update(challenge);
  hasher.update(curve.G1.toUncompressed(g1s));
  hasher.update(curve.G1.toUncompressed(g1sx));
  return hashToG2(curve, hasher.digest());
}

type KeyPart = { prvKey: Uint8Array; g1s: Uint8Array; g1sx: Uint8Array; g2spx: Uint8Array };

/**
 * Derives the beacon key for the first contribution of a ceremony whose first challenge hash is
 * `challengeHash`, from `beaconHash` and `numIterationsExp` (10..63, as snarkjs requires).
 *
 * @example
 * const key = beaconKey(curve, firstChallengeHash(curve, 12), beaconHashBytes, 10);
 */
export function beaconKey(
  curve: Bn254Curve,
  challengeHash: Uint8Array,
  beaconHash: Uint8Array,
  numIterationsExp: number,
): BeaconKey {
  const rng = rngFromBeacon(beaconHash, numIterationsExp);
  const Fr = curve.Fr;
  const privateKeys = [Fr.fromRng(rng), Fr.fromRng(rng), Fr.fromRng(rng)] as Uint8Array[];
  const parts: KeyPart[] = privateKeys.map((prvKey, personalization) => {
    const g1s = curve.G1.toAffine(curve.G1.fromRng(rng));
    const g1sx = curve.G1.toAffine(curve.G1.timesFr(g1s, prvKey));
    const sp = curve.G2.toAffine(g2sp(curve, personalization, challengeHash, g1s, g1sx));
    const g2spx = curve.G2.toAffine(curve.G2.timesFr(sp, prvKey));
    return { prvKey, g1s, g1sx, g2spx };
  });
  const [tau, alpha, beta] = parts as [KeyPart, KeyPart, KeyPart];
  const encode = (montgomery: boolean): Uint8Array => {
    const out = new Uint8Array(64 * 6 + 128 * 3);
    let offset = 0;
    for (const point of [tau.g1s, tau.g1sx, alpha.g1s, alpha.g1sx, beta.g1s, beta.g1sx]) {
      if (montgomery) curve.G1.toRprLEM(out, offset, point);
      else curve.G1.toRprUncompressed(out, offset, point);
      offset += 64;
    }
    for (const point of [tau.g2spx, alpha.g2spx, beta.g2spx]) {
      if (montgomery) curve.G2.toRprLEM(out, offset, point);
      else curve.G2.toRprUncompressed(out, offset, point);
      offset += 128;
    }
    return out;
  };
  const toBigint = (value: Uint8Array): bigint => BigInt(Fr.toString(value));
  return {
    tau: toBigint(tau.prvKey),
    alpha: toBigint(alpha.prvKey),
    beta: toBigint(beta.prvKey),
    publicKeyLem: encode(true),
    publicKeyUncompressed: encode(false),
  };
}

/**
 * snarkjs `calculateFirstChallengeHash`: blake2b-512 of the empty-hash followed by the
 * uncompressed generators of a fresh accumulator of 2^power (what `powersoftau new` prints).
 */
export function firstChallengeHash(curve: Bn254Curve, power: number): Uint8Array {
  const hasher = blake2b.create({ dkLen: 64 });
  const g1 = new Uint8Array(64);
  const g2 = new Uint8Array(128);
  curve.G1.toRprUncompressed(g1, 0, curve.G1.g);
  curve.G2.toRprUncompressed(g2, 0, curve.G2.g);
  hasher.update(blake2b.create({ dkLen: 64 }).digest());
  const hashRepeated = (point: Uint8Array, count: number): void => {
    const blockPoints = 341000;
    const block = new Uint8Array(Math.min(count, blockPoints) * point.byteLength);
    for (let i = 0; i * point.byteLength < block.byteLength; i++) block.set(point, i * point.byteLength);
    let remaining = count;
    while (remaining >= blockPoints) {
      hasher.update(block);
      remaining -= blockPoints;
    }
    if (remaining > 0) hasher.update(block.subarray(0, remaining * point.byteLength));
  };
  hashRepeated(g1, 2 ** (power + 1) - 1);
  hashRepeated(g2, 2 ** power);
  hashRepeated(g1, 2 ** power);
  hashRepeated(g1, 2 ** power);
  hasher.update(g2);
  return hasher.digest();
}

/**
 * snarkjs `toPartialHash`: the 216-byte internal state of a noble blake2b hasher (its 128-byte block
 * buffer, eight 64-bit state words, bytes absorbed and bytes pending), stored in section 7 so that a
 * verifier can finish the response hash with the public key.
 */
export function blake2bPartialState(hasher: ReturnType<typeof blake2b.create>): Uint8Array {
  const state = hasher as unknown as Record<string, number> & { buffer: Uint8Array };
  const out = new Uint8Array(216);
  const words = new Uint32Array(out.buffer, 128, 22);
  out.set(state.buffer);
  const names = [
    'v0l',
    'v0h',
    'v1l',
    'v1h',
    'v2l',
    'v2h',
    'v3l',
    'v3h',
    'v4l',
    'v4h',
    'v5l',
    'v5h',
    'v6l',
    'v6h',
    'v7l',
    'v7h',
  ];
  names.forEach((name, i) => {
    words[i] = state[name] as number;
  });
  words[18] = state.pos as number;
  words[16] = (state.length as number) - (state.pos as number);
  return out;
}
