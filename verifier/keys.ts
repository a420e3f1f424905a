import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { encodeAbiParameters, type Hex, keccak256 } from 'viem';
import type { Groth16VerificationKey } from '../ceremony/development-key.ts';
import { loadInstances } from '../circuits/proving/instances.ts';
import { TEMPLATE_ID } from '../contracts/governance.ts';

export type { Groth16VerificationKey } from '../ceremony/development-key.ts';

/** Where the investor's own verification keys come from: never from the operator's bundles. */
export interface KeySource {
  /** Directory holding `<instance>/verification_key.json` (default `build/circuits`). */
  vkeyDir?: string;
  /** Explicit key files by instance name; they take precedence over `vkeyDir`. */
  vkeyFiles?: Record<string, string>;
}

/** A verification key chosen for one of the pool's on-chain instance ids. */
export interface ResolvedKey {
  /** Instance name in `circuits/circuits.json`. */
  instance: string;
  instanceId: Hex;
  path: string;
  key: Groth16VerificationKey;
}

/** The verifier registry's instance id: keccak256(abi.encode(uint8 template, uint32 batchSize, uint8 treeDepth)). */
export function instanceIdOf(template: number, batchSize: number, treeDepth: number): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: 'uint8' }, { type: 'uint32' }, { type: 'uint8' }],
      [template, batchSize, treeDepth],
    ),
  );
}

/**
 * The instance names of `circuits/circuits.json` by verifier-registry instance id (lower-case hex), so that the
 * instance a pool references on chain selects the investor's key.
 *
 * @example
 * const name = instanceNamesById().get(pool.epochInstanceId.toLowerCase()); // 'epoch_test'
 */
export function instanceNamesById(): Map<string, string> {
  const byId = new Map<string, string>();
  for (const instance of Object.values(loadInstances())) {
    const [batchSize, treeDepth] = instance.params as [number, number];
    const id = instanceIdOf(TEMPLATE_ID[instance.template], batchSize, treeDepth).toLowerCase();
    if (!byId.has(id)) byId.set(id, instance.name);
  }
  return byId;
}

/** The file of `instance`'s verification key in `source`. */
export function verificationKeyPath(instance: string, source: KeySource): string {
  return (
    source.vkeyFiles?.[instance] ??
    join(source.vkeyDir ?? join('build', 'circuits'), instance, 'verification_key.json')
  );
}

/**
 * Reads the investor's verification key of the pool's instance `instanceId`; throws an Error whose message says
 * what is missing (an unknown instance id, a missing or malformed key file).
 */
export function resolveKey(instanceId: Hex, source: KeySource): ResolvedKey {
  const instance = instanceNamesById().get(instanceId.toLowerCase());
  if (!instance)
    throw new Error(`instance id ${instanceId} is none of the instances of circuits/circuits.json`);
  const path = verificationKeyPath(instance, source);
  if (!existsSync(path)) throw new Error(`no verification key for instance ${instance} at ${path}`);
  const key = JSON.parse(readFileSync(path, 'utf8')) as Groth16VerificationKey;
  if (key.protocol !== 'groth16' || !Array.isArray(key.IC))
    throw new Error(`${path} is not a Groth16 verification key`);
  return { instance, instanceId, path, key };
}

/** The transcript the build (or a ceremony) writes beside a key: `<dir of the key>/transcript.json`. */
export function transcriptPathOf(keyPath: string): string {
  return join(dirname(keyPath), 'transcript.json');
}
