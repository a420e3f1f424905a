/**
 * Whether the investor's verification key may be trusted: the ceremony tool's classification
 * (`ceremony/key-trust.ts`), so the verifier, the deploy script and the oracle agree. A key is a ceremony key
 * only when it does not come from the development powers of tau (whose beta follows from a published seed, so
 * anyone can forge proofs for it) AND a finalized ceremony transcript beside it re-verifies in full and records
 * this very key. Everything else is a development key.
 */
import { existsSync, readFileSync } from 'node:fs';
import {
  explainVerificationKey as explainWithCeremony,
  type KeyClassification,
} from '../ceremony/key-trust.ts';
import { TRANSCRIPT_FORMAT } from '../ceremony/transcript.ts';
import type { Groth16VerificationKey } from './keys.ts';

export {
  isLocalDevelopmentChain,
  type KeyClassification,
  type KeyTrust,
  LOCAL_DEVELOPMENT_CHAIN_IDS,
} from '../ceremony/key-trust.ts';

/** Whether the file at `path` says it is a ceremony transcript (the build writes a development one). */
function isCeremonyTranscript(path: string): boolean {
  if (!existsSync(path)) return false;
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { format?: unknown }).format === TRANSCRIPT_FORMAT;
  } catch {
    return false;
  }
}

/**
 * Classifies the key of `instance` and says why; a ceremony transcript at `transcriptPath` is re-verified in full.
 *
 * @example
 * const { trust, reason } = await explainVerificationKey({ instance: 'epoch_test', verificationKey, transcriptPath });
 */
export async function explainVerificationKey(input: {
  instance: string;
  verificationKey: Groth16VerificationKey;
  transcriptPath: string;
}): Promise<KeyClassification> {
  const ceremony = isCeremonyTranscript(input.transcriptPath);
  try {
    return await explainWithCeremony({
      instance: input.instance,
      verificationKey: input.verificationKey,
      transcriptPath: ceremony ? input.transcriptPath : undefined,
    });
  } catch (error) {
    return {
      trust: 'development',
      reason: `the ceremony transcript does not verify: ${(error as Error).message}`,
    };
  }
}
