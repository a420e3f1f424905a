/**
 * Whether a Groth16 verification key may be used on a chain. A key is `ceremony` only when a
 * finalized ceremony transcript re-verifies (see verify.ts) and its verification-key hash is this
 * key's, and the key was not set up on the development powers of tau; everything else (the build's
 * single-party setup, no transcript, a transcript that fails) is `development`: forgeable, allowed on
 * local development chains only.
 */
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { type Groth16VerificationKey, madeFromDevelopmentPtau } from './development-key.ts';
import { DevelopmentKeyRefusedError } from './errors.ts';
import { hashFile } from './files.ts';
import { readTranscript, resolveInTranscript, TRANSCRIPT_FORMAT } from './transcript.ts';
import { type VerifyTranscriptOptions, verifyTranscript } from './verify.ts';

/** Chain ids of local development chains (anvil 31337, Ganache/Hardhat-style 1337). */
export const LOCAL_DEVELOPMENT_CHAIN_IDS: readonly number[] = [31337, 1337];

/** True for a local development chain, where development keys are allowed. */
export function isLocalDevelopmentChain(chainId: number): boolean {
  return LOCAL_DEVELOPMENT_CHAIN_IDS.includes(chainId);
}

/** How far a key can be trusted. */
export type KeyTrust = 'development' | 'ceremony';

/** Input of {@link classifyVerificationKey}. */
export interface ClassifyKeyInput {
  instance: string;
  verificationKey: Groth16VerificationKey;
  /** A ceremony's transcript.json (the build's transcript.json is a development one). */
  transcriptPath?: string;
  /** Files for the re-verification when not beside the transcript (ptau, r1cs). */
  verifyOptions?: VerifyTranscriptOptions;
}

/** A classification with the reason, for messages. */
export interface KeyClassification {
  trust: KeyTrust;
  reason: string;
}

const verifiedTranscripts = new Map<string, Promise<void>>();

/** Re-verifies a transcript once per process for the same transcript bytes (zkey verify is slow). */
async function verifyOnce(
  transcriptPath: string,
  options: VerifyTranscriptOptions | undefined,
): Promise<void> {
  const key = `${transcriptPath}\n${(await hashFile(transcriptPath)).sha256}\n${JSON.stringify(options ?? {})}`;
  let pending = verifiedTranscripts.get(key);
  if (!pending) {
    pending = verifyTranscript(transcriptPath, options).then(() => undefined);
    verifiedTranscripts.set(key, pending);
    pending.catch(() => verifiedTranscripts.delete(key));
  }
  await pending;
}

/**
 * Classifies a key and says why. Re-verifies the transcript in full (zkey verify against the r1cs and
 * the ptau: seconds to minutes, once per process).
 */
export async function explainVerificationKey(input: ClassifyKeyInput): Promise<KeyClassification> {
  if (await madeFromDevelopmentPtau(input.verificationKey))
    return {
      trust: 'development',
      reason:
        'the key was set up on the development powers of tau (its beta follows from the published seed)',
    };
  if (!input.transcriptPath) return { trust: 'development', reason: 'no ceremony transcript was given' };
  let format: unknown;
  try {
    format = (JSON.parse(readFileSync(input.transcriptPath, 'utf8')) as { format?: unknown }).format;
  } catch (error) {
    return { trust: 'development', reason: `the transcript cannot be read (${String(error)})` };
  }
  if (format !== TRANSCRIPT_FORMAT)
    return {
      trust: 'development',
      reason: `${input.transcriptPath} is a single-party development setup transcript, not a ceremony's`,
    };
  try {
    await verifyOnce(input.transcriptPath, input.verifyOptions);
  } catch (error) {
    return {
      trust: 'development',
      reason: `the ceremony transcript does not verify: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
    };
  }
  const transcript = readTranscript(input.transcriptPath);
  if (transcript.instance !== input.instance)
    return {
      trust: 'development',
      reason: `the transcript is the ceremony of ${transcript.instance}, not ${input.instance}`,
    };
  const published = readFileSync(
    resolveInTranscript(input.transcriptPath, transcript.final?.verificationKey.file ?? ''),
    'utf8',
  );
  if (!isDeepStrictEqual(JSON.parse(published), JSON.parse(JSON.stringify(input.verificationKey))))
    return { trust: 'development', reason: 'the key is not the verification key the ceremony exported' };
  return {
    trust: 'ceremony',
    reason: `verified ceremony of ${input.instance} (${transcript.contributions.length} contributions and a beacon)`,
  };
}

/**
 * `'ceremony'` when a finalized transcript verifies and records this key, else `'development'`.
 *
 * @example
 * const trust = await classifyVerificationKey({ instance: 'epoch_demo', verificationKey, transcriptPath });
 */
export async function classifyVerificationKey(input: ClassifyKeyInput): Promise<KeyTrust> {
  return (await explainVerificationKey(input)).trust;
}

/**
 * Throws {@link DevelopmentKeyRefusedError} when a development key is about to be used on any chain but
 * a local development one (31337, 1337). Resolves with the classification otherwise.
 *
 * @example
 * await assertKeyAllowedOnChain({ chainId: 8453, instance: 'epoch_demo', verificationKey, transcriptPath });
 */
export async function assertKeyAllowedOnChain(
  input: ClassifyKeyInput & { chainId: number },
): Promise<KeyClassification> {
  const classification = await explainVerificationKey(input);
  if (classification.trust === 'development' && !isLocalDevelopmentChain(input.chainId))
    throw new DevelopmentKeyRefusedError(input.instance, input.chainId, classification.reason);
  return classification;
}
