/** Device keys: generation, public key derivation, key hash and device commitment (SPEC sections 2 and 5). */
import { randomBytes } from 'node:crypto';
import { isCanonicalPoint, publicKeyPoint } from './crypto/eddsa.ts';
import { parseDecimal } from './crypto/field.ts';
import { mulBase } from './crypto/scalar-mult.ts';
import { poseidonHash } from './crypto/poseidon.ts';
import { TORSION_POINTS } from './crypto/subgroup.ts';
import { MAX_UINT32 } from './constants.ts';
import { KeyError } from './errors.ts';
import type { PublicKey } from './types.ts';

const PRIVATE_KEY_HEX = /^[0-9a-f]{64}$/;

/**
 * A new private key: 32 random bytes as 64 lowercase hex characters.
 *
 * @example
 * const privateKey = generatePrivateKey();
 */
export function generatePrivateKey(random: (n: number) => Uint8Array = randomBytes): string {
  const bytes = random(32);
  if (bytes.length !== 32) throw new KeyError(`random source returned ${bytes.length} bytes, expected 32`);
  return Buffer.from(bytes).toString('hex');
}

/** Bytes of a private key given as 64 hex characters; throws {@link KeyError} otherwise. */
export function privateKeyBytes(privateKeyHex: string): Uint8Array {
  if (typeof privateKeyHex !== 'string' || !PRIVATE_KEY_HEX.test(privateKeyHex.toLowerCase())) {
    throw new KeyError('private key must be 64 hexadecimal characters (32 bytes)', {
      hint: 'create one with generatePrivateKey()',
    });
  }
  return Buffer.from(privateKeyHex, 'hex');
}

/**
 * Public key of a private key, as circomlibjs `eddsa.prv2pub(Buffer.from(hex, 'hex'))`.
 *
 * @example
 * const { Ax, Ay } = derivePublicKey(privateKey);
 */
export function derivePublicKey(privateKeyHex: string): PublicKey {
  const A = publicKeyPoint(privateKeyBytes(privateKeyHex), mulBase);
  return { Ax: A.x.toString(), Ay: A.y.toString() };
}

/** Coordinates of a public key as bigints; throws {@link KeyError} unless canonical decimals of a curve point. */
export function publicKeyToPoint(publicKey: PublicKey): { x: bigint; y: bigint } {
  const x = typeof publicKey?.Ax === 'string' ? parseDecimal(publicKey.Ax) : undefined;
  const y = typeof publicKey?.Ay === 'string' ? parseDecimal(publicKey.Ay) : undefined;
  if (x === undefined || y === undefined || !isCanonicalPoint(x, y)) {
    throw new KeyError(
      'public key is not a point of Baby Jubjub given as canonical decimal strings (Ax, Ay)',
    );
  }
  return { x, y };
}

/**
 * `keyHash = Poseidon(Ax, Ay)`: a device's identity on-chain.
 *
 * @example
 * const id = keyHash(derivePublicKey(privateKey));
 */
export function keyHash(publicKey: PublicKey): bigint {
  const A = publicKeyToPoint(publicKey);
  return poseidonHash([A.x, A.y]);
}

/**
 * `deviceCommit = Poseidon(keyHash, ratedPowerW)` (SPEC section 5); ratedPowerW must be an integer in 1..2^32-1.
 *
 * @example
 * const commit = deviceCommit(publicKey, 120_000);
 */
export function deviceCommit(publicKey: PublicKey, ratedPowerW: number): bigint {
  checkRatedPower(ratedPowerW);
  return poseidonHash([keyHash(publicKey), BigInt(ratedPowerW)]);
}

/** Throws {@link KeyError} unless `ratedPowerW` is an integer in 1..2^32-1. */
export function checkRatedPower(ratedPowerW: number): void {
  if (!Number.isSafeInteger(ratedPowerW) || ratedPowerW < 1 || ratedPowerW > MAX_UINT32) {
    throw new KeyError(`ratedPowerW must be an integer in 1..${MAX_UINT32}, got ${ratedPowerW}`);
  }
}

/**
 * True when the public key is one of the 8 points of small order (8*A = identity). circomlib's verification
 * multiplies A by 8, so for such a key any S with R8 = S*B8 "verifies" for every message: registries and
 * gateways must refuse these keys. A key derived from a private key is never of small order.
 *
 * @example
 * if (isSmallOrderPublicKey(record.publicKey)) throw new Error('refused: small-order key');
 */
export function isSmallOrderPublicKey(publicKey: PublicKey): boolean {
  const A = publicKeyToPoint(publicKey);
  return TORSION_POINTS.some((t) => t.x === A.x && t.y === A.y);
}
