import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const execFileAsync = promisify(execFile);

/** Runs `dev-ptau/cli.ts` like `npm run setup:dev -- ...` does; never throws, returns the exit code. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(
      process.execPath,
      ['--import', 'tsx', 'dev-ptau/cli.ts', ...args],
      {
        cwd: projectRoot,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

describe('npm run setup:dev', () => {
  let cacheDir: string;
  beforeAll(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), 'dev-ptau-cli-'));
  });
  afterAll(async () => {
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('writes the file, reports estimate and progress on stderr, prints the path last on stdout', async () => {
    const { code, stdout, stderr } = await cli(['--power', '4', '--cache-dir', cacheDir, '--threads', '1']);
    expect(code).toBe(0);
    const path = stdout.trim().split('\n').at(-1) as string;
    expect(path.startsWith(cacheDir)).toBe(true);
    expect(existsSync(path)).toBe(true);
    expect(stderr).toMatch(/DEVELOPMENT ONLY/);
    expect(stderr).toMatch(/100\.0%/);
  }, 120_000);

  it('prints help with exit 0', async () => {
    const { code, stdout } = await cli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('--power <n>');
    expect(stdout).toContain('Development only');
  }, 60_000);

  it('exits 1 with the refusal and its hint, without a stack, when the power is out of range', async () => {
    const { code, stderr } = await cli(['--power', '40', '--cache-dir', cacheDir]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/error: .*power 40 is not an integer in 1\.\.27/);
    expect(stderr).toMatch(/hint: /);
    expect(stderr).not.toMatch(/\bat .*\.ts:\d+/);
  }, 60_000);

  it('exits 2 with the usage when --power is missing or --threads is not a positive integer', async () => {
    const missing = await cli(['--cache-dir', cacheDir]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/required option '--power <n>' not specified/);
    const badThreads = await cli(['--power', '4', '--threads', '0']);
    expect(badThreads.code).toBe(2);
    expect(badThreads.stderr).toMatch(/option '--threads <n>' argument '0' is invalid/);
  }, 60_000);
});
