/**
 * @zk-kit/eddsa-poseidon (its blake-1 variant, the circomlibjs-compatible one) with decimal strings in and out.
 * Loaded through `require`: the package's ESM export map points at files it does not ship.
 */
import { createRequire } from 'node:module';

type Point = [bigint, bigint];
const zk = createRequire(import.meta.url)('@zk-kit/eddsa-poseidon/blake-1') as {
  derivePublicKey(privateKey: Uint8Array): Point;
  signMessage(privateKey: Uint8Array, message: bigint): { R8: Point; S: bigint };
  verifySignature(message: bigint, signature: { R8: Point; S: bigint }, publicKey: Point): boolean;
};
const { derivePublicKey, signMessage, verifySignature } = zk;

/** zk-kit public key of a 64-hex private key (the same 32 bytes as circomlibjs and this project). */
export function zkPublicKey(privateKeyHex: string): { Ax: string; Ay: string } {
  const [x, y] = derivePublicKey(Buffer.from(privateKeyHex, 'hex'));
  return { Ax: x.toString(), Ay: y.toString() };
}

/** zk-kit signature of message m. */
export function zkSign(privateKeyHex: string, m: bigint): { R8x: string; R8y: string; S: string } {
  const s = signMessage(Buffer.from(privateKeyHex, 'hex'), m);
  return { R8x: s.R8[0].toString(), R8y: s.R8[1].toString(), S: s.S.toString() };
}

/** zk-kit verification of message m. */
export function zkVerify(
  m: bigint,
  sig: { R8x: string; R8y: string; S: string },
  pk: { Ax: string; Ay: string },
): boolean {
  return verifySignature(m, { R8: [BigInt(sig.R8x), BigInt(sig.R8y)], S: BigInt(sig.S) }, [
    BigInt(pk.Ax),
    BigInt(pk.Ay),
  ]);
}
