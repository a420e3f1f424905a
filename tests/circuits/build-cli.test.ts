import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** Runs `scripts/build.ts` (npm run build) with `args`. */
function build(args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts', ...args], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npm run build', () => {
  it('prints help for the program and its circuits and contracts commands with exit 0', () => {
    const root = build(['--help']);
    expect(root.code).toBe(0);
    expect(root.stdout).toContain('--demo');
    expect(root.stdout).toMatch(/circuits \[options\] \[instances\.\.\.\]/);
    const circuits = build(['circuits', '--help']);
    expect(circuits.code).toBe(0);
    expect(circuits.stdout).toContain('--compile-only');
  });

  it('exits 2 on a usage error', () => {
    const both = build(['circuits', '--compile-only', '--setup', 'epoch_test']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--compile-only and --setup exclude each other');
    const unknown = build(['contracts', '--fast']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--fast'");
  });

  it('exits 1 on an unknown circuit instance with the hint, without a stack', () => {
    const { code, stderr } = build(['circuits', 'no_such_instance']);
    expect(code).toBe(1);
    expect(stderr).toContain('error: unknown circuit instance "no_such_instance"');
    expect(stderr).toContain('hint: declare it in circuits/circuits.json');
    expect(stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('builds a cached circuit instance through build:circuits', () => {
    const { code, stdout, stderr } = build(['circuits', '--compile-only', 'epoch_test']);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/epoch_test: \d+ constraints, compile cached/);
  });
});
