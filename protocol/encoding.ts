/**
 * Field encoding of a reading and its message hash (SPEC section 2, "Field encoding and message hash").
 */
import { poseidonHash } from './crypto/poseidon.ts';
import { DEVICE_KIND_CODE } from './constants.ts';
import type { Reading } from './types.ts';
import { checkDeviceId, validateReadingFields } from './validate.ts';

/** Big-endian integer of an ASCII string's bytes. */
function asciiToField(text: string): bigint {
  let v = 0n;
  for (let i = 0; i < text.length; i++) v = (v << 8n) | BigInt(text.charCodeAt(i));
  return v;
}

/**
 * The big-endian integer of the ASCII bytes of `deviceId` (at most 31 bytes, so always < p).
 *
 * @example
 * deviceIdToField('ev-0001'); // 0x65762d30303031n
 */
export function deviceIdToField(deviceId: string): bigint {
  return asciiToField(checkDeviceId(deviceId));
}

/** Domain separation tag of reading messages: the big-endian integer of ASCII `rwa-iot/reading`. */
export const DOMAIN_TAG: bigint = asciiToField('rwa-iot/reading');

/**
 * The five Poseidon inputs of a reading: `[DOMAIN_TAG, deviceIdField, header, registers, extras]` with
 * `header = v + kindCode*2^8 + poolId*2^16 + seq*2^48 + ts*2^80`, `registers = energyWh + revenueMinor*2^48`,
 * `extras = powerW + aux*2^32` (aux = sessionId for EV, irradianceWm2 for PV). Fields are range-checked first
 * (a `sig`, if present, is ignored).
 *
 * @example
 * const [tag, device, header, registers, extras] = encodeReading(reading);
 */
export function encodeReading(reading: Reading): [bigint, bigint, bigint, bigint, bigint] {
  const r = validateReadingFields(reading);
  return encodeValidReading(r);
}

/** {@link encodeReading} without validation, for readings that already passed {@link validateReading}. */
export function encodeValidReading(r: Reading): [bigint, bigint, bigint, bigint, bigint] {
  const kindCode = BigInt(DEVICE_KIND_CODE[r.kind]);
  const header =
    BigInt(r.v) +
    (kindCode << 8n) +
    (BigInt(r.poolId) << 16n) +
    (BigInt(r.seq) << 48n) +
    (BigInt(r.ts) << 80n);
  const registers = BigInt(r.energyWh) + (BigInt(r.revenueMinor) << 48n);
  const aux = r.kind === 'ev' ? r.sessionId : r.irradianceWm2;
  const extras = BigInt(r.powerW) + (BigInt(aux) << 32n);
  return [DOMAIN_TAG, asciiToField(r.deviceId), header, registers, extras];
}

/**
 * The signed message of a reading: `Poseidon([DOMAIN_TAG, deviceIdField, header, registers, extras])`.
 *
 * @example
 * const m = readingMessage(reading); // a field element, as bigint
 */
export function readingMessage(reading: Reading): bigint {
  return poseidonHash(encodeReading(reading));
}
