import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFleetKeyFile } from '../../protocol/index.ts';

function cli(args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'simulator/cli.ts', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('simulator command line', () => {
  it('prints help with exit 0, saying that seeded keys are for simulations only', () => {
    const { code, stdout } = cli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('--fault-clock-skew <rate>');
    expect(stdout).toContain('reproducible simulations only');
    expect(stdout).toContain('GATEWAY_MAX_CLOCK_SKEW_S');
  });

  it('runs a configuration file through the embedded broker, writes the key file and prints a JSON summary', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-cli-'));
    const config = join(dir, 'fleet.json');
    const keys = join(dir, 'fleet.keys.json');
    writeFileSync(
      config,
      JSON.stringify({
        seed: 'cli',
        durationS: 1800,
        pools: [{ poolId: 5, ev: { piles: 3 }, pv: { sites: 1 } }],
      }),
    );
    const { code, stdout, stderr } = cli([
      '--config',
      config,
      '--keys',
      keys,
      '--fast',
      '--json',
      '--fault-duplicate',
      '0.2',
    ]);
    expect(code, stderr).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary.stats.devices).toEqual({ ev: 3, pv: 1 });
    expect(summary.run.published).toBe(summary.stats.messages);
    expect(summary.run.acked).toBe(summary.stats.messages);
    expect(summary.stats.faults.duplicate).toBeGreaterThan(0);
    expect(summary.stats.expected.duplicate).toBe(summary.stats.faults.duplicate);
    expect(readFleetKeyFile(keys).devices.map((d) => d.deviceId)).toEqual([
      'ev-5-00001',
      'ev-5-00002',
      'ev-5-00003',
      'pv-5-0001',
    ]);
  });

  it('writes the stream with its ground truth as NDJSON in a dry run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-cli-'));
    const out = join(dir, 'stream.ndjson');
    const { code, stderr } = cli([
      '--ev',
      '2',
      '--pv',
      '1',
      '--duration',
      '1h',
      '--fault-tamper',
      '0.3',
      '--dry-run',
      '--out',
      out,
    ]);
    expect(code, stderr).toBe(0);
    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3 * 13);
    expect(lines.map((l) => l.index)).toEqual(lines.map((_l, i) => i));
    const tampered = lines.filter((l) => l.fault === 'tamper');
    expect(tampered.length).toBeGreaterThan(0);
    expect(tampered.every((l) => l.expected.reason === 'SIGNATURE_INVALID' && l.genuine === false)).toBe(
      true,
    );
  });

  it('exits 2 on a usage error', () => {
    const { code, stderr } = cli(['--ev', '2', '--fault-drop', '2']);
    expect(code).toBe(2);
    expect(stderr).toContain("option '--fault-drop <rate>' argument '2' is invalid");
  });

  it('exits 1 on a typed error with its message and hint, without a stack', () => {
    const { code, stderr } = cli(['--broker', 'mqtt://127.0.0.1:1', '--speed', '1440']);
    expect(code).toBe(1);
    expect(stderr).toContain('error: readings would be up to 86340 s from the wall clock');
    expect(stderr).toContain('hint: drop --start and --speed');
    expect(stderr).not.toMatch(/\bat .*\.ts:\d+/);
    const missing = cli(['--config', '/nonexistent/fleet.json']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('cannot read simulator configuration file /nonexistent/fleet.json');
  });
});
