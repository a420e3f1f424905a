import { type PublicKey, type SignedReading, verifyBatch } from '../../protocol/index.ts';
import { createVerifyPool } from '../../protocol/verify-pool.ts';

/** One signature to check. */
export interface VerifyItem {
  reading: SignedReading;
  publicKey: PublicKey;
}

/** Checks signatures in batches. */
export interface SignatureVerifier {
  verifyBatch(items: VerifyItem[]): Promise<boolean[]>;
  close(): Promise<void>;
}

/**
 * A verifier over `threads` worker threads (the protocol module's pool), or on the main thread
 * when `threads` is 0. Resolves once the workers are ready.
 *
 * @example
 * const verifier = await createSignatureVerifier(2);
 * const ok = await verifier.verifyBatch([{ reading, publicKey }]);
 */
export async function createSignatureVerifier(threads: number): Promise<SignatureVerifier> {
  if (threads === 0) {
    return {
      verifyBatch: async (items) => (items.length === 0 ? [] : verifyBatch(items)),
      close: async () => undefined,
    };
  }
  const pool = createVerifyPool({ threads });
  await pool.ready();
  return {
    verifyBatch: (items) => (items.length === 0 ? Promise.resolve([]) : pool.verifyBatch(items)),
    close: () => pool.close(),
  };
}
