import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatReport, parseVerifyArgs } from '../../verifier/cli.ts';
import { tempDir } from '../oracle/support/harness.ts';

describe('verify CLI arguments', () => {
  const required = ['--rpc', 'http://127.0.0.1:8545', '--pool', '2', '--bundles', 'data/bundles'];

  it('takes the addresses of a pool from a deployment file', () => {
    const path = join(tempDir('cli'), '31337.json');
    writeFileSync(
      path,
      JSON.stringify({
        deployedAtBlock: '17',
        contracts: { poolRegistry: '0x01', attestationRegistry: '0x02' },
        pools: [
          { poolId: 1, feed: '0x0a', token: '0x0b' },
          { poolId: 2, feed: '0x1a', token: '0x1b' },
        ],
      }),
    );
    expect(parseVerifyArgs([...required, '--deployment', path, '--from', '3', '--json'])).toMatchObject({
      poolId: 2,
      poolRegistry: '0x01',
      attestationRegistry: '0x02',
      feed: '0x1a',
      token: '0x1b',
      fromBlock: 17n,
      fromEpoch: 3,
      json: true,
    });
  });

  it('takes the investor keys and the production flag', () => {
    const args = [...required, '--pool-registry', '0x01', '--attestation-registry', '0x02'];
    expect(
      parseVerifyArgs([...args, '--vkey-dir', 'keys', '--vkey', 'epoch_demo=e.json', '--production-chain']),
    ).toMatchObject({ vkeyDir: 'keys', vkeyFiles: { epoch_demo: 'e.json' }, treatChainAsProduction: true });
    expect(parseVerifyArgs(args)).toMatchObject({
      vkeyDir: undefined,
      vkeyFiles: {},
      treatChainAsProduction: false,
    });
    expect(() => parseVerifyArgs([...args, '--vkey', 'e.json'])).toThrow(
      '--vkey must be <instance>=<file>, got "e.json"',
    );
  });

  it('names what is wrong in a usage error', () => {
    expect(() => parseVerifyArgs(['--pool', '1'])).toThrow('--rpc is required');
    expect(() => parseVerifyArgs([...required])).toThrow(/--pool-registry \(or --deployment\) is required/);
    expect(() => parseVerifyArgs([...required.slice(0, 3), 'x', '--bundles', 'b'])).toThrow(
      '--pool must be a positive integer, got "x"',
    );
    expect(() => parseVerifyArgs([...required, '--help'])).toThrow(/Unknown option '--help'/);
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
