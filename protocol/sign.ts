/** Signing and verifying readings (SPEC section 2, "Keys and signatures"). */
import { signMessage } from './crypto/eddsa.ts';
import { kernelVerifyReading } from './crypto/wasm/kernel.ts';
import { parseDecimal } from './crypto/field.ts';
import { mulBase } from './crypto/scalar-mult.ts';
import { poseidonHash } from './crypto/poseidon.ts';
import { encodeValidReading } from './encoding.ts';
import { privateKeyBytes, publicKeyToPoint } from './keys.ts';
import type { PublicKey, Reading, Signature, SignedReading } from './types.ts';
import { validateReading, validateUnsignedReading } from './validate.ts';

/**
 * Signs a reading with a device's private key (deterministic EdDSA-Poseidon, circomlibjs `signPoseidon`
 * of {@link readingMessage}). Returns a copy of the reading with `sig`.
 *
 * @example
 * const signed = signReading({ v: 1, kind: 'ev', poolId: 1, deviceId: 'ev-0001', seq: 1, ts: 1767225600,
 *   energyWh: 0, revenueMinor: 0, powerW: 0, sessionId: 0 }, privateKey);
 */
export function signReading<R extends Reading>(reading: R, privateKeyHex: string): R & { sig: Signature } {
  const valid = validateUnsignedReading(stripSig(reading));
  const m = poseidonHash(encodeValidReading(valid));
  const sig = signMessage(privateKeyBytes(privateKeyHex), m, mulBase);
  return { ...reading, sig: { R8x: sig.R8x.toString(), R8y: sig.R8y.toString(), S: sig.S.toString() } };
}

function stripSig(reading: Reading): Reading {
  if (!Object.hasOwn(reading, 'sig')) return reading;
  const { sig: _sig, ...rest } = reading as SignedReading;
  return rest as Reading;
}

/**
 * True when the reading's signature verifies against `publicKey`, exactly as circomlibjs `verifyPoseidon`
 * (R8 and A on the curve, S below the subgroup order, S*B8 == R8 + 8*h*A). Invalid input of any kind gives false.
 *
 * @example
 * if (!verifyReading(reading, device.publicKey)) throw new SignatureError();
 */
export function verifyReading(reading: SignedReading, publicKey: PublicKey): boolean {
  try {
    // validateReading checks R8 on the curve and S < l; publicKeyToPoint checks A on the curve.
    const r = validateReading(reading);
    const A = publicKeyToPoint(publicKey);
    const sig = r.sig;
    return kernelVerifyReading(
      encodeValidReading(r),
      parseDecimal(sig.R8x)!,
      parseDecimal(sig.R8y)!,
      A.x,
      A.y,
      parseDecimal(sig.S)!,
    );
  } catch {
    return false;
  }
}
