/** circomlibjs (the reference implementation) loaded once per test file. */
import { buildEddsa } from 'circomlibjs';

/** A thin typed view of circomlibjs' EdDSA with bigint in and out. */
export interface CircomlibReference {
  poseidon(inputs: readonly bigint[]): bigint;
  prv2pub(privateKeyHex: string): { Ax: string; Ay: string };
  signPoseidon(privateKeyHex: string, message: bigint): { R8x: string; R8y: string; S: string };
  verifyPoseidon(
    message: bigint,
    sig: { R8x: string; R8y: string; S: string },
    pk: { Ax: string; Ay: string },
  ): boolean;
}

let cached: Promise<CircomlibReference> | undefined;

/** Builds (once) the circomlibjs reference. */
export function circomlib(): Promise<CircomlibReference> {
  cached ??= (async () => {
    const eddsa = await buildEddsa();
    const F = eddsa.babyJub.F;
    const str = (v: unknown): string => F.toObject(v).toString();
    return {
      poseidon: (inputs) => F.toObject(eddsa.poseidon(inputs.map((v) => F.e(v)))) as bigint,
      prv2pub: (hex) => {
        const A = eddsa.prv2pub(Buffer.from(hex, 'hex'));
        return { Ax: str(A[0]), Ay: str(A[1]) };
      },
      signPoseidon: (hex, m) => {
        const s = eddsa.signPoseidon(Buffer.from(hex, 'hex'), F.e(m));
        return { R8x: str(s.R8[0]), R8y: str(s.R8[1]), S: s.S.toString() };
      },
      verifyPoseidon: (m, sig, pk) =>
        eddsa.verifyPoseidon(F.e(m), { R8: [F.e(BigInt(sig.R8x)), F.e(BigInt(sig.R8y))], S: BigInt(sig.S) }, [
          F.e(BigInt(pk.Ax)),
          F.e(BigInt(pk.Ay)),
        ]) as boolean,
    };
  })();
  return cached;
}
