import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildOracleProgram } from '../../oracle/cli.ts';
import { runProgram, runScript } from '../support/cli.ts';
import { tempDir } from './support/harness.ts';

const cli = (args: string[]) => runProgram(buildOracleProgram, args);

describe('oracle CLI', () => {
  it('prints help on the program and each command (exit 0)', async () => {
    const root = await runScript('oracle/cli.ts', ['--help']);
    expect(root.code, root.stderr).toBe(0);
    expect(root.stdout).toContain('run');
    expect(root.stdout).toContain('disclose');
    for (const command of ['run', 'disclose']) {
      const help = await cli([command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: oracle ${command}`);
    }
  });

  it('exits 2 on a usage error', async () => {
    const malformed = await cli(['run', '--grace', 'soon']);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('expected an integer');
    const missing = await cli(['disclose', '--epoch', '1', '--device', 'ev-1']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--pool');
  });

  it('exits 1 with message and hint, no stack, on a missing deployment file and on a wrong configuration', async () => {
    const missing = join(tempDir('cli'), 'missing.json');
    const run = await runScript('oracle/cli.ts', [
      'disclose',
      ...['--rpc', 'http://127.0.0.1:9', '--deployment', missing],
      ...['--pool', '1', '--epoch', '1', '--device', 'ev-1'],
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`no deployment file ${missing}`);
    expect(run.stderr).toContain('hint: run `npm run deploy` first');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    const config = await cli([
      'disclose',
      '--pool',
      '1',
      '--epoch',
      '1',
      '--device',
      'ev-1',
      '--deployment',
      missing,
    ]);
    expect(config.code).toBe(1);
    expect(config.stderr).toContain('oracle configuration is invalid');
    expect(config.stderr).toContain('rpcUrl');
  });
});
