import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  artifactPaths,
  CircuitInstanceError,
  getInstance,
  loadVerificationKey,
  requireArtifacts,
} from '../../circuits/proving/instances.ts';

describe('verification keys', () => {
  it('loads the built key of an instance, with one public input per declared signal', () => {
    requireArtifacts('epoch_test', { proving: true });
    const key = loadVerificationKey('epoch_test') as { protocol: string; curve: string; nPublic: number };
    expect(key.protocol).toBe('groth16');
    expect(key.curve).toBe('bn128');
    expect(key.nPublic).toBe(getInstance('epoch_test').pubs.length);
    expect(loadVerificationKey('epoch_test')).toBe(key); // read once
  });

  it('reads from another build folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vkeys-'));
    mkdirSync(join(dir, 'epoch_test'));
    copyFileSync(
      artifactPaths('epoch_test').verificationKey,
      artifactPaths('epoch_test', dir).verificationKey,
    );
    expect(loadVerificationKey('epoch_test', dir)).toEqual(loadVerificationKey('epoch_test'));
  });

  it('refuses a name that is not an instance name, and a key that was not built, naming the file', () => {
    expect(() => loadVerificationKey('../epoch_test')).toThrow(CircuitInstanceError);
    const dir = mkdtempSync(join(tmpdir(), 'vkeys-'));
    expect(() => loadVerificationKey('epoch_test', dir)).toThrow(/no verification key/);
    try {
      loadVerificationKey('epoch_test', dir);
    } catch (error) {
      expect((error as CircuitInstanceError).details).toContain(
        join(dir, 'epoch_test', 'verification_key.json'),
      );
    }
  });
});
