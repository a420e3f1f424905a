import type { DeviceKind, PublicKey } from '../../protocol/index.ts';

/** A pool of devices whose revenue backs one token (SPEC section 5). */
export interface PoolRecord {
  poolId: number;
  currency: string;
  decimals: number;
  maxTariffMinorPerKwh: bigint;
  epochLengthS: number;
  genesisTs: number;
}

/** What registering a device needs: the public part of its key-file entry (SPEC section 2). */
export interface DeviceRegistration {
  deviceId: string;
  poolId: number;
  kind: DeviceKind;
  siteId: string;
  ratedPowerW: number;
  publicKey: PublicKey;
  /** sha256 of the device's MQTT password, lowercase hex. */
  mqttPasswordSha256: string;
}

/** A registered device. */
export interface DeviceRecord extends DeviceRegistration {
  /** 1-based order of registration within the pool: the device occupies state-tree slot `registrationIndex - 1`. */
  registrationIndex: number;
  /** Poseidon(Ax, Ay) as a decimal string. */
  keyHash: string;
  active: boolean;
}
