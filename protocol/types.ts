import type { DeviceKind } from './constants.ts';

export type { DeviceKind } from './constants.ts';

/** Fields shared by every reading kind (SPEC section 2). Integers only. */
interface ReadingCommon {
  v: 1;
  poolId: number;
  deviceId: string;
  seq: number;
  ts: number;
  energyWh: number;
  revenueMinor: number;
  powerW: number;
}

/** Reading of an EV charging pile. */
export interface EvReading extends ReadingCommon {
  kind: 'ev';
  /** Charging session id, 0 = idle. */
  sessionId: number;
}

/** Reading of a PV site. */
export interface PvReading extends ReadingCommon {
  kind: 'pv';
  /** Plane-of-array irradiance in W/m^2. */
  irradianceWm2: number;
}

/** An unsigned reading of either kind. */
export type Reading = EvReading | PvReading;

/** EdDSA-Poseidon signature over Baby Jubjub: R8 point and scalar S, decimal strings. */
export interface Signature {
  R8x: string;
  R8y: string;
  S: string;
}

/** A reading with its device signature, as carried on the wire. */
export type SignedReading = Reading & { sig: Signature };

/** Baby Jubjub public key `(Ax, Ay)`, decimal strings. */
export interface PublicKey {
  Ax: string;
  Ay: string;
}

/** Narrows a kind string. */
export function isDeviceKind(value: unknown): value is DeviceKind {
  return value === 'ev' || value === 'pv';
}
