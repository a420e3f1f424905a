import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildContracts, ContractArtifactMissingError, readArtifact } from '../../contracts/build.ts';
import { requireCircuitBuilt } from './support.ts';

const root = join(import.meta.dirname, '..', '..');

describe('buildContracts', () => {
  it('buildContracts is cached by the hash of the sources', async () => {
    await buildContracts({ log: () => {} });
    const again = await buildContracts({ log: () => {} });
    expect(again.cached).toBe(true);
    expect(again.contractNames).toEqual(
      expect.arrayContaining([
        'AttestationRegistry',
        'PoolRegistry',
        'RevenueFeed',
        'RevenueShareToken',
        'TestStablecoin',
        'VerifierRegistry',
        'GovernanceTimelock',
        'TestFxFeed',
        'AlwaysTrueVerifier',
      ]),
    );
  });

  it('the committed contracts/abis.ts matches the compiled ABIs', async () => {
    await buildContracts({ log: () => {} });
    const committed = readFileSync(join(root, 'contracts', 'abis.ts'), 'utf8');
    for (const name of [
      'PoolRegistry',
      'AttestationRegistry',
      'RevenueFeed',
      'RevenueShareToken',
      'TestStablecoin',
      'VerifierRegistry',
      'GovernanceTimelock',
      'TestFxFeed',
    ]) {
      const exportName = `${name.charAt(0).toLowerCase()}${name.slice(1)}Abi`;
      expect(committed).toContain(
        `export const ${exportName} = ${JSON.stringify(readArtifact(name).abi)} as const;`,
      );
    }
  });

  it('buildContracts compiles the Groth16 verifier of every built circuit instance', async () => {
    const { verifierInstances, contractNames } = await buildContracts({ log: () => {} });
    for (const instance of ['epoch_test', 'registration_test']) {
      requireCircuitBuilt(instance);
      expect(verifierInstances).toContain(instance);
      expect(contractNames).toContain(`Groth16Verifier_${instance}`);
      const abi = readArtifact(`Groth16Verifier_${instance}`).abi as Array<{
        name?: string;
        inputs?: Array<{ type: string }>;
      }>;
      const verify = abi.find((item) => item.name === 'verifyProof');
      expect(verify?.inputs?.map((input) => input.type)).toEqual([
        'uint256[2]',
        'uint256[2][2]',
        'uint256[2]',
        instance.startsWith('epoch') ? 'uint256[10]' : 'uint256[7]',
      ]);
    }
  });

  it('readArtifact throws a typed error when an artifact is missing', () => {
    expect(() => readArtifact('NoSuchContract')).toThrow(ContractArtifactMissingError);
  });
});
