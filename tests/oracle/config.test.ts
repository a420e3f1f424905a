import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createPublicClient, http, type PublicClient } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANVIL_FIRST_TEST_KEY } from '../../contracts/chain.ts';
import { ConfigError } from '../../lib/config.ts';
import { createLogger, silentLogger } from '../../lib/log.ts';
import { anvilBinary } from '../../lib/servers/anvil.ts';
import { freePort } from '../../lib/servers/ports.ts';
import { type ServerProcess, startServer } from '../../lib/servers/process.ts';
import { loadOracleConfig, resolveOracleKey } from '../../oracle/config.ts';
import { OracleConfigError } from '../../oracle/errors.ts';
import { tempDir } from './support/harness.ts';

const minimal = { rpcUrl: 'http://127.0.0.1:8545', deployment: 'deployments/31337.json' };
const fileWith = (value: unknown) => {
  const file = join(tempDir('oracle-config'), 'oracle.json');
  writeFileSync(file, JSON.stringify(value));
  return file;
};
const messageOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('the configuration was accepted');
};

describe('oracle configuration', () => {
  it('merges file < ORACLE_* variables < flags and applies defaults', () => {
    const config = loadOracleConfig({
      file: fileWith({ ...minimal, graceS: 30, provers: 1 }),
      env: { ORACLE_GRACE_S: '45', ORACLE_CRON: '*/5 * * * * *' },
      flags: { graceS: 60, provers: undefined },
    });
    expect(config).toMatchObject({
      graceS: 60,
      provers: 1,
      cron: '*/5 * * * * *',
      dataDir: 'data/oracle',
      bundlePort: 0,
    });
    expect(config.privateKey).toBeUndefined();
  });

  it('names a wrong field of the file, of a variable and of a flag, with its source', () => {
    expect(
      messageOf(() => loadOracleConfig({ file: fileWith({ ...minimal, graceS: -1 }), env: {} })),
    ).toMatch(/graceS: .*\(from file .*oracle\.json\)/);
    expect(
      messageOf(() => loadOracleConfig({ file: fileWith(minimal), env: { ORACLE_RPC_URL: 'ftp://x' } })),
    ).toMatch(/rpcUrl: must be an http:\/\/ or https:\/\/ URL \(from variable ORACLE_RPC_URL\)/);
    expect(
      messageOf(() => loadOracleConfig({ file: fileWith(minimal), env: { ORACLE_PROVERS: 'two' } })),
    ).toContain('ORACLE_PROVERS=two is not an integer');
    expect(
      messageOf(() => loadOracleConfig({ file: fileWith(minimal), env: { ORACLE_PRIVATE_KEY: '0x12' } })),
    ).toMatch(
      /privateKey: must be a 0x-prefixed 32-byte hex private key \(from variable ORACLE_PRIVATE_KEY\)/,
    );
    expect(
      messageOf(() => loadOracleConfig({ file: fileWith(minimal), env: {}, flags: { bundlePort: 70_000 } })),
    ).toMatch(/bundlePort: .*\(from flag for bundlePort\)/);
    expect(messageOf(() => loadOracleConfig({ env: {} }))).toContain('rpcUrl');
  });
});

describe("the oracle's key", () => {
  const chains: ServerProcess[] = [];
  const startChain = async (chainId: number) => {
    const port = await freePort();
    const args = ['--host', '127.0.0.1', '--port', String(port), '--silent', '--chain-id', String(chainId)];
    chains.push(await startServer(anvilBinary(), args, port));
    return createPublicClient({ transport: http(`http://127.0.0.1:${port}`) }) as PublicClient;
  };
  let local: PublicClient;
  let remote: PublicClient;
  beforeAll(async () => {
    local = await startChain(31337);
    remote = await startChain(5);
  }, 60_000);
  afterAll(async () => {
    for (const chain of chains) await chain.stop();
  });

  it("falls back to anvil's public key on a local chain, with a warning", async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = createLogger({ format: 'json', level: 'info', destination });
    expect(await resolveOracleKey(undefined, local, log)).toBe(ANVIL_FIRST_TEST_KEY);
    const warning = JSON.parse(lines.join('')) as { level: string; msg: string; chainId: number };
    expect(warning).toMatchObject({ level: 'warn', chainId: 31337 });
    expect(warning.msg).toContain('ORACLE_PRIVATE_KEY is not set');
  });

  it('refuses to use the public key on any other chain, saying to set ORACLE_PRIVATE_KEY', async () => {
    const refusal = resolveOracleKey(undefined, remote, silentLogger());
    await expect(refusal).rejects.toBeInstanceOf(OracleConfigError);
    await expect(refusal).rejects.toThrow(
      /ORACLE_PRIVATE_KEY is not set \(chain 5 is not a local development chain\)/,
    );
    const key = `0x${'11'.repeat(32)}` as const;
    expect(await resolveOracleKey(key, remote, silentLogger())).toBe(key);
  });
});
