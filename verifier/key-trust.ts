/**
 * Whether a verification key may be trusted, from the transcript the build or a ceremony writes beside it. The
 * names follow the ceremony tool's key classification (`LOCAL_DEVELOPMENT_CHAIN_IDS`, `KeyTrust`,
 * `KeyClassification`, `explainVerificationKey`); this version reads the transcript file only: a build's
 * single-party transcript (or none) is `development`; a finalised ceremony transcript of the same instance is
 * `ceremony`, without re-running the ceremony's verification (the ceremony tool's `verify-transcript` does that).
 */
import { existsSync, readFileSync } from 'node:fs';

/** Chain ids of local development chains (anvil 31337, Ganache/Hardhat-style 1337). */
export const LOCAL_DEVELOPMENT_CHAIN_IDS: readonly number[] = [31337, 1337];

/** The ceremony transcript's format tag. */
export const CEREMONY_TRANSCRIPT_FORMAT = 'rwa-iot-oracle/phase2-ceremony/v1';

/** True for a local development chain, where development keys are allowed. */
export function isLocalDevelopmentChain(chainId: number): boolean {
  return LOCAL_DEVELOPMENT_CHAIN_IDS.includes(chainId);
}

/** How far a key can be trusted. */
export type KeyTrust = 'development' | 'ceremony';

/** A classification with the reason, for messages. */
export interface KeyClassification {
  trust: KeyTrust;
  reason: string;
}

/**
 * Classifies the key of `instance` from the transcript at `transcriptPath` and says why.
 *
 * @example
 * const { trust, reason } = explainVerificationKey({ instance: 'epoch_test', transcriptPath });
 */
export function explainVerificationKey(input: {
  instance: string;
  transcriptPath: string;
}): KeyClassification {
  if (!existsSync(input.transcriptPath))
    return { trust: 'development', reason: `no setup transcript at ${input.transcriptPath}` };
  let transcript: { format?: unknown; instance?: unknown; status?: unknown; note?: unknown };
  try {
    transcript = JSON.parse(readFileSync(input.transcriptPath, 'utf8'));
  } catch (error) {
    return { trust: 'development', reason: `the transcript cannot be read (${(error as Error).message})` };
  }
  if (transcript.format !== CEREMONY_TRANSCRIPT_FORMAT)
    return {
      trust: 'development',
      reason: `${input.transcriptPath} is a single-party development setup transcript, not a ceremony's`,
    };
  if (transcript.instance !== input.instance)
    return {
      trust: 'development',
      reason: `the transcript is the ceremony of ${String(transcript.instance)}, not ${input.instance}`,
    };
  if (transcript.status !== 'final')
    return { trust: 'development', reason: 'the ceremony transcript is not finalised' };
  return {
    trust: 'ceremony',
    reason: `finalised ceremony transcript of ${input.instance} (not re-verified here: run the ceremony's verify-transcript)`,
  };
}
