import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Hex } from 'viem';
import { describe, expect, it } from 'vitest';
import { explainVerificationKey, isLocalDevelopmentChain } from '../../verifier/key-trust.ts';
import {
  type Groth16VerificationKey,
  instanceIdOf,
  instanceNamesById,
  resolveKey,
  transcriptPathOf,
} from '../../verifier/keys.ts';
import { keyCoordinates, missingKeyConstants, pushImmediates } from '../../verifier/verifier-code.ts';
import { tempDir } from '../oracle/support/harness.ts';

const keyOf = (instance: string) =>
  JSON.parse(
    readFileSync(join('build', 'circuits', instance, 'verification_key.json'), 'utf8'),
  ) as Groth16VerificationKey;
const runtimeOf = (contract: string) =>
  (
    JSON.parse(readFileSync(join('build', 'contracts', `${contract}.json`), 'utf8')) as {
      deployedBytecode: Hex;
    }
  ).deployedBytecode;

describe('investor keys chosen by the pool on-chain instance id', () => {
  it('maps the registry instance ids to the instance names of circuits.json', () => {
    const names = instanceNamesById();
    expect(names.get(instanceIdOf(1, 1, 4).toLowerCase())).toBe('epoch_test');
    expect(names.get(instanceIdOf(2, 2, 4).toLowerCase())).toBe('registration_test');
    expect(names.get(instanceIdOf(1, 4, 10).toLowerCase())).toBe('epoch_demo');
    expect(names.get(instanceIdOf(1, 2, 4).toLowerCase())).toBeUndefined();
  });

  it('reads the key from the key directory or an explicit file, and names what is missing', () => {
    const epochId = instanceIdOf(1, 1, 4);
    expect(resolveKey(epochId, {}).path).toBe(
      join('build', 'circuits', 'epoch_test', 'verification_key.json'),
    );
    const other = join('build', 'circuits', 'registration_test', 'verification_key.json');
    expect(resolveKey(epochId, { vkeyFiles: { epoch_test: other } }).key.nPublic).toBe(7);
    expect(() => resolveKey(epochId, { vkeyDir: tempDir('no-keys') })).toThrow(
      /^no verification key for instance epoch_test at /,
    );
    expect(() => resolveKey(instanceIdOf(1, 2, 4), {})).toThrow(
      /is none of the instances of circuits\/circuits.json/,
    );
  });
});

describe('verifier bytecode embeds the key', () => {
  it('reads PUSH immediates as the EVM walks the code (data is not read as opcodes)', () => {
    // PUSH2 0x6001, PUSH1 0x7f, PUSH32 <1>, STOP
    const code = `0x616001607f7f${'00'.repeat(31)}0100` as Hex;
    expect([...pushImmediates(code)]).toEqual([0x6001n, 0x7fn, 1n]);
  });

  it('finds every coordinate of a key in its snarkjs verifier, and not those of another key', () => {
    const epochKey = keyOf('epoch_test');
    expect(keyCoordinates(epochKey)).toHaveLength(2 + 3 * 4 + 2 * 11);
    expect(missingKeyConstants(runtimeOf('Groth16Verifier_epoch_test'), epochKey)).toEqual([]);
    const missing = missingKeyConstants(runtimeOf('Groth16Verifier_registration_test'), epochKey);
    // alpha and beta come from the shared powers of tau and gamma is the G2 generator: delta and IC differ
    expect(missing).toEqual([
      'delta.x0',
      'delta.x1',
      'delta.y0',
      'delta.y1',
      ...Array.from({ length: 11 }, (_, i) => [`IC${i}.x`, `IC${i}.y`]).flat(),
    ]);
    expect(missingKeyConstants(runtimeOf('AlwaysTrueVerifier'), epochKey)).toContain('delta.y1');
    expect(missingKeyConstants('0x', epochKey)).toHaveLength(36);
  });
});

describe('key trust of the investor key', () => {
  const keyPath = join('build', 'circuits', 'epoch_test', 'verification_key.json');
  const verificationKey = JSON.parse(readFileSync(keyPath, 'utf8')) as Groth16VerificationKey;

  it('classifies the build key as a development key (its beta follows from the published seed)', async () => {
    const built = await explainVerificationKey({
      instance: 'epoch_test',
      verificationKey,
      transcriptPath: transcriptPathOf(keyPath),
    });
    expect(built.trust).toBe('development');
  });

  it('is not fooled by a transcript that only claims to be a finalized ceremony', async () => {
    const dir = tempDir('ceremony');
    const transcriptPath = join(dir, 'transcript.json');
    writeFileSync(
      transcriptPath,
      JSON.stringify({
        format: 'rwa-iot-oracle/phase2-ceremony/v1',
        instance: 'epoch_test',
        status: 'final',
      }),
    );
    expect(
      (await explainVerificationKey({ instance: 'epoch_test', verificationKey, transcriptPath })).trust,
    ).toBe('development');
  });

  it('treats 31337 and 1337 as local chains only', () => {
    expect([31337, 1337, 1, 8453].map(isLocalDevelopmentChain)).toEqual([true, true, false, false]);
  });
});
