import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DeploymentFileError, readDeployment } from '../../contracts/deployment.ts';
import { tempDir } from '../gateway/support.ts';
import { validDeployment } from './deployment-fixture.ts';

describe('deployment file reader', () => {
  const write = (value: unknown) => {
    const path = join(tempDir(), '31337.json');
    writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
    return path;
  };
  const refusal = (path: string) => {
    try {
      readDeployment(path);
    } catch (error) {
      expect(error).toBeInstanceOf(DeploymentFileError);
      return (error as DeploymentFileError).details ?? (error as Error).message;
    }
    throw new Error('readDeployment accepted the file');
  };

  it('reads a well-formed file', () => {
    expect(readDeployment(write(validDeployment()))).toEqual(validDeployment());
  });

  it('names every wrong field', () => {
    const { deployedAtBlock: _block, ...broken } = validDeployment();
    broken.contracts.poolRegistry = '0x01';
    (broken.pools[1] as { poolId: unknown }).poolId = 'two';
    const details = refusal(write(broken));
    expect(details).toContain('contracts.poolRegistry: must be a 0x-prefixed 20-byte address');
    expect(details).toContain('deployedAtBlock');
    expect(details).toContain('pools.1.poolId');
  });

  it('refuses a missing file and a file that is not JSON', () => {
    expect(() => readDeployment(join(tempDir(), 'none.json'))).toThrow(/npm run deploy/);
    expect(refusal(write('{"chainId":'))).toMatch(/JSON/);
  });
});
