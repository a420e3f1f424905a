/**
 * Signed-telemetry protocol (SPEC sections 1, 2 and 4): reading format and validation, field encoding and
 * message hash, EdDSA-Poseidon keys and signatures, topics, fleet key files and reason codes.
 */
export {
  DEVICE_ID_PATTERN,
  DEVICE_KIND_CODE,
  type DeviceKind,
  FIELD_RANGES,
  MAX_PAYLOAD_BYTES,
  MAX_REGISTER,
  MAX_UINT32,
  PROTOCOL_VERSION,
} from './constants.ts';
export { FIELD_MODULUS } from './crypto/field.ts';
export { SUBGROUP_ORDER } from './crypto/babyjub.ts';
export { poseidonHash } from './crypto/poseidon.ts';
export { DOMAIN_TAG, deviceIdToField, encodeReading, readingMessage } from './encoding.ts';
export {
  EncodingError,
  FieldRangeError,
  KeyError,
  KeyFileError,
  MalformedJsonError,
  NonCanonicalJsonError,
  PayloadTooLargeError,
  ProtocolError,
  REASON_CODES,
  type ReasonCode,
  SchemaError,
  SignatureError,
  TopicMismatchError,
  VersionError,
} from './errors.ts';
export {
  type DeviceKey,
  type DevicePublicRecord,
  type FleetKeyFile,
  publicRecord,
  readFleetKeyFile,
  validateFleetKeyFile,
  writeFleetKeyFile,
} from './key-file.ts';
export { derivePublicKey, deviceCommit, generatePrivateKey, isSmallOrderPublicKey, keyHash } from './keys.ts';
export { serializeReading } from './serialize.ts';
export { signReading, verifyReading } from './sign.ts';
export { parseTopic, READING_TOPIC_FILTER, topicDeviceId, topicFor } from './topic.ts';
export type { EvReading, PublicKey, PvReading, Reading, Signature, SignedReading } from './types.ts';
export { parseReading, validateReading } from './validate.ts';
export { type VerifyItem, verifyBatch } from './verify-batch.ts';
export { type PayloadItem, type PayloadResult, parseAndVerifyBatch } from './verify-payloads.ts';
export { createVerifyPool, type VerifyPool, VerifyPoolError, type VerifyPoolOptions } from './verify-pool.ts';
