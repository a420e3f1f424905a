/**
 * EdDSA over Baby Jubjub with Poseidon, circomlib's scheme (circomlibjs `eddsa.signPoseidon` /
 * `verifyPoseidon`), on field elements: key derivation, deterministic signing and the reference
 * single verification. Faster verification paths live in `verify-fast.ts` and `verify-batch.ts`.
 */
import { blake512 } from '@noble/hashes/blake1';
import {
  type AffinePoint,
  BASE8,
  equals,
  isOnCurve,
  multiplySimple,
  SUBGROUP_ORDER,
  toAffine,
  toExtended,
  add,
} from './babyjub.ts';
import { FIELD_MODULUS } from './field.ts';
import { poseidonHash } from './poseidon.ts';

/** A signature as field elements: point R8 and scalar S. */
export interface SignatureFields {
  readonly R8x: bigint;
  readonly R8y: bigint;
  readonly S: bigint;
}

/** Little-endian integer of bytes [start, end). */
export function leBytesToBigInt(bytes: Uint8Array, start = 0, end = bytes.length): bigint {
  let v = 0n;
  for (let i = end - 1; i >= start; i--) v = (v << 8n) | BigInt(bytes[i]!);
  return v;
}

function bigIntToLeBytes(value: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let v = value;
  for (let i = 0; i < length; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** blake512 of the private key with circomlib's pruning of the first 32 bytes. */
function expandKey(privateKey: Uint8Array): { s: bigint; prefix: Uint8Array } {
  const h = blake512(privateKey);
  const sBuff = h.slice(0, 32);
  sBuff[0] = sBuff[0]! & 0xf8;
  sBuff[31] = (sBuff[31]! & 0x7f) | 0x40;
  return { s: leBytesToBigInt(sBuff), prefix: h.slice(32, 64) };
}

/** Secret scalar of a private key: `pruned(blake512(key)[0..32]) >> 3`, as circomlibjs `prv2pub`. */
export function secretScalar(privateKey: Uint8Array): bigint {
  return expandKey(privateKey).s >> 3n;
}

/** Public key point A = secretScalar * B8 (circomlibjs `prv2pub`). */
export function publicKeyPoint(
  privateKey: Uint8Array,
  mulBase: (k: bigint) => AffinePoint = mulBaseSimple,
): AffinePoint {
  return mulBase(secretScalar(privateKey) % SUBGROUP_ORDER);
}

function mulBaseSimple(k: bigint): AffinePoint {
  return toAffine(multiplySimple(toExtended(BASE8), k));
}

/**
 * Deterministic signature of field element `message` (< p), as circomlibjs `signPoseidon`:
 * r = blake512(prefix || message LE32) mod l, R8 = r*B8, h = Poseidon(R8x, R8y, Ax, Ay, m), S = r + h*s mod l.
 */
export function signMessage(
  privateKey: Uint8Array,
  message: bigint,
  mulBase: (k: bigint) => AffinePoint = mulBaseSimple,
): SignatureFields {
  if (message < 0n || message >= FIELD_MODULUS) throw new RangeError('message must be a field element');
  const { s, prefix } = expandKey(privateKey);
  const A = mulBase((s >> 3n) % SUBGROUP_ORDER);
  const compose = new Uint8Array(64);
  compose.set(prefix, 0);
  compose.set(bigIntToLeBytes(message, 32), 32);
  const r = leBytesToBigInt(blake512(compose)) % SUBGROUP_ORDER;
  const R8 = mulBase(r);
  const hm = poseidonHash([R8.x, R8.y, A.x, A.y, message]);
  const S = (r + hm * s) % SUBGROUP_ORDER;
  return { R8x: R8.x, R8y: R8.y, S };
}

/**
 * Reference verification, exactly as circomlibjs `verifyPoseidon`: R8 and A on the curve, S < l,
 * then S*B8 == R8 + 8*h*A with h = Poseidon(R8x, R8y, Ax, Ay, m). Coordinates must be canonical (< p).
 */
export function verifyMessageReference(message: bigint, sig: SignatureFields, A: AffinePoint): boolean {
  if (!isCanonicalPoint(sig.R8x, sig.R8y) || !isCanonicalPoint(A.x, A.y)) return false;
  if (sig.S < 0n || sig.S >= SUBGROUP_ORDER) return false;
  const hm = poseidonHash([sig.R8x, sig.R8y, A.x, A.y, message]);
  const left = multiplySimple(toExtended(BASE8), sig.S);
  const right = add(toExtended({ x: sig.R8x, y: sig.R8y }), multiplySimple(toExtended(A), hm * 8n));
  return equals(left, right);
}

/** True when (x, y) are canonical field elements (0 <= v < p) on the curve. */
export function isCanonicalPoint(x: bigint, y: bigint): boolean {
  return x >= 0n && x < FIELD_MODULUS && y >= 0n && y < FIELD_MODULUS && isOnCurve(x, y);
}
