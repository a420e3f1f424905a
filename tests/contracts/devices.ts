import { derivePublicKey, deviceCommit, generatePrivateKey, keyHash } from '../../protocol/index.ts';

/** A device key pair with its on-chain registration arguments. */
export interface TestDevice {
  privateKey: string;
  ax: bigint;
  ay: bigint;
  ratedPowerW: number;
  kind: 1 | 2;
}

/** A fresh device key (EdDSA over Baby Jubjub, protocol module). */
export function randomDevice(ratedPowerW: number, kind: 1 | 2): TestDevice {
  const privateKey = generatePrivateKey();
  const publicKey = derivePublicKey(privateKey);
  return { privateKey, ax: BigInt(publicKey.Ax), ay: BigInt(publicKey.Ay), ratedPowerW, kind };
}

/** keyHash and deviceCommit of a device, computed off-chain by the protocol module (SPEC sections 2 and 5). */
export function deriveKeyHashes(device: TestDevice): { keyHash: bigint; deviceCommit: bigint } {
  const publicKey = { Ax: device.ax.toString(), Ay: device.ay.toString() };
  return { keyHash: keyHash(publicKey), deviceCommit: deviceCommit(publicKey, device.ratedPowerW) };
}
