/** Verification of many readings at once. */
import { verifyReading } from './sign.ts';
import type { PublicKey, SignedReading } from './types.ts';

/** One reading and the key it must verify against. */
export interface VerifyItem {
  reading: SignedReading;
  publicKey: PublicKey;
}

/**
 * Verifies many readings; result i is exactly `verifyReading(items[i].reading, items[i].publicKey)`.
 * Each reading is checked on its own in the WebAssembly kernel, so one bad reading never affects another.
 *
 * @example
 * const ok = verifyBatch(batch.map((m) => ({ reading: m.reading, publicKey: registry.key(m.reading.deviceId) })));
 */
export function verifyBatch(items: readonly VerifyItem[]): boolean[] {
  const out: boolean[] = new Array(items.length);
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    out[i] = verifyReading(item.reading, item.publicKey);
  }
  return out;
}
