import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as snarkjs from 'snarkjs';
import { afterAll, describe, expect, it } from 'vitest';
import { requireArtifacts } from '../../circuits/proving/instances.ts';
import {
  developmentToxicWaste,
  type Groth16VerificationKey,
  madeFromDevelopmentPtau,
} from '../../ceremony/development-key.ts';
import { DevelopmentKeyRefusedError } from '../../ceremony/errors.ts';
import {
  assertKeyAllowedOnChain,
  classifyVerificationKey,
  explainVerificationKey,
  isLocalDevelopmentChain,
} from '../../ceremony/key-trust.ts';
import { terminateSnarkjs } from '../../ceremony/snarkjs-curve.ts';
import { forgeProof } from './support/forge.ts';

const paths = requireArtifacts('epoch_test', { proving: true });
const buildKey = JSON.parse(readFileSync(paths.verificationKey, 'utf8')) as Groth16VerificationKey;
const buildTranscript = join(paths.dir, 'transcript.json');

/** A false epoch statement: 10^15 minor units of revenue from one device, roots made up. */
const FALSE_EPOCH = [7n, 3n, 1_000n, 2_000n, 50n, 111n, 222n, 10n ** 15n, 10n ** 15n, 1n];

afterAll(terminateSnarkjs);

describe('forged proofs with the development toxic waste', () => {
  it('forges a proof of 10^15 revenue that snarkjs accepts with the key the build made', async () => {
    const { beta } = await developmentToxicWaste();
    const proof = await forgeProof(buildKey, beta, FALSE_EPOCH);
    expect(await snarkjs.groth16.verify(buildKey, FALSE_EPOCH.map(String), proof)).toBe(true);
    // the forgery is bound to its signals: change the revenue and it fails
    const other = [...FALSE_EPOCH];
    other[8] = 1n;
    expect(await snarkjs.groth16.verify(buildKey, other.map(String), proof)).toBe(false);
  });

  it('needs the development beta: a wrong beta is refused before forging', async () => {
    const { beta } = await developmentToxicWaste();
    await expect(forgeProof(buildKey, beta + 1n, FALSE_EPOCH)).rejects.toThrow(/beta does not match/);
  });

  it('recognises the build key as made from the development ptau', async () => {
    expect(await madeFromDevelopmentPtau(buildKey)).toBe(true);
  });
});

describe('key trust', () => {
  it('classifies the build key as development, with or without its transcript', async () => {
    expect(await classifyVerificationKey({ instance: 'epoch_test', verificationKey: buildKey })).toBe(
      'development',
    );
    expect(
      await classifyVerificationKey({
        instance: 'epoch_test',
        verificationKey: buildKey,
        transcriptPath: buildTranscript,
      }),
    ).toBe('development');
    const explained = await explainVerificationKey({ instance: 'epoch_test', verificationKey: buildKey });
    expect(explained.reason).toMatch(/development powers of tau/);
  });

  it('refuses the forgeable key on chain 133 with a typed error naming the ceremony commands', async () => {
    const refusal = assertKeyAllowedOnChain({
      chainId: 133,
      instance: 'epoch_test',
      verificationKey: buildKey,
      transcriptPath: buildTranscript,
    });
    await expect(refusal).rejects.toBeInstanceOf(DevelopmentKeyRefusedError);
    await expect(refusal).rejects.toMatchObject({
      chainId: 133,
      hint: expect.stringMatching(/npm run ceremony -- import-ptau/),
    });
  });

  it('allows the development key on local chains 31337 and 1337 only', async () => {
    for (const chainId of [31337, 1337]) {
      const allowed = await assertKeyAllowedOnChain({
        chainId,
        instance: 'epoch_test',
        verificationKey: buildKey,
      });
      expect(allowed.trust).toBe('development');
    }
    expect(isLocalDevelopmentChain(31337)).toBe(true);
    expect(isLocalDevelopmentChain(1337)).toBe(true);
    for (const chainId of [1, 133, 8453, 11155111]) expect(isLocalDevelopmentChain(chainId)).toBe(false);
  });
});
