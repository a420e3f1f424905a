import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildVerifyProgram, formatReport, resolveVerifyOptions } from '../../verifier/cli.ts';
import { validDeployment } from '../contracts/deployment-fixture.ts';
import { tempDir } from '../oracle/support/harness.ts';
import { runProgram, runScript } from '../support/cli.ts';

const cli = (args: string[]) => runProgram(buildVerifyProgram, args);

describe('verify CLI arguments', () => {
  const required = ['--rpc', 'http://127.0.0.1:8545', '--pool', '2', '--bundles', 'data/bundles'];
  const flags = { rpc: 'http://127.0.0.1:8545', pool: 2, bundles: 'data/bundles' };

  it('takes the addresses of a pool from a deployment file', () => {
    const path = join(tempDir('cli'), '31337.json');
    const deployment = validDeployment();
    writeFileSync(path, JSON.stringify(deployment));
    expect(resolveVerifyOptions({ ...flags, deployment: path, from: 3, json: true })).toMatchObject({
      poolId: 2,
      poolRegistry: deployment.contracts.poolRegistry,
      attestationRegistry: deployment.contracts.attestationRegistry,
      feed: deployment.pools[1]?.feed,
      token: deployment.pools[1]?.token,
      fromBlock: 17n,
      fromEpoch: 3,
      json: true,
    });
  });

  it('takes the investor keys and the production flag', async () => {
    const base = {
      ...flags,
      poolRegistry: `0x${'1'.repeat(40)}` as const,
      attestationRegistry: `0x${'2'.repeat(40)}` as const,
    };
    expect(
      resolveVerifyOptions({ ...base, vkeyDir: 'keys', vkey: ['epoch_demo=e.json'], productionChain: true }),
    ).toMatchObject({ vkeyDir: 'keys', vkeyFiles: { epoch_demo: 'e.json' }, treatChainAsProduction: true });
    expect(resolveVerifyOptions(base)).toMatchObject({
      vkeyDir: undefined,
      vkeyFiles: {},
      treatChainAsProduction: false,
    });
    const bad = await cli([
      ...required,
      '--pool-registry',
      base.poolRegistry,
      '--attestation-registry',
      base.attestationRegistry,
      '--vkey',
      'e.json',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--vkey must be <instance>=<file>, got "e.json"');
  });

  it('prints help for the program and the pool command (exit 0)', async () => {
    const root = await runScript('verifier/cli.ts', ['--help']);
    expect(root.code, root.stderr).toBe(0);
    expect(root.stdout).toContain('pool');
    expect(root.stderr).not.toContain('Unknown option');
    const pool = await cli(['pool', '--help']);
    expect(pool.code).toBe(0);
    expect(pool.stdout).toContain('--attestation-registry <addr>');
  });

  it('names what is wrong in a usage error (exit 2)', async () => {
    const noRpc = await cli(['--pool', '1', '--bundles', 'b']);
    expect(noRpc.code).toBe(2);
    expect(noRpc.stderr).toContain('--rpc');
    const noRegistry = await cli([...required]);
    expect(noRegistry.code).toBe(2);
    expect(noRegistry.stderr).toContain(
      '--pool-registry and --attestation-registry (or --deployment) are required',
    );
    const badPool = await cli([...required.slice(0, 3), 'x', '--bundles', 'b']);
    expect(badPool.code).toBe(2);
    expect(badPool.stderr).toContain('expected an integer');
    const badAddress = await cli([...required, '--pool-registry', '0x01']);
    expect(badAddress.code).toBe(2);
    expect(badAddress.stderr).toContain('20-byte address');
  });

  it('refuses a malformed deployment file with a typed error naming the field (exit 1)', async () => {
    const path = join(tempDir('cli'), 'bad.json');
    const deployment = validDeployment() as unknown as { contracts: Record<string, string> };
    deployment.contracts.attestationRegistry = '0x02';
    writeFileSync(path, JSON.stringify(deployment));
    const run = await cli([...required, '--deployment', path]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('contracts.attestationRegistry: must be a 0x-prefixed 20-byte address');
    expect(run.stderr).toContain('hint:');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('prints a report whose last line names the first failure', () => {
    const text = formatReport({
      poolId: 1,
      ok: false,
      epochs: { from: 1, to: 2 },
      findings: [
        { check: 'root-chain', subject: '3 attestations', ok: true, message: 'unbroken' },
        { check: 'feed', subject: 'feed round 2', ok: false, message: 'feed answer 1 differs' },
      ],
    });
    expect(text.split('\n').at(-1)).toBe(
      'NOT VERIFIED: 1 of 2 checks failed; first: feed feed round 2: feed answer 1 differs',
    );
    const warned = formatReport({
      poolId: 1,
      ok: true,
      epochs: { from: 1, to: 2 },
      findings: [
        { check: 'key-trust', subject: 'key of epoch_test', ok: true, warning: true, message: 'dev' },
      ],
    });
    expect(warned.split('\n')).toEqual([
      'pool 1, epochs 1..2',
      '  WARN key-trust    key of epoch_test: dev',
      'VERIFIED: 1 checks passed (1 warnings)',
    ]);
  });
});
