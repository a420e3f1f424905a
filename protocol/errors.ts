import { BaseError } from '../lib/errors.ts';

/** Stable reason codes of rejected readings (SPEC section 4). */
export type ReasonCode =
  | 'PAYLOAD_TOO_LARGE'
  | 'JSON_MALFORMED'
  | 'NON_CANONICAL_JSON'
  | 'SCHEMA_INVALID'
  | 'FIELD_OUT_OF_RANGE'
  | 'VERSION_UNSUPPORTED'
  | 'ENCODING_INVALID'
  | 'SIGNATURE_INVALID'
  | 'TOPIC_MISMATCH'
  | 'DEVICE_UNKNOWN'
  | 'DEVICE_INACTIVE'
  | 'SEQUENCE_REPLAY'
  | 'TIMESTAMP_SKEW'
  | 'TIMESTAMP_NOT_INCREASING'
  | 'REGISTER_DECREASED'
  | 'ENERGY_IMPLAUSIBLE'
  | 'REVENUE_IMPLAUSIBLE';

/** Every reason code, in the order of SPEC section 4. */
export const REASON_CODES: readonly ReasonCode[] = Object.freeze([
  'PAYLOAD_TOO_LARGE',
  'JSON_MALFORMED',
  'NON_CANONICAL_JSON',
  'SCHEMA_INVALID',
  'FIELD_OUT_OF_RANGE',
  'VERSION_UNSUPPORTED',
  'ENCODING_INVALID',
  'SIGNATURE_INVALID',
  'TOPIC_MISMATCH',
  'DEVICE_UNKNOWN',
  'DEVICE_INACTIVE',
  'SEQUENCE_REPLAY',
  'TIMESTAMP_SKEW',
  'TIMESTAMP_NOT_INCREASING',
  'REGISTER_DECREASED',
  'ENERGY_IMPLAUSIBLE',
  'REVENUE_IMPLAUSIBLE',
] as const);

/** Options shared by protocol errors. */
export interface ProtocolErrorOptions {
  field?: string;
  details?: string;
  hint?: string;
  cause?: unknown;
}

/**
 * Base of all protocol errors: `code` is the stable reason code, `field` the offending field when known.
 *
 * @example
 * try { parseReading(payload); } catch (e) { if (e instanceof ProtocolError) quarantine(e.code, e.field); }
 */
export class ProtocolError extends BaseError {
  override name = 'ProtocolError';
  readonly code: ReasonCode;
  readonly field: string | undefined;

  constructor(code: ReasonCode, shortMessage: string, options: ProtocolErrorOptions = {}) {
    super(shortMessage, options);
    this.code = code;
    this.field = options.field;
  }
}

/** The payload exceeds {@link MAX_PAYLOAD_BYTES}. */
export class PayloadTooLargeError extends ProtocolError {
  override name = 'PayloadTooLargeError';
  constructor(sizeBytes: number, maxBytes: number) {
    super('PAYLOAD_TOO_LARGE', `payload is ${sizeBytes} bytes, more than the ${maxBytes} allowed`, {
      hint: 'send one compact JSON reading per message',
    });
  }
}

/** The payload is not UTF-8 JSON text of an object. */
export class MalformedJsonError extends ProtocolError {
  override name = 'MalformedJsonError';
  constructor(details: string, cause?: unknown) {
    super('JSON_MALFORMED', 'payload is not a UTF-8 JSON object', { details, cause });
  }
}

/**
 * The payload is JSON but not in the canonical wire form: a key appears twice in one object, or a number is
 * not a plain decimal integer (fraction, exponent, `-0`, leading zero or `+`). Such a payload would read
 * differently in different JSON parsers, so it cannot be evidence.
 */
export class NonCanonicalJsonError extends ProtocolError {
  override name = 'NonCanonicalJsonError';
  constructor(field: string, details: string) {
    super('NON_CANONICAL_JSON', `field ${field}: ${details}`, {
      field,
      details,
      hint: 'send each key once and every number as a plain decimal integer (SPEC section 2, canonical form)',
    });
  }
}

/** A field is missing, unknown or of the wrong type. */
export class SchemaError extends ProtocolError {
  override name = 'SchemaError';
  constructor(field: string, details: string) {
    super('SCHEMA_INVALID', `field ${field}: ${details}`, {
      field,
      hint: 'see SPEC section 2 for the fields',
    });
  }
}

/** A value lies outside its range (or is not a safe integer). */
export class FieldRangeError extends ProtocolError {
  override name = 'FieldRangeError';
  constructor(field: string, details: string) {
    super('FIELD_OUT_OF_RANGE', `field ${field}: ${details}`, { field });
  }
}

/** The protocol version `v` is not supported. */
export class VersionError extends ProtocolError {
  override name = 'VersionError';
  constructor(version: unknown) {
    super('VERSION_UNSUPPORTED', `protocol version ${String(version)} is not supported`, {
      field: 'v',
      hint: 'this implementation speaks version 1',
    });
  }
}

/** A signature component is not a canonical field element or curve point. */
export class EncodingError extends ProtocolError {
  override name = 'EncodingError';
  constructor(field: string, details: string) {
    super('ENCODING_INVALID', `field ${field}: ${details}`, { field });
  }
}

/** The signature does not verify against the device key. */
export class SignatureError extends ProtocolError {
  override name = 'SignatureError';
  constructor(details?: string) {
    super('SIGNATURE_INVALID', 'signature does not verify against the registered key', {
      field: 'sig',
      ...(details === undefined ? {} : { details }),
    });
  }
}

/** The MQTT topic is not `fleet/{poolId}/{deviceId}/reading` or names another device. */
export class TopicMismatchError extends ProtocolError {
  override name = 'TopicMismatchError';
  constructor(topic: string, details: string) {
    super('TOPIC_MISMATCH', `topic ${JSON.stringify(topic)}: ${details}`, { field: 'topic' });
  }
}

/** A key (private or public) is malformed: not a protocol reason code, a configuration error. */
export class KeyError extends BaseError {
  override name = 'KeyError';
}

/** A fleet key file is unreadable or invalid. */
export class KeyFileError extends BaseError {
  override name = 'KeyFileError';
}
