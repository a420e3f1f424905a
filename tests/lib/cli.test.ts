import { describe, expect, it } from 'vitest';
import { createProgram, intArg, runCli, UsageError } from '../../lib/cli/index.ts';
import { BaseError } from '../../lib/errors.ts';

class ExampleError extends BaseError {
  override name = 'ExampleError';
}

/** Runs a small program through the kit and records what it printed and its exit code. */
async function run(argv: string[], action: (n: number) => void | Promise<void> = () => {}) {
  const out: string[] = [];
  const err: string[] = [];
  let code: number | undefined;
  const io = {
    stdout: (t: string) => void out.push(t),
    stderr: (t: string) => void err.push(t),
    exit: (c: number) => {
      code ??= c;
    },
  };
  const program = createProgram('tool', 'an example tool', io);
  program
    .command('count')
    .description('count something')
    .requiredOption('--devices <n>', 'how many', intArg({ min: 1, max: 100 }))
    .action(async (options) => action(options.devices));
  await runCli(program, { argv: ['node', 'tool', ...argv], io, exitOnSuccess: true });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('CLI kit', () => {
  it('prints help for the program and a subcommand with exit 0', async () => {
    const root = await run(['--help']);
    expect(root.code).toBe(0);
    expect(root.stdout).toContain('count');
    const sub = await run(['count', '--help']);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toContain('--devices <n>');
  });

  it('exits 2 on an unknown option, a missing option and a malformed integer', async () => {
    const unknown = await run(['count', '--devices', '3', '--nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--nope'");
    const missing = await run(['count']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--devices');
    const malformed = await run(['count', '--devices', '3.5']);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('expected an integer');
    const outOfRange = await run(['count', '--devices', '1000']);
    expect(outOfRange.code).toBe(2);
    expect(outOfRange.stderr).toContain('from 1 to 100');
  });

  it('exits 2 on a UsageError thrown by an action', async () => {
    const result = await run(['count', '--devices', '2'], () => {
      throw new UsageError('--devices 2 needs --pool', { hint: 'add --pool ID' });
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: --devices 2 needs --pool');
    expect(result.stderr).toContain('hint: add --pool ID');
  });

  it('exits 1 on a project error with message and hint and no stack unless --debug', async () => {
    const fail = () => {
      throw new ExampleError('ledger is locked', { details: 'another process holds it', hint: 'stop the gateway' });
    };
    const plain = await run(['count', '--devices', '2'], fail);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toBe('error: ledger is locked\n  details: another process holds it\n  hint: stop the gateway\n');
    const debug = await run(['count', '--devices', '2', '--debug'], fail);
    expect(debug.code).toBe(1);
    expect(debug.stderr).toContain('at ');
  });

  it('exits 1 on an unexpected error and asks for --debug', async () => {
    const result = await run(['count', '--devices', '2'], () => {
      throw new TypeError('x is undefined');
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: x is undefined');
    expect(result.stderr).toContain('--debug');
    expect(result.stderr).not.toContain('    at ');
  });

  it('exits 0 after a successful action', async () => {
    let seen = 0;
    const result = await run(['count', '--devices', '7'], (n) => {
      seen = n;
    });
    expect(result.code).toBe(0);
    expect(seen).toBe(7);
  });
});
