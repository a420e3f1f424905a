/**
 * The command line of a benchmark script, on the project's kit (`lib/cli/`): each script builds its program
 * with `createProgram` and typed parsers, and {@link parseBenchCommandLine} parses `process.argv` with it
 * through `runCli`, so `--help` exits 0 and a usage error exits 2 before anything is measured. The script's
 * measuring code then runs with the typed options.
 */
import type { Command, OptionValues } from '@commander-js/extra-typings';
import { InvalidArgumentError, runCli } from '../../lib/cli/index.ts';

/**
 * Parses the command line with `program` (through `runCli`: help and usage errors exit here) and returns its
 * typed options and arguments.
 *
 * @example
 * const { options } = await parseBenchCommandLine(buildCeremonyBenchProgram());
 */
export async function parseBenchCommandLine<Args extends unknown[], Opts extends OptionValues>(
  program: Command<Args, Opts>,
  argv: readonly string[] = process.argv,
): Promise<{ args: Args; options: Opts }> {
  let parsed: { args: Args; options: Opts } | undefined;
  program.action(() => {
    parsed = { args: program.processedArgs, options: program.opts() };
  });
  await runCli(program as unknown as Command, { argv });
  if (parsed === undefined) process.exit(2); // runCli exits on help and errors; this is not reached
  return parsed;
}

/** A parser for a comma-separated list of integers of at least `min` (`""` is the empty list). */
export function intListArg(min: number): (text: string) => number[] {
  return (text) =>
    text
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        if (!/^\d+$/.test(part) || !Number.isSafeInteger(Number(part)) || Number(part) < min)
          throw new InvalidArgumentError(
            `expected a comma-separated list of integers of at least ${min}, got "${text}".`,
          );
        return Number(part);
      });
}

/** A parser for a comma-separated list of names from `choices` (`""` is the empty list). */
export function nameListArg<T extends string>(choices: readonly T[]): (text: string) => T[] {
  return (text) =>
    text
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        if (!(choices as readonly string[]).includes(part))
          throw new InvalidArgumentError(
            `expected a comma-separated list of ${choices.join(', ')}, got "${part}".`,
          );
        return part as T;
      });
}
