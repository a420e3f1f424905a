import { type PublicKey, type SignedReading, verifyReading } from '../../protocol/index.ts';

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
 * when `threads` is 0.
 *
 * @example
 * const verifier = await createSignatureVerifier(2);
 * const ok = await verifier.verifyBatch([{ reading, publicKey }]);
 */
export async function createSignatureVerifier(threads: number): Promise<SignatureVerifier> {
  if (threads === 0) {
    return {
      verifyBatch: async (items) => items.map((i) => verifyReading(i.reading, i.publicKey)),
      close: async () => undefined,
    };
  }
  const { createVerifyPool } = (await import('../../protocol/verify-pool.ts')) as {
    createVerifyPool(options: { threads: number }): {
      verifyBatch(items: VerifyItem[]): Promise<boolean[]>;
      close(): Promise<void> | void;
    };
  };
  const pool = createVerifyPool({ threads });
  return {
    verifyBatch: (items) => (items.length === 0 ? Promise.resolve([]) : pool.verifyBatch(items)),
    close: async () => {
      await pool.close();
    },
  };
}
