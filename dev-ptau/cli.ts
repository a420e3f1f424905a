/**
 * `npm run setup:dev -- --power 18 [--cache-dir build/ptau] [--threads 2] [--force]`
 *
 * Writes (or finds in the cache) the prepared DEVELOPMENT powers-of-tau file of 2^power and prints
 * its path on the last line of stdout. Progress goes to stderr.
 */
import { parseArgs } from 'node:util';
import { BaseError } from '../lib/errors.ts';
import { ensureDevPtau } from './dev-ptau.ts';
import { PtauCliUsageError } from './errors.ts';
import type { PtauProgress } from './generate.ts';

const USAGE = 'usage: npm run setup:dev -- --power <1..27> [--cache-dir <dir>] [--threads <n>] [--force]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      power: { type: 'string' },
      'cache-dir': { type: 'string' },
      threads: { type: 'string' },
      force: { type: 'boolean', default: false },
    },
  });
  if (values.power === undefined || !/^\d+$/.test(values.power))
    throw new PtauCliUsageError('--power is required', { hint: USAGE });
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) {
    throw new PtauCliUsageError(`--threads ${values.threads} is not a positive integer`, { hint: USAGE });
  }
  const startedMs = performance.now();
  let lastReportMs = 0;
  const path = await ensureDevPtau({
    power: Number(values.power),
    force: values.force,
    ...(values['cache-dir'] ? { cacheDir: values['cache-dir'] } : {}),
    ...(threads ? { threads } : {}),
    onEstimate: (estimate) =>
      process.stderr.write(
        `dev ptau 2^${estimate.power} (DEVELOPMENT ONLY): ${estimate.pointsG1} G1 + ${estimate.pointsG2} G2 points, ` +
          `${(estimate.fileBytes / 2 ** 20).toFixed(1)} MiB, ~${Math.ceil(estimate.seconds)} s on an idle machine, ` +
          `~${(estimate.memoryBytes / 2 ** 20).toFixed(0)} MiB memory\n`,
      ),
    onProgress: (progress: PtauProgress) => {
      if (progress.elapsedMs - lastReportMs < 2000 && progress.donePoints < progress.totalPoints) return;
      lastReportMs = progress.elapsedMs;
      const fraction = progress.donePoints / progress.totalPoints;
      const remainingS =
        fraction > 0 ? (progress.elapsedMs / fraction - progress.elapsedMs) / 1000 : Number.NaN;
      process.stderr.write(
        `  ${(fraction * 100).toFixed(1).padStart(5)}%  ${progress.section.padEnd(20)} ` +
          `${(progress.elapsedMs / 1000).toFixed(0)} s elapsed, ~${remainingS.toFixed(0)} s left\n`,
      );
    },
  });
  process.stderr.write(`done in ${((performance.now() - startedMs) / 1000).toFixed(1)} s\n`);
  process.stdout.write(`${path}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof BaseError ? error.message : error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exitCode = 1;
});
