import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ANVIL_FIRST_TEST_KEY } from '../../contracts/chain.ts';
import { buildDeployProgram, deployerKey } from '../../contracts/cli.ts';
import { startAnvil } from '../../lib/servers/anvil.ts';
import { tempDir } from '../gateway/support.ts';
import { runProgram, runScript } from '../support/cli.ts';
import { validDeployment } from './deployment-fixture.ts';

/** anvil's second well-known key: a key that is not refused as "anvil's public first key". */
const ANVIL_SECOND_TEST_KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';

describe('deploy CLI', () => {
  it('prints help for the program and its subcommands (exit 0)', async () => {
    const root = await runScript('contracts/cli.ts', ['--help']);
    expect(root.code).toBe(0);
    expect(root.stdout).toContain('check');
    for (const sub of ['all', 'check']) {
      const help = await runProgram(buildDeployProgram, [sub, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('Usage: deploy');
    }
  });

  it('exits 2 on a malformed chain id', async () => {
    const run = await runProgram(buildDeployProgram, ['--chain-id', 'x']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('expected an integer');
  });

  it("refuses anvil's public key off a local chain with a hint and no stack (exit 1)", async () => {
    const { DEPLOYER_PRIVATE_KEY: _key, ...env } = process.env;
    const run = await runScript('contracts/cli.ts', ['--chain-id', '5', '--rpc', 'http://127.0.0.1:9'], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("refusing to deploy to chain 5 with anvil's public test key");
    expect(run.stderr).toContain('hint: set DEPLOYER_PRIVATE_KEY');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(deployerKey(31337, undefined)).toBe(ANVIL_FIRST_TEST_KEY);
    expect(deployerKey(1337, undefined)).toBe(ANVIL_FIRST_TEST_KEY);
  });

  it('refuses the development verification keys on a public chain, with the ceremony in the hint (exit 1)', async () => {
    const chain = await startAnvil({ chainId: 133 });
    try {
      const env = { ...process.env, DEPLOYER_PRIVATE_KEY: ANVIL_SECOND_TEST_KEY };
      const args = [
        '--chain-id',
        '133',
        '--rpc',
        chain.rpcUrl,
        '--timelock-delay',
        '3600',
        '--out',
        join(tempDir(), 'd.json'),
      ];
      const run = await runScript('contracts/cli.ts', args, env);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/development/);
      expect(run.stderr).toMatch(/hint: .*npm run ceremony/);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      const withoutDelay = await runScript('contracts/cli.ts', args.slice(0, 4), env);
      expect(withoutDelay.code).toBe(1);
      expect(withoutDelay.stderr).toContain('no timelock delay configured');
    } finally {
      await chain.stop();
    }
  });

  it('check validates a deployment file and names a wrong field (exit 1)', async () => {
    const dir = tempDir();
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify(validDeployment()));
    const ok = await runProgram(buildDeployProgram, ['check', good]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual(validDeployment());
    const bad = join(dir, 'bad.json');
    const broken = validDeployment();
    broken.pools[0]!.feed = '0x12';
    writeFileSync(bad, JSON.stringify(broken));
    const refused = await runProgram(buildDeployProgram, ['check', bad]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('pools.0.feed: must be a 0x-prefixed 20-byte address');
    expect(refused.stderr).toContain('hint:');
  });
});
