/**
 * Runs every benchmark of the project, one after another (each in its own process, so one's memory
 * and threads do not disturb the next), then writes a combined report of their result files:
 * `bench/results/report.json` and `bench/results/report.md`.
 *
 *   npm run bench                      # everything (about 10 minutes on the 2-core reference machine)
 *   npm run bench -- protocol gateway  # a subset, by name
 *
 * The circuits, gas and oracle benchmarks need the demo artifacts: `npm run build -- --demo` first
 * (this script runs it). The ptau benchmark is not in the default set (it takes minutes per power):
 * name it explicitly (`npm run bench -- ptau`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';

interface Bench {
  readonly name: string;
  readonly script: string;
  readonly args: readonly string[];
  readonly results: readonly string[];
}

const BENCHES: readonly Bench[] = [
  { name: 'protocol', script: 'bench/protocol-verify.ts', args: [], results: ['protocol-verify.json'] },
  { name: 'simulator', script: 'bench/simulator-publish.ts', args: [], results: ['simulator-publish.json'] },
  { name: 'gateway', script: 'bench/gateway-ingest.ts', args: [], results: ['gateway-ingest.json'] },
  { name: 'timeseries', script: 'bench/timeseries-write.ts', args: [], results: ['timeseries-write.json'] },
  { name: 'circuits', script: 'bench/circuits.ts', args: ['--runs', '2'], results: ['circuits.json'] },
  { name: 'gas', script: 'bench/gas.ts', args: [], results: ['gas.json'] },
  {
    name: 'oracle',
    script: 'bench/oracle-epoch.ts',
    args: ['--devices', '64'],
    results: ['oracle-epoch.json'],
  },
  {
    name: 'ptau',
    script: 'bench/ptau-dev.ts',
    args: ['--powers', '14,16', '--snarkjs', ''],
    results: ['ptau-dev.json'],
  },
];
const DEFAULT = BENCHES.filter((b) => b.name !== 'ptau').map((b) => b.name);

const root = join(import.meta.dirname, '..');
const resultsDir = join(root, 'bench', 'results');
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((name) => !BENCHES.some((b) => b.name === name));
if (unknown.length > 0) {
  process.stderr.write(
    `unknown benchmark(s): ${unknown.join(', ')}; known: ${BENCHES.map((b) => b.name).join(', ')}\n`,
  );
  process.exit(2);
}
const selected = BENCHES.filter((b) => (wanted.length > 0 ? wanted : DEFAULT).includes(b.name));

const tsx = join(root, 'node_modules', '.bin', 'tsx');
if (selected.some((b) => ['circuits', 'gas', 'oracle'].includes(b.name))) {
  const build = spawnSync(tsx, ['scripts/build.ts', '--demo'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const outcomes: Array<{ name: string; ok: boolean; seconds: number }> = [];
for (const bench of selected) {
  process.stdout.write(`\n=== bench ${bench.name}: npx tsx ${bench.script} ${bench.args.join(' ')}\n`);
  const startedMs = Date.now();
  const run = spawnSync(tsx, [bench.script, ...bench.args], {
    cwd: root,
    stdio: 'inherit',
    timeout: 30 * 60_000,
  });
  outcomes.push({
    name: bench.name,
    ok: run.status === 0,
    seconds: Math.round((Date.now() - startedMs) / 1000),
  });
}

const report: Record<string, unknown> = {
  machine: {
    cpus: cpus().length,
    model: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  },
  loadAverageAtEnd: loadavg().map((l) => Number(l.toFixed(2))),
  finishedAt: new Date().toISOString(),
  runs: outcomes,
  results: Object.fromEntries(
    BENCHES.flatMap((b) => b.results)
      .filter((file) => existsSync(join(resultsDir, file)))
      .map((file) => [file.replace(/\.json$/, ''), JSON.parse(readFileSync(join(resultsDir, file), 'utf8'))]),
  ),
};
writeFileSync(join(resultsDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);

const lines = [
  '# Benchmark report',
  '',
  `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; load at end ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}.`,
  '',
  '| benchmark | status | seconds |',
  '|---|---|---|',
  ...outcomes.map((o) => `| ${o.name} | ${o.ok ? 'ok' : 'FAILED'} | ${o.seconds} |`),
  '',
  "Each benchmark's full figures are in `bench/results/<name>.json` and collected in `bench/results/report.json`.",
  '',
];
writeFileSync(join(resultsDir, 'report.md'), lines.join('\n'));
process.stdout.write(`\n${lines.join('\n')}\nwrote bench/results/report.json and report.md\n`);
process.exit(outcomes.every((o) => o.ok) ? 0 : 1);
