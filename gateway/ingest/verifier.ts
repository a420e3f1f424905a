import {
  type PayloadItem,
  type PayloadResult,
  parseAndVerifyBatch,
  type PublicKey,
  type SignedReading,
  verifyBatch,
  verifyReading,
} from '../../protocol/index.ts';
import { createVerifyPool } from '../../protocol/verify-pool.ts';

/** One signature to check. */
export interface VerifyItem {
  reading: SignedReading;
  publicKey: PublicKey;
}

/** Checks signatures in batches. */
export interface SignatureVerifier {
  /** Batches it verifies at the same time (worker threads; 1 on the main thread). */
  readonly concurrency: number;
  verifyBatch(items: VerifyItem[]): Promise<boolean[]>;
  /** Parses raw payloads and verifies those given a key (protocol `parseAndVerifyBatch`), in the workers. */
  parseAndVerify(items: PayloadItem[]): Promise<PayloadResult[]>;
  close(): Promise<void>;
}

/**
 * A verifier over `threads` worker threads (the protocol module's pool), or on the main thread
 * when `threads` is 0. Resolves once the workers are ready. If the pool fails on a batch, that
 * batch is parsed and verified reading by reading on the main thread and `onWorkerFailure` is told.
 *
 * @example
 * const verifier = await createSignatureVerifier(2);
 * const ok = await verifier.verifyBatch([{ reading, publicKey }]);
 */
export async function createSignatureVerifier(
  threads: number,
  onWorkerFailure: (error: unknown) => void = () => undefined,
): Promise<SignatureVerifier> {
  if (threads === 0) {
    return {
      concurrency: 1,
      verifyBatch: async (items) => (items.length === 0 ? [] : verifyBatch(items)),
      parseAndVerify: async (items) => parseAndVerifyBatch(items),
      close: async () => undefined,
    };
  }
  const pool = createVerifyPool({ threads });
  await pool.ready();
  return {
    concurrency: threads,
    verifyBatch: async (items) => {
      if (items.length === 0) return [];
      try {
        return await pool.verifyBatch(items);
      } catch (error) {
        // A failing worker must not stop ingest: check this batch one by one on the main thread.
        onWorkerFailure(error);
        return items.map((i) => verifyReading(i.reading, i.publicKey));
      }
    },
    parseAndVerify: async (items) => {
      if (items.length === 0) return [];
      try {
        return await pool.parseAndVerifyBatch(items);
      } catch (error) {
        onWorkerFailure(error);
        return items.flatMap((i) => parseAndVerifyBatch([i]));
      }
    },
    close: () => pool.close(),
  };
}
