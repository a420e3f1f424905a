import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DevelopmentKeyRefusedError } from '../../ceremony/errors.ts';
import { ANVIL_FIRST_TEST_KEY } from '../../contracts/chain.ts';
import { parseDeployment } from '../../contracts/deployment.ts';
import { startAnvil } from '../../lib/servers/anvil.ts';
import { startOracle } from '../../oracle/service.ts';
import { validDeployment } from '../contracts/deployment-fixture.ts';

// The built test keys come from the development setup, whose toxic waste follows from a published seed
// (tests/ceremony/key-trust.test.ts forges a proof with them). The oracle must not post proofs made with
// them anywhere but on a local development chain.
describe('oracle trust root', () => {
  let publicChain: Awaited<ReturnType<typeof startAnvil>>;

  beforeAll(async () => {
    publicChain = await startAnvil({ chainId: 133 });
  });

  afterAll(async () => {
    await publicChain?.stop();
  });

  it('refuses to start on a non-local chain with development verification keys, before opening anything', async () => {
    const deployment = parseDeployment({ ...validDeployment(), chainId: 133, rpcUrl: publicChain.rpcUrl });
    const dataDir = mkdtempSync(join(tmpdir(), 'oracle-trust-'));
    const refusal = await startOracle(
      {
        rpcUrl: publicChain.rpcUrl,
        privateKey: ANVIL_FIRST_TEST_KEY,
        deployment,
        dataDir,
        bundleServer: false,
      },
      { readings: { closingReadings: async () => [], publicKeyOf: () => undefined } },
    ).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(DevelopmentKeyRefusedError);
    expect((refusal as DevelopmentKeyRefusedError).chainId).toBe(133);
    expect((refusal as DevelopmentKeyRefusedError).hint).toMatch(/npm run ceremony/);
  });
});
