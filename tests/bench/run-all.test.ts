import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BenchReport } from '../../bench/report.ts';

const root = join(import.meta.dirname, '..', '..');
const fixturesDir = join(import.meta.dirname, 'fixtures');
const tsx = join(root, 'node_modules', '.bin', 'tsx');

function runAll(...args: string[]) {
  return spawnSync(tsx, ['bench/run-all.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
}

describe('bench/run-all.ts --report-only (npm run bench:report)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
    for (const file of readdirSync(fixturesDir)) copyFileSync(join(fixturesDir, file), join(dir, file));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes report.json and report.md from the result files without running a benchmark', () => {
    const run = runAll('--report-only', '--results-dir', dir);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as BenchReport;
    expect([report.runs, report.runsFinishedAt]).toEqual([[], null]);
    expect(report.machine.cpus).toBeGreaterThan(0);
    expect(report.loadAverageAtEnd).toHaveLength(3);
    expect(Object.keys(report.results).sort()).toEqual([
      'circuits',
      'demo',
      'gas',
      'gateway-ingest',
      'oracle-epoch',
      'protocol-verify',
      'ptau-dev',
      'timeseries-write',
    ]);
    const demo = report.figures.find((f) => f.name === 'demo (second run, artifacts cached)');
    expect([demo?.value, demo?.status]).toEqual([3, 'met']);
    const markdown = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(markdown).toMatch(/^# Benchmark report\n\nMachine: \d+ cores/);
    expect(markdown).toContain(
      '| gas per device-epoch, epoch_b16_d16 | 30,001 gas | <= 30,000 gas | not met |',
    );
    expect(markdown).toContain('No benchmark run is recorded');
  });

  it('leaves its own report.json out of the results when rebuilt, and skips a file that is not JSON', () => {
    expect(runAll('--report-only', '--results-dir', dir).status).toBe(0);
    rmSync(join(dir, 'gas.json'));
    writeFileSync(join(dir, 'broken.json'), '{ not json');
    const run = runAll('--report-only', '--results-dir', dir);
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/broken\.json is not valid JSON, left out of the report/);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as BenchReport;
    expect(Object.keys(report.results)).not.toContain('report');
    expect(Object.keys(report.results)).not.toContain('broken');
    const gas = report.figures.find((f) => f.name === 'gas per device-epoch, epoch_b16_d16');
    expect([gas?.value, gas?.status]).toEqual([null, 'not run']);
  });

  it('keeps the runs of the last npm run bench from the earlier report.json', () => {
    const runs = [{ name: 'demo', ok: true, seconds: 364, loadBefore: 1.53, loadAfter: 4.77 }];
    writeFileSync(
      join(dir, 'report.json'),
      JSON.stringify({ finishedAt: '2026-11-21T17:00:51.145Z', runs, results: {} }),
    );
    expect(runAll('--report-only', '--results-dir', dir).status).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as BenchReport;
    expect([report.runs, report.runsFinishedAt]).toEqual([runs, '2026-11-21T17:00:51.145Z']);
    expect(report.finishedAt).not.toBe(report.runsFinishedAt);
    const markdown = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(markdown).toContain('Runs of the last `npm run bench` (finished 2026-11-21T17:00:51.145Z)');
    expect(markdown).toContain('| demo | ok | 364 | 1.53 | 4.77 |');
  });

  it('refuses an unknown benchmark name and a results folder without --report-only', () => {
    const unknown = runAll('--report-only', 'nosuchbench');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown benchmark\(s\): nosuchbench; known: protocol, .*demo/);
    const elsewhere = runAll('--results-dir', dir);
    expect(elsewhere.status).toBe(2);
    expect(elsewhere.stderr).toMatch(/--results-dir needs --report-only/);
  });
});
