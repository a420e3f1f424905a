/**
 * The `build` program: every generated artifact the tests (default) or the demo (`--demo`) need, or one
 * part of it (`build circuits [names...]`, `build contracts`), each step cached on disk by a hash of its
 * inputs, so that a second run is nearly free. `npm run build:circuits` and `npm run build:contracts` are
 * these subcommands; `npx tsx circuits/build.ts ...` and `npx tsx contracts/build.ts ...` run them too.
 */
import { buildCircuits, DEMO_INSTANCES, TEST_INSTANCES } from '../circuits/build.ts';
import { buildContracts } from '../contracts/build.ts';
import { type CliIo, type Command, createProgram, processIo, runCli, UsageError } from '../lib/cli/index.ts';

async function timedStep(io: CliIo, name: string, run: () => Promise<void>): Promise<void> {
  const startedMs = Date.now();
  io.stdout(`build: ${name} ...\n`);
  await run();
  io.stdout(`build: ${name} done in ${((Date.now() - startedMs) / 1000).toFixed(1)} s\n`);
}

/** Builds the test (and with `demo` the demo) circuit instances, then the contracts. */
async function buildAll(io: CliIo, demo: boolean): Promise<void> {
  const instances: string[] = [...TEST_INSTANCES, ...(demo ? DEMO_INSTANCES : [])];
  await timedStep(io, `circuits (${instances.join(', ')})`, async () => {
    await buildCircuits({ instances, log: (line) => io.stdout(`${line}\n`) });
  });
  await timedStep(io, 'contracts', async () => {
    await buildContracts({ log: (line) => io.stdout(`${line}\n`) });
  });
}

function addCircuitsCommand(program: Command, io: CliIo): void {
  program
    .command('circuits')
    .description('compile and set up circuit instances of circuits/circuits.json (default: every instance)')
    .argument('[instances...]', 'instance names')
    .option('--compile-only', 'only compile (no Groth16 setup)')
    .option('--setup', 'also set up instances marked setup: false (benchmarks of production sizes)')
    .option(
      '--ptau <file>',
      'a prepared public powers-of-tau file instead of the development one (or CIRCUITS_PTAU)',
    )
    .action(async (instances, options) => {
      if (options.compileOnly && options.setup)
        throw new UsageError('--compile-only and --setup exclude each other', { hint: 'pass one of them' });
      const results = await buildCircuits({
        instances,
        compileOnly: options.compileOnly === true,
        forceSetup: options.setup === true,
        ...(options.ptau ? { ptauPath: options.ptau } : {}),
        log: (line) => io.stdout(`${line}\n`),
      });
      for (const r of results)
        io.stdout(`${r.name}: ${r.constraints} constraints, compile ${r.compiled}, setup ${r.setup}\n`);
    });
}

function addContractsCommand(program: Command, io: CliIo): void {
  program
    .command('contracts')
    .description('compile contracts/src and the generated verifiers with solc-js')
    .option('--force', 'recompile even when the cache key matches')
    .action(async (options) => {
      await buildContracts({ force: options.force === true, log: (line) => io.stdout(`${line}\n`) });
    });
}

/**
 * The build program.
 *
 * @example
 * await runCli(createBuildProgram(), { exitOnSuccess: true });
 */
export function createBuildProgram(io: CliIo = processIo): Command {
  const program = createProgram(
    'build',
    'Builds the circuits (compile, development ptau, Groth16 setup, verifiers) and the contracts, cached.',
    io,
  );
  program.option('--demo', "also the demo's circuit instances").action(async (options) => {
    await buildAll(io, options.demo === true);
  });
  addCircuitsCommand(program, io);
  addContractsCommand(program, io);
  return program;
}

/** Runs the build program with `args` (the words after the command name). */
export async function runBuildCli(args: readonly string[]): Promise<void> {
  await runCli(createBuildProgram(), {
    argv: [process.argv[0] ?? 'node', 'build', ...args],
    exitOnSuccess: true,
  });
}
