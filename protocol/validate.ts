/**
 * Validation of readings against SPEC section 2, hand-written for speed on the gateway's hot path.
 * Every failure is a typed {@link ProtocolError} naming the offending field.
 */
import { SUBGROUP_ORDER } from './crypto/babyjub.ts';
import { isCanonicalPoint } from './crypto/eddsa.ts';
import { FIELD_MODULUS, parseDecimal } from './crypto/field.ts';
import { assertCanonicalJson } from './canonical.ts';
import { DEVICE_ID_PATTERN, FIELD_RANGES, MAX_PAYLOAD_BYTES, PROTOCOL_VERSION } from './constants.ts';
import {
  EncodingError,
  FieldRangeError,
  MalformedJsonError,
  PayloadTooLargeError,
  SchemaError,
  VersionError,
} from './errors.ts';
import type { Reading, Signature, SignedReading } from './types.ts';

const COMMON_FIELDS = [
  'v',
  'kind',
  'poolId',
  'deviceId',
  'seq',
  'ts',
  'energyWh',
  'revenueMinor',
  'powerW',
] as const;
const EV_FIELDS: ReadonlySet<string> = new Set([...COMMON_FIELDS, 'sessionId', 'sig']);
const PV_FIELDS: ReadonlySet<string> = new Set([...COMMON_FIELDS, 'irradianceWm2', 'sig']);
const SIG_FIELDS: ReadonlySet<string> = new Set(['R8x', 'R8y', 'S']);

type RangedField = keyof typeof FIELD_RANGES;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function has(obj: Record<string, unknown>, key: string): boolean {
  return Object.hasOwn(obj, key);
}

/** Checks one integer field: wrong type is SCHEMA_INVALID; non-integer, unsafe or out of range is FIELD_OUT_OF_RANGE. */
export function checkIntegerField(obj: Record<string, unknown>, field: RangedField): number {
  if (!has(obj, field)) throw new SchemaError(field, 'is missing');
  const value = obj[field];
  if (typeof value !== 'number') throw new SchemaError(field, `must be a JSON number, got ${typeOf(value)}`);
  if (!Number.isSafeInteger(value)) throw new FieldRangeError(field, `must be a safe integer, got ${value}`);
  const [min, max] = FIELD_RANGES[field];
  if (value < min || value > max) throw new FieldRangeError(field, `must be in ${min}..${max}, got ${value}`);
  return value;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Checks a `deviceId`/`siteId` string against the pattern of SPEC section 2. */
export function checkDeviceId(value: unknown, field = 'deviceId'): string {
  if (typeof value !== 'string') throw new SchemaError(field, `must be a string, got ${typeOf(value)}`);
  if (!DEVICE_ID_PATTERN.test(value)) {
    throw new FieldRangeError(
      field,
      `must match ${DEVICE_ID_PATTERN.source} (1..31 of a-z, 0-9, -), got ${JSON.stringify(value.slice(0, 40))}`,
    );
  }
  return value;
}

function checkVersion(obj: Record<string, unknown>): 1 {
  if (!has(obj, 'v')) throw new SchemaError('v', 'is missing');
  const v = obj.v;
  if (typeof v !== 'number') throw new SchemaError('v', `must be a JSON number, got ${typeOf(v)}`);
  if (v !== PROTOCOL_VERSION) throw new VersionError(v);
  return PROTOCOL_VERSION;
}

/** Validates the reading fields (without `sig`): kind, unknown/missing fields, types and ranges. */
function checkReadingFields(obj: Record<string, unknown>, allowSig: boolean): Reading {
  const v = checkVersion(obj);
  if (!has(obj, 'kind')) throw new SchemaError('kind', 'is missing');
  const kind = obj.kind;
  if (kind !== 'ev' && kind !== 'pv')
    throw new SchemaError('kind', `must be "ev" or "pv", got ${JSON.stringify(kind)}`);
  const allowed = kind === 'ev' ? EV_FIELDS : PV_FIELDS;
  for (const key of Object.keys(obj)) {
    if (!allowed.has(key) || (key === 'sig' && !allowSig)) {
      throw new SchemaError(key, `is not a field of a ${kind} reading`);
    }
  }
  const poolId = checkIntegerField(obj, 'poolId');
  if (!has(obj, 'deviceId')) throw new SchemaError('deviceId', 'is missing');
  const deviceId = checkDeviceId(obj.deviceId);
  const seq = checkIntegerField(obj, 'seq');
  const ts = checkIntegerField(obj, 'ts');
  const energyWh = checkIntegerField(obj, 'energyWh');
  const revenueMinor = checkIntegerField(obj, 'revenueMinor');
  const powerW = checkIntegerField(obj, 'powerW');
  if (kind === 'ev') {
    const sessionId = checkIntegerField(obj, 'sessionId');
    return { v, kind, poolId, deviceId, seq, ts, energyWh, revenueMinor, powerW, sessionId };
  }
  const irradianceWm2 = checkIntegerField(obj, 'irradianceWm2');
  return { v, kind, poolId, deviceId, seq, ts, energyWh, revenueMinor, powerW, irradianceWm2 };
}

/**
 * Checks an unsigned reading (any extra field, `sig` included, is a schema error) and returns a fresh copy
 * in canonical field order.
 */
export function validateUnsignedReading(value: unknown): Reading {
  if (!isPlainObject(value)) throw new SchemaError('reading', `must be an object, got ${typeOf(value)}`);
  return checkReadingFields(value, false);
}

/** Checks the fields of a reading that may also carry a `sig` (ignored here). Used before encoding. */
export function validateReadingFields(value: unknown): Reading {
  if (!isPlainObject(value)) throw new SchemaError('reading', `must be an object, got ${typeOf(value)}`);
  return checkReadingFields(value, true);
}

function checkSigComponent(sig: Record<string, unknown>, key: 'R8x' | 'R8y' | 'S'): bigint {
  const field = `sig.${key}`;
  if (!has(sig, key)) throw new SchemaError(field, 'is missing');
  const text = sig[key];
  if (typeof text !== 'string') throw new SchemaError(field, `must be a decimal string, got ${typeOf(text)}`);
  const value = parseDecimal(text);
  if (value === undefined)
    throw new EncodingError(field, 'must be a canonical decimal string (digits, no leading zeros)');
  if (value >= FIELD_MODULUS)
    throw new EncodingError(field, 'must be less than the BN254 scalar field modulus');
  return value;
}

/** Checks a signature object: exactly R8x, R8y, S; canonical decimals; R8 on Baby Jubjub; S < subgroup order. */
function validateSignature(value: unknown): Signature {
  if (!isPlainObject(value)) throw new SchemaError('sig', `must be an object, got ${typeOf(value)}`);
  for (const key of Object.keys(value)) {
    if (!SIG_FIELDS.has(key)) throw new SchemaError(`sig.${key}`, 'is not a field of a signature');
  }
  const R8x = checkSigComponent(value, 'R8x');
  const R8y = checkSigComponent(value, 'R8y');
  const S = checkSigComponent(value, 'S');
  if (!isCanonicalPoint(R8x, R8y)) throw new EncodingError('sig.R8x', 'R8 is not a point of Baby Jubjub');
  if (S >= SUBGROUP_ORDER)
    throw new EncodingError('sig.S', 'must be less than the Baby Jubjub subgroup order');
  return { R8x: value.R8x as string, R8y: value.R8y as string, S: value.S as string };
}

/**
 * Validates a decoded JSON value as a signed reading (SPEC section 2): schema, ranges, version and
 * signature encoding. Returns a fresh object in canonical field order. The signature itself is not checked.
 *
 * @example
 * const reading = validateReading(JSON.parse(text));
 */
export function validateReading(value: unknown): SignedReading {
  if (!isPlainObject(value)) throw new SchemaError('reading', `must be an object, got ${typeOf(value)}`);
  const reading = checkReadingFields(value, true);
  if (!has(value, 'sig')) throw new SchemaError('sig', 'is missing');
  const sig = validateSignature(value.sig);
  return { ...reading, sig };
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Parses one MQTT payload into a signed reading: size (<= 1024 bytes), UTF-8, canonical form (no duplicate
 * key, integers only as plain decimals: `assertCanonicalJson`), JSON object, then {@link validateReading}. Throws a {@link ProtocolError} with the reason code of the first failed stage.
 *
 * @example
 * try {
 *   const reading = parseReading(message.payload);
 * } catch (error) {
 *   if (error instanceof ProtocolError) quarantine(error.code, error.field);
 * }
 */
export function parseReading(payload: Uint8Array | string): SignedReading {
  let text: string;
  if (typeof payload === 'string') {
    const sizeBytes = Buffer.byteLength(payload, 'utf8');
    if (sizeBytes > MAX_PAYLOAD_BYTES) throw new PayloadTooLargeError(sizeBytes, MAX_PAYLOAD_BYTES);
    text = payload;
  } else {
    if (payload.byteLength > MAX_PAYLOAD_BYTES)
      throw new PayloadTooLargeError(payload.byteLength, MAX_PAYLOAD_BYTES);
    try {
      text = utf8.decode(payload);
    } catch (error) {
      throw new MalformedJsonError('payload is not valid UTF-8', error);
    }
  }
  assertCanonicalJson(text);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new MalformedJsonError((error as Error).message, error);
  }
  if (!isPlainObject(value))
    throw new MalformedJsonError(`top-level JSON value is ${typeOf(value)}, not an object`);
  return validateReading(value);
}
