/** Version of the reading wire format (SPEC section 2). */
export const PROTOCOL_VERSION = 1;
/** Largest accepted MQTT payload of one reading, in bytes (SPEC section 2). */
export const MAX_PAYLOAD_BYTES = 1024;

/** Device kinds and their codes in the packed header (SPEC section 2). */
export type DeviceKind = 'ev' | 'pv';
/** Kind code packed into the `header` field element: ev = 1, pv = 2. */
export const DEVICE_KIND_CODE: { readonly ev: 1; readonly pv: 2 } = Object.freeze({ ev: 1, pv: 2 });

/** `deviceId` and `siteId`: 1..31 ASCII bytes, lowercase letters, digits and dashes, not starting with a dash. */
export const DEVICE_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,30}$/;

/** 2^32 - 1: upper bound of 32-bit fields (poolId, seq, ts, powerW, sessionId). */
export const MAX_UINT32 = 2 ** 32 - 1;
/** 2^48 - 1: upper bound of the cumulative registers (energyWh, revenueMinor). */
export const MAX_REGISTER = 2 ** 48 - 1;
/** Upper bound of `irradianceWm2`. */
export const MAX_IRRADIANCE_WM2 = 2000;

/** Inclusive integer range of each numeric reading field (SPEC section 2). */
export const FIELD_RANGES = Object.freeze({
  poolId: [1, MAX_UINT32],
  seq: [1, MAX_UINT32],
  ts: [1, MAX_UINT32],
  energyWh: [0, MAX_REGISTER],
  revenueMinor: [0, MAX_REGISTER],
  powerW: [0, MAX_UINT32],
  sessionId: [0, MAX_UINT32],
  irradianceWm2: [0, MAX_IRRADIANCE_WM2],
} as const satisfies Record<string, readonly [number, number]>);
