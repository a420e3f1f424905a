import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CliIo, Command } from '../../lib/cli/index.ts';
import { runCli } from '../../lib/cli/index.ts';

/** What a command-line run printed and its exit code. */
export interface CliRun {
  code: number | undefined;
  stdout: string;
  stderr: string;
}

/**
 * Runs a tool's program in this process through the kit, capturing its output and exit code.
 *
 * @example
 * const run = await runProgram(buildGatewayProgram, ['devices', '--help']);
 */
export async function runProgram(build: (io: CliIo) => Command, args: readonly string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  let code: number | undefined;
  const io: CliIo = {
    stdout: (text) => void out.push(text),
    stderr: (text) => void err.push(text),
    exit: (c) => {
      code ??= c;
    },
  };
  await runCli(build(io), { argv: ['node', 'tool', ...args], io, exitOnSuccess: true });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

const root = join(import.meta.dirname, '..', '..');

/** Runs `node --import tsx <script> ...args` from the project root in a child process. */
export async function runScript(
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<CliRun> {
  return promisify(execFile)(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: root,
    env,
    timeout: 120_000,
  }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );
}
