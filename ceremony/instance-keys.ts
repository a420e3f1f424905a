/**
 * The trust-root check that the deploy script and the oracle run before they touch a chain: every circuit
 * instance they will use must have a verification key from a verified multi-party ceremony, unless the chain is
 * a local development chain. The chain id is the one the RPC reports, never a configured one, so a
 * configuration cannot call a public chain "local".
 */
import type { PublicClient } from 'viem';
import { loadVerificationKey } from '../circuits/proving/instances.ts';
import type { Groth16VerificationKey } from './development-key.ts';
import { assertKeyAllowedOnChain, type KeyClassification } from './key-trust.ts';

/** Input of {@link assertInstanceKeysAllowed}. */
export interface InstanceKeysInput {
  /** The chain id reported by the RPC (`getChainId`). */
  chainId: number;
  /** Circuit instance names whose keys will verify proofs on that chain. */
  instances: readonly string[];
  /** A finalized ceremony's `transcript.json` per instance name (`npm run ceremony -- finalize`). */
  transcripts?: Readonly<Record<string, string>>;
  /** Folder of `<instance>/verification_key.json` (default the project's `build/circuits`). */
  vkeyDir?: string;
}

/**
 * Checks every instance's verification key; throws `DevelopmentKeyRefusedError` (with the ceremony commands in
 * its hint) for a development key on any chain but a local one. Returns each instance's classification.
 *
 * @example
 * await assertInstanceKeysAllowed({ chainId: await publicClient.getChainId(), instances: ['epoch_demo'] });
 */
export async function assertInstanceKeysAllowed(
  input: InstanceKeysInput,
): Promise<Map<string, KeyClassification>> {
  const classifications = new Map<string, KeyClassification>();
  for (const instance of new Set(input.instances)) {
    const verificationKey = loadVerificationKey(instance, input.vkeyDir) as Groth16VerificationKey;
    const transcriptPath = input.transcripts?.[instance];
    classifications.set(
      instance,
      await assertKeyAllowedOnChain({ chainId: input.chainId, instance, verificationKey, transcriptPath }),
    );
  }
  return classifications;
}

/** {@link assertInstanceKeysAllowed} on the chain a client is connected to. */
export async function assertInstanceKeysAllowedFor(
  publicClient: Pick<PublicClient, 'getChainId'>,
  input: Omit<InstanceKeysInput, 'chainId'>,
): Promise<Map<string, KeyClassification>> {
  return assertInstanceKeysAllowed({ ...input, chainId: await publicClient.getChainId() });
}
