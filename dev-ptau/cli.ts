/**
 * `npm run setup:dev -- --power 18 [--cache-dir build/ptau] [--threads 2] [--force]`
 *
 * Writes (or finds in the cache) the prepared DEVELOPMENT powers-of-tau file of 2^power and prints
 * its path on the last line of stdout. Progress goes to stderr.
 */
import {
  type CliIo,
  createProgram,
  processIo,
  parseNonNegativeInt,
  parsePositiveInt,
  runCli,
} from '../lib/cli/index.ts';
import { ensureDevPtau } from './dev-ptau.ts';
import type { DevPtauEstimate } from './estimate.ts';
import type { PtauProgress } from './generate.ts';

function estimateLine(estimate: DevPtauEstimate): string {
  return (
    `dev ptau 2^${estimate.power} (DEVELOPMENT ONLY): ${estimate.pointsG1} G1 + ${estimate.pointsG2} G2 points, ` +
    `${(estimate.fileBytes / 2 ** 20).toFixed(1)} MiB, ~${Math.ceil(estimate.seconds)} s on an idle machine, ` +
    `~${(estimate.memoryBytes / 2 ** 20).toFixed(0)} MiB memory\n`
  );
}

/** A progress reporter that writes at most every 2 s, and always the last line. */
function progressReporter(io: CliIo): (progress: PtauProgress) => void {
  let lastReportMs = 0;
  return (progress) => {
    if (progress.elapsedMs - lastReportMs < 2000 && progress.donePoints < progress.totalPoints) return;
    lastReportMs = progress.elapsedMs;
    const fraction = progress.donePoints / progress.totalPoints;
    const remainingS =
      fraction > 0 ? (progress.elapsedMs / fraction - progress.elapsedMs) / 1000 : Number.NaN;
    io.stderr(
      `  ${(fraction * 100).toFixed(1).padStart(5)}%  ${progress.section.padEnd(20)} ` +
        `${(progress.elapsedMs / 1000).toFixed(0)} s elapsed, ~${remainingS.toFixed(0)} s left\n`,
    );
  };
}

/**
 * The `setup:dev` program: the development powers-of-tau file of 2^power.
 *
 * @example
 * await runCli(createDevPtauProgram(), { exitOnSuccess: true });
 */
export function createDevPtauProgram(io: CliIo = processIo): ReturnType<typeof createProgram> {
  const program = createProgram(
    'setup:dev',
    'Writes (or finds in the cache) the DEVELOPMENT powers-of-tau file of 2^power and prints its path last on stdout.',
    io,
  );
  program
    .requiredOption('--power <n>', 'log2 of the largest circuit size, 1..27', parseNonNegativeInt)
    .option('--cache-dir <dir>', 'cache folder (default build/ptau)')
    .option('--threads <n>', 'worker threads (default: the cores)', parsePositiveInt)
    .option('--force', 'regenerate even if the cached file exists')
    .addHelpText(
      'after',
      '\nDevelopment only: anyone can recompute its toxic waste. Use a public ceremony file in production.\n',
    )
    .action(async (options) => {
      const startedMs = performance.now();
      const path = await ensureDevPtau({
        power: options.power,
        force: options.force === true,
        ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
        ...(options.threads ? { threads: options.threads } : {}),
        onEstimate: (estimate) => io.stderr(estimateLine(estimate)),
        onProgress: progressReporter(io),
      });
      io.stderr(`done in ${((performance.now() - startedMs) / 1000).toFixed(1)} s\n`);
      io.stdout(`${path}\n`);
    });
  return program;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runCli(createDevPtauProgram(), { exitOnSuccess: true });
}
