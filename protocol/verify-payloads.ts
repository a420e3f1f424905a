/**
 * Parsing and signature verification of raw payloads in one step, so that a verification worker
 * can do both and the receiving thread only routes bytes.
 */
import { ProtocolError, type ReasonCode } from './errors.ts';
import type { PublicKey, SignedReading } from './types.ts';
import { parseReading } from './validate.ts';
import { type VerifyItem, verifyParsedBatch } from './verify-batch.ts';

/** One raw message payload and, when its device is known, the key its signature must verify against. */
export interface PayloadItem {
  payload: Uint8Array;
  /** Without a key only the payload is parsed (`signatureValid` is then undefined). */
  publicKey: PublicKey | undefined;
}

/** What {@link parseAndVerifyBatch} found for one payload. */
export type PayloadResult =
  | {
      ok: true;
      reading: SignedReading;
      /** `verifyReading(reading, publicKey)`, or undefined when no key was given. */
      signatureValid: boolean | undefined;
    }
  | {
      ok: false;
      /** Reason code of the first failed check (SPEC section 4 order: size, JSON, canonical form, schema, range, version, encoding). */
      code: ReasonCode;
      field: string | undefined;
      message: string;
    };

/**
 * Parses every payload exactly as {@link parseReading} does and verifies the signature of each
 * payload that parsed and came with a key, in one batch (`verifyBatch` without re-validating what the parse
 * just checked: result i never depends
 * on the other items). A payload that fails to parse gets the reason code, field and message of
 * the {@link ProtocolError}; any other parse failure is `SCHEMA_INVALID`.
 *
 * @example
 * const [result] = parseAndVerifyBatch([{ payload: message.payload, publicKey: device.publicKey }]);
 * if (result.ok && result.signatureValid) accept(result.reading);
 */
export function parseAndVerifyBatch(items: readonly PayloadItem[]): PayloadResult[] {
  const results: PayloadResult[] = new Array(items.length);
  const toVerify: VerifyItem[] = [];
  const verifyIndex: number[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    let reading: SignedReading;
    try {
      reading = parseReading(item.payload);
    } catch (error) {
      results[i] =
        error instanceof ProtocolError
          ? { ok: false, code: error.code, field: error.field, message: error.shortMessage }
          : {
              ok: false,
              code: 'SCHEMA_INVALID',
              field: undefined,
              message: `reading could not be parsed: ${error instanceof Error ? error.message : String(error)}`,
            };
      continue;
    }
    results[i] = { ok: true, reading, signatureValid: undefined };
    if (item.publicKey !== undefined) {
      toVerify.push({ reading, publicKey: item.publicKey });
      verifyIndex.push(i);
    }
  }
  const valid = verifyParsedBatch(toVerify);
  for (let k = 0; k < verifyIndex.length; k++) {
    (results[verifyIndex[k]!] as { signatureValid: boolean | undefined }).signatureValid = valid[k]!;
  }
  return results;
}
