import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Runs `demo/cli.ts` (npm run demo) with `args`; only for runs that stop before starting anything. */
function demo(args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'demo/cli.ts', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npm run demo command line', () => {
  it('prints help with exit 0', () => {
    const { code, stdout } = demo(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('--influx-query <kind>');
    expect(stdout).toContain('DEMO_PRIVATE_KEY');
  });

  it('exits 2 on a usage error', () => {
    const malformed = demo(['--ev', 'forty']);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain("option '--ev <n>' argument 'forty' is invalid");
    const badUrl = demo(['--rpc', 'localhost:8545']);
    expect(badUrl.code).toBe(2);
  });

  it('exits 1 on a wrong field of the config file with its source and hint, without a stack', () => {
    const dir = mkdtempSync(join(tmpdir(), 'demo-cli-'));
    const config = join(dir, 'demo.json');
    writeFileSync(config, JSON.stringify({ epochs: 1, colour: 'red' }));
    const { code, stderr } = demo(['--config', config]);
    expect(code).toBe(1);
    expect(stderr).toContain('error: demo configuration is invalid');
    expect(stderr).toMatch(/epochs: .*\(from file .*demo\.json\)/);
    expect(stderr).toContain('hint: fix these fields (see demo/README.md)');
    expect(stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });
});
