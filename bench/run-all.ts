/**
 * Runs every benchmark of the project, one after another (each in its own process, so one's memory
 * and threads do not disturb the next), then writes a combined report of their result files:
 * `bench/results/report.json` (machine, load, runs, headline figures with goals, raw results) and
 * `bench/results/report.md` (machine line, headline figures with goal and met / not met, memory, runs).
 *
 *   npm run bench                      # everything (about 20 minutes on the 2-core reference machine)
 *   npm run bench -- protocol gateway  # a subset, by name
 *   npm run bench:report               # no benchmark: rebuild report.{md,json} from the existing result files
 *   npm run bench:report -- --results-dir <dir>   # the same for result files in another folder
 *
 * The circuits, gas, oracle and demo benchmarks need the demo artifacts: `npm run build -- --demo` first
 * (this script runs it, so the demo runs with its artifacts cached). The ptau benchmark is not in the
 * default set (it takes minutes per power): name it explicitly (`npm run bench -- ptau`).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { createProgram, InvalidArgumentError } from '../lib/cli/index.ts';
import { parseBenchCommandLine } from './support/cli.ts';
import { type BenchReport, type BenchRun, renderReportMarkdown, reportFigures } from './report.ts';

interface Bench {
  readonly name: string;
  readonly script: string;
  readonly args: readonly string[];
}

const BENCHES: readonly Bench[] = [
  { name: 'protocol', script: 'bench/protocol-verify.ts', args: [] },
  { name: 'simulator', script: 'bench/simulator-publish.ts', args: [] },
  { name: 'gateway', script: 'bench/gateway-ingest.ts', args: [] },
  { name: 'timeseries', script: 'bench/timeseries-write.ts', args: [] },
  { name: 'circuits', script: 'bench/circuits.ts', args: ['--runs', '2'] },
  { name: 'gas', script: 'bench/gas.ts', args: [] },
  {
    name: 'oracle',
    script: 'bench/oracle-epoch.ts',
    args: ['--devices', '64'],
  },
  {
    name: 'ptau',
    script: 'bench/ptau-dev.ts',
    args: ['--powers', '14,16', '--snarkjs', ''],
  },
  {
    name: 'demo',
    script: 'demo/cli.ts',
    args: ['--json', 'bench/results/demo.json'],
  },
];
const DEFAULT = BENCHES.filter((b) => b.name !== 'ptau').map((b) => b.name);

const root = join(import.meta.dirname, '..');
/** A benchmark name (one of {@link BENCHES}), collected into the list of those to run. */
function benchNameArg(name: string, previous: string[] = []): string[] {
  if (!BENCHES.some((b) => b.name === name))
    throw new InvalidArgumentError(
      `unknown benchmark(s): ${name}; known: ${BENCHES.map((b) => b.name).join(', ')}`,
    );
  return [...previous, name];
}

/** The command line of the benchmark runner. */
export function buildRunAllBenchProgram() {
  return createProgram(
    'bench',
    `Runs the benchmarks (default: ${DEFAULT.join(', ')}) and writes bench/results/report.{json,md}`,
  )
    .argument(
      '[benchmarks...]',
      `benchmarks to run, by name (${BENCHES.map((b) => b.name).join(', ')})`,
      benchNameArg,
    )
    .option('--report-only', 'run no benchmark: rebuild the report from the existing result files', false)
    .option(
      '--results-dir <dir>',
      'folder of the result files (with --report-only)',
      join(root, 'bench', 'results'),
    );
}

const {
  args: [wantedArg],
  options: flags,
} = await parseBenchCommandLine(buildRunAllBenchProgram());
const wanted = wantedArg ?? [];
const reportOnly = flags.reportOnly;
const resultsDir = resolve(flags.resultsDir);
if (!reportOnly && resultsDir !== join(root, 'bench', 'results')) {
  process.stderr.write('--results-dir needs --report-only: the benchmarks write to bench/results/\n');
  process.exit(2);
}
const selected = reportOnly
  ? []
  : BENCHES.filter((b) => (wanted.length > 0 ? wanted : DEFAULT).includes(b.name));

const tsx = join(root, 'node_modules', '.bin', 'tsx');
if (selected.some((b) => ['circuits', 'gas', 'oracle', 'demo'].includes(b.name))) {
  const build = spawnSync(tsx, ['scripts/build.ts', '--demo'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const load1m = () => Number(loadavg()[0]?.toFixed(2));
const runs: BenchRun[] = [];
for (const bench of selected) {
  process.stdout.write(`\n=== bench ${bench.name}: npx tsx ${bench.script} ${bench.args.join(' ')}\n`);
  const startedMs = Date.now();
  const loadBefore = load1m();
  const run = spawnSync(tsx, [bench.script, ...bench.args], {
    cwd: root,
    stdio: 'inherit',
    timeout: 30 * 60_000,
  });
  runs.push({
    name: bench.name,
    ok: run.status === 0,
    seconds: Math.round((Date.now() - startedMs) / 1000),
    loadBefore,
    loadAfter: load1m(),
  });
}

/** The runs and their time recorded in an earlier report.json (none when it is missing or unreadable). */
function earlierRuns(): { runs: BenchRun[]; runsFinishedAt: string | null } {
  try {
    const earlier = JSON.parse(readFileSync(join(resultsDir, 'report.json'), 'utf8')) as Partial<BenchReport>;
    const runs = Array.isArray(earlier.runs) ? [...earlier.runs] : [];
    return {
      runs,
      runsFinishedAt: runs.length === 0 ? null : (earlier.runsFinishedAt ?? earlier.finishedAt ?? null),
    };
  } catch {
    return { runs: [], runsFinishedAt: null };
  }
}

/** Every result file in bench/results/ (the report's own files excepted); an unreadable one is reported, not fatal. */
function readResults(): Record<string, unknown> {
  const files: Record<string, unknown> = {};
  for (const file of readdirSync(resultsDir).sort()) {
    if (!file.endsWith('.json') || file === 'report.json') continue;
    try {
      files[file] = JSON.parse(readFileSync(join(resultsDir, file), 'utf8'));
    } catch (error) {
      process.stderr.write(`bench/results/${file} is not valid JSON, left out of the report: ${error}\n`);
    }
  }
  return files;
}

mkdirSync(resultsDir, { recursive: true });
const files = readResults();
const finishedAt = new Date().toISOString();
const report: BenchReport = {
  machine: {
    cpus: cpus().length,
    model: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  },
  loadAverageAtEnd: loadavg().map((l) => Number(l.toFixed(2))),
  finishedAt,
  ...(reportOnly ? earlierRuns() : { runs, runsFinishedAt: finishedAt }),
  figures: reportFigures(files),
  results: Object.fromEntries(
    Object.entries(files).map(([file, json]) => [file.replace(/\.json$/, ''), json]),
  ),
};
writeFileSync(join(resultsDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
const markdown = renderReportMarkdown(report);
writeFileSync(join(resultsDir, 'report.md'), markdown);
process.stdout.write(`\n${markdown}\nwrote bench/results/report.json and report.md\n`);
process.exit(runs.every((o) => o.ok) ? 0 : 1);
