/**
 * The one command-line kit of the project, on commander (with its typed extras). Every tool builds its
 * program with {@link createProgram} and runs it with {@link runCli}, so all of them agree:
 * - `--help` on every command and subcommand, exit 0;
 * - a usage error (unknown option, missing or malformed argument, {@link UsageError}) prints what was wrong
 *   and exits 2;
 * - a project error ({@link BaseError}) prints its message, details and hint and exits 1, with no stack
 *   trace unless `--debug` is given (or `DEBUG` is set);
 * - anything else is a bug: its message, "rerun with --debug", exit 1.
 */
import { Command, CommanderError } from '@commander-js/extra-typings';
import { BaseError } from '../errors.ts';

/** A wrong combination or value of arguments found after parsing; exits 2 like commander's own usage errors. */
export class UsageError extends BaseError {
  override name = 'UsageError';
}

/** Exit codes of every CLI. */
export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

/** Where a CLI writes; replaceable in tests. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  exit: (code: number) => never | void;
}

/** The process's standard output, standard error and exit: the default {@link CliIo}. */
export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  exit: (code) => process.exit(code),
};

/**
 * Creates a tool's root command: name, description, `--debug`, and commander set up so that errors reach
 * {@link runCli} instead of exiting from inside the parser. Add subcommands after this call (they inherit
 * the settings).
 *
 * @example
 * const program = createProgram('gateway', 'MQTT ingest, evidence ledger, quarantine and registry');
 * program.command('serve').option('--config <path>').action(async (options) => { ... });
 * await runCli(program);
 */
export function createProgram(name: string, description: string, io: CliIo = processIo): Command {
  return new Command(name)
    .description(description)
    .option('--debug', 'print stack traces of errors')
    .showHelpAfterError('(add --help for usage)')
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
}

const HELP_CODES = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version']);

function wantsDebug(argv: readonly string[]): boolean {
  return argv.includes('--debug') || (process.env.DEBUG !== undefined && process.env.DEBUG !== '');
}

/** Formats a project error for a person: what failed, details, hint, and the chain of causes' messages. */
export function formatError(error: unknown, debug: boolean): string {
  if (error instanceof BaseError) {
    const lines = [`error: ${error.shortMessage}`];
    if (error.details) lines.push(`  details: ${error.details}`);
    if (error.hint) lines.push(`  hint: ${error.hint}`);
    const cause = error.cause as { message?: string } | undefined;
    if (cause?.message && !debug) lines.push(`  cause: ${cause.message.split('\n')[0]}`);
    if (debug && error.stack) lines.push(error.stack);
    return `${lines.join('\n')}\n`;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (debug && error instanceof Error && error.stack) return `error: ${message}\n${error.stack}\n`;
  return `error: ${message}\n  hint: unexpected; rerun with --debug for the stack trace and report it\n`;
}

/**
 * Parses `argv` with `program`, runs the chosen action and exits with the kit's codes.
 * Resolves (without exiting) when the action finished normally and `exitOnSuccess` is false,
 * so long-running services keep the process alive.
 */
export async function runCli(
  program: Command,
  options: { argv?: readonly string[]; io?: CliIo; exitOnSuccess?: boolean } = {},
): Promise<void> {
  const argv = options.argv ?? process.argv;
  const io = options.io ?? processIo;
  try {
    await program.parseAsync([...argv]);
    if (options.exitOnSuccess) io.exit(EXIT.ok);
  } catch (error) {
    if (error instanceof CommanderError) {
      io.exit(HELP_CODES.has(error.code) ? EXIT.ok : error.exitCode === 0 ? EXIT.ok : EXIT.usage);
      return;
    }
    io.stderr(formatError(error, wantsDebug(argv)));
    io.exit(error instanceof UsageError ? EXIT.usage : EXIT.failure);
  }
}
