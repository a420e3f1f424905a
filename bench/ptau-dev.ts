/**
 * Benchmark of the development powers of tau (`npm run bench:ptau`).
 *
 *   npm run bench:ptau -- [--powers 14,16,18] [--snarkjs 10,12] [--threads 2]
 *
 * For each power, generates a prepared ptau with `generateDevPtau` in a fresh child process
 * (time, peak RSS of the process and its worker threads), and for each `--snarkjs` power runs
 * snarkjs's own `powersoftau new` + `beacon` + `prepare phase2` the same way. Prints a table and
 * writes bench/results/ptau-dev.json with the machine load (1-minute load average) around each run.
 * Reference figures measured earlier on this machine for snarkjs `prepare phase2`: 32 s at 2^10,
 * over 15 min at 2^14, 42 min at 2^16.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  createProgram,
  intArg,
  Option,
  oneOf,
  parsePositiveInt,
  runCli,
  UsageError,
} from '../lib/cli/index.ts';
import { intListArg } from './support/cli.ts';

const run = promisify(execFile);
const SNARKJS_REFERENCE_PREPARE_S: Record<number, number> = { 10: 32, 14: 15 * 60, 16: 42 * 60 };

type Measurement = {
  tool: 'dev-ptau' | 'snarkjs';
  power: number;
  seconds: number;
  /** snarkjs only: `new` + `beacon`, before `prepare phase2`. */
  phase1Seconds?: number;
  /** snarkjs only: `prepare phase2` alone. */
  prepareSeconds?: number;
  peakRssMiB: number;
  fileBytes: number;
  loadBefore: number;
  loadAfter: number;
};

async function child(tool: string, power: number, directory: string, threads: number): Promise<Measurement> {
  const loadBefore = loadavg()[0] as number;
  const { stdout } = await run(
    process.execPath,
    [
      '--import',
      'tsx',
      fileURLToPath(import.meta.url),
      '--child',
      tool,
      '--power',
      String(power),
      '--dir',
      directory,
      '--threads',
      String(threads),
    ],
    { maxBuffer: 1 << 24 },
  );
  const measured = JSON.parse(stdout.trim().split('\n').at(-1) as string) as Omit<
    Measurement,
    'loadBefore' | 'loadAfter'
  >;
  return { ...measured, loadBefore, loadAfter: loadavg()[0] as number };
}

async function childMain(tool: string, power: number, directory: string, threads: number): Promise<void> {
  const started = performance.now();
  const output = join(directory, `${tool}_${power}.ptau`);
  const result: Record<string, number | string> = { tool, power };
  if (tool === 'dev-ptau') {
    const { generateDevPtau } = await import('../dev-ptau/generate.ts');
    const { DEV_PTAU_SEED } = await import('../dev-ptau/seed.ts');
    await generateDevPtau({ power, outputPath: output, seed: DEV_PTAU_SEED, threads });
  } else {
    const snarkjs = await import('snarkjs');
    const { DEV_PTAU_SEED } = await import('../dev-ptau/seed.ts');
    const curve = await snarkjs.curves.getCurveFromName('bn128');
    const fresh = join(directory, `snarkjs_${power}_0000.ptau`);
    const beacon = join(directory, `snarkjs_${power}_beacon.ptau`);
    await snarkjs.powersOfTau.newAccumulator(curve, power, fresh);
    const s = DEV_PTAU_SEED;
    await snarkjs.powersOfTau.beacon(fresh, beacon, s.contributionName, s.beaconHashHex, s.numIterationsExp);
    result.phase1Seconds = (performance.now() - started) / 1000;
    const prepareStarted = performance.now();
    await snarkjs.powersOfTau.preparePhase2(beacon, output);
    result.prepareSeconds = (performance.now() - prepareStarted) / 1000;
    await curve.terminate();
  }
  result.seconds = (performance.now() - started) / 1000;
  result.peakRssMiB = process.resourceUsage().maxRSS / 1024;
  result.fileBytes = (await stat(output)).size;
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

/** Options of the ptau benchmark as its program parses them. */
type PtauBenchOptions = ReturnType<ReturnType<typeof buildPtauDevBenchProgram>['opts']>;

async function main(values: PtauBenchOptions): Promise<void> {
  const threads = values.threads;
  if (values.child) {
    if (values.power === undefined || values.dir === undefined)
      throw new UsageError('--child needs --power and --dir', {
        hint: 'these are set by the benchmark itself',
      });
    return childMain(values.child, values.power, values.dir, threads);
  }

  const directory = await mkdtemp(join(tmpdir(), 'bench-ptau-'));
  const measurements: Measurement[] = [];
  try {
    for (const power of values.snarkjs) {
      process.stderr.write(`snarkjs new + beacon + prepare phase2 at 2^${power} ...\n`);
      measurements.push(await child('snarkjs', power, directory, threads));
      await rm(directory, { recursive: true, force: true });
      await mkdir(directory, { recursive: true });
    }
    for (const power of values.powers) {
      process.stderr.write(`dev ptau at 2^${power} ...\n`);
      measurements.push(await child('dev-ptau', power, directory, threads));
      await rm(directory, { recursive: true, force: true });
      await mkdir(directory, { recursive: true });
    }
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
  const lines = [
    'tool      power  seconds  prepare-only s  peak RSS MiB  file MiB  load before/after  snarkjs prepare (ref) s',
  ];
  for (const m of measurements) {
    const reference = m.tool === 'dev-ptau' ? (SNARKJS_REFERENCE_PREPARE_S[m.power] ?? '') : '';
    lines.push(
      `${m.tool.padEnd(9)} ${String(m.power).padStart(5)} ${m.seconds.toFixed(1).padStart(8)} ${(m.prepareSeconds?.toFixed(1) ?? '').padStart(15)} ` +
        `${m.peakRssMiB.toFixed(0).padStart(13)} ${(m.fileBytes / 2 ** 20).toFixed(1).padStart(9)} ` +
        `${`${m.loadBefore.toFixed(1)}/${m.loadAfter.toFixed(1)}`.padStart(18)} ${String(reference).padStart(24)}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  // merge with earlier runs (the 2^18 run is done on its own): one entry per tool and power
  const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
  await mkdir(resultsDir, { recursive: true });
  const resultsPath = join(resultsDir, 'ptau-dev.json');
  const earlier = await readFile(resultsPath, 'utf8')
    .then((text) => (JSON.parse(text) as { measurements: (Measurement & { date?: string })[] }).measurements)
    .catch(() => []);
  const date = new Date().toISOString();
  const merged = [
    ...earlier.filter((e) => !measurements.some((m) => m.tool === e.tool && m.power === e.power)),
    ...measurements.map((m) => ({ ...m, date, threads })),
  ].sort((a, b) => a.tool.localeCompare(b.tool) || a.power - b.power);
  await writeFile(
    resultsPath,
    `${JSON.stringify({ cpus: cpus().length, snarkjsReferencePrepareSeconds: SNARKJS_REFERENCE_PREPARE_S, measurements: merged }, null, 2)}\n`,
  );
}

/** The command line of the ptau benchmark; its action runs the benchmark. */
export function buildPtauDevBenchProgram() {
  const program = createProgram(
    'bench:ptau',
    'Benchmark of the development powers of tau (writes bench/results/ptau-dev.json)',
  )
    .addOption(
      new Option('--powers <list>', 'comma-separated powers of the development ptau')
        .argParser(intListArg(1))
        .default([14, 16, 18], '14,16,18'),
    )
    .addOption(
      new Option('--snarkjs <list>', "comma-separated powers of snarkjs's own ceremony (empty: none)")
        .argParser(intListArg(1))
        .default([10, 12], '10,12'),
    )
    .option('--threads <n>', 'worker threads', parsePositiveInt, 2)
    .option(
      '--child <tool>',
      'internal: measure one run of this tool (dev-ptau, snarkjs) in this process',
      oneOf(['dev-ptau', 'snarkjs'] as const),
    )
    .option('--power <n>', 'internal: power of the --child run', intArg({ min: 1, max: 28 }))
    .option('--dir <path>', 'internal: working folder of the --child run');
  program.action(() => main(program.opts()));
  return program;
}

await runCli(buildPtauDevBenchProgram(), { exitOnSuccess: true });
