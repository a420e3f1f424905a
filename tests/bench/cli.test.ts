import { describe, expect, it } from 'vitest';
import { intListArg, nameListArg } from '../../bench/support/cli.ts';
import { runScript } from '../support/cli.ts';

/** A spawned script imports its modules under a loaded machine: allow it time. */
const SPAWN_MS = 120_000;

/** Every benchmark script with the options (or arguments) its --help must name, and a malformed value. */
const SCRIPTS: readonly { script: string; names: readonly string[]; malformed?: readonly string[] }[] = [
  { script: 'bench/ceremony.ts', names: ['--instance <name>', '--ptau <path>'] },
  { script: 'bench/circuits.ts', names: ['--runs <n>', 'instances'], malformed: ['--runs', '0'] },
  { script: 'bench/gas.ts', names: ['bench:gas', 'gas.json'] },
  {
    script: 'bench/gateway-ingest.ts',
    names: [
      '--messages <n>',
      '--devices <n>',
      '--threads <n>',
      '--latency-rate <list>',
      '--latency-seconds <n>',
    ],
    malformed: ['--latency-rate', '1000,fast'],
  },
  {
    script: 'bench/oracle-epoch.ts',
    names: [
      '--devices <n>',
      '--epoch-instance <name>',
      '--registration-instance <name>',
      '--concurrency <n>',
    ],
    malformed: ['--devices', 'many'],
  },
  { script: 'bench/protocol-verify.ts', names: ['secondsPerFigure'], malformed: ['0'] },
  {
    script: 'bench/ptau-dev.ts',
    names: ['--powers <list>', '--snarkjs <list>', '--threads <n>'],
    malformed: ['--powers', '14;16'],
  },
  {
    script: 'bench/run-all.ts',
    names: ['--report-only', '--results-dir <dir>', 'benchmarks'],
    malformed: ['nosuchbench'],
  },
  {
    script: 'bench/simulator-publish.ts',
    names: ['--devices <n>', '--duration <seconds>', '--max-in-flight <n>'],
    malformed: ['--duration', '-1'],
  },
  { script: 'bench/timeseries-write.ts', names: ['readings', 'batch'], malformed: ['200k'] },
];

describe('benchmark command lines (lib/cli kit; nothing is measured)', () => {
  for (const { script, names, malformed } of SCRIPTS) {
    describe(script, () => {
      it(
        '--help exits 0 and names its main options',
        async () => {
          const run = await runScript(script, ['--help']);
          expect(run.code).toBe(0);
          for (const name of names) expect(run.stdout).toContain(name);
        },
        SPAWN_MS,
      );

      it(
        'an unknown option is a usage error (exit 2)',
        async () => {
          const run = await runScript(script, ['--no-such-option']);
          expect(run.code).toBe(2);
          expect(run.stderr).toContain("unknown option '--no-such-option'");
        },
        SPAWN_MS,
      );

      if (malformed)
        it(
          `a malformed value (${malformed.join(' ')}) is a usage error (exit 2)`,
          async () => {
            const run = await runScript(script, malformed);
            expect(run.code).toBe(2);
            expect(run.stderr).toMatch(/is invalid/);
          },
          SPAWN_MS,
        );
    });
  }

  it(
    'ptau-dev refuses --child without --power and --dir (exit 2, no stack)',
    async () => {
      const run = await runScript('bench/ptau-dev.ts', ['--child', 'dev-ptau']);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('error: --child needs --power and --dir');
      expect(run.stderr).not.toMatch(/\n\s+at /);
    },
    SPAWN_MS,
  );
});

describe('bench/support/cli.ts list parsers', () => {
  it('reads a comma-separated list of integers, the empty text as the empty list', () => {
    expect(intListArg(1)('1000, 300')).toEqual([1000, 300]);
    expect(intListArg(1)('')).toEqual([]);
    expect(() => intListArg(1)('1000,0')).toThrow(/at least 1/);
    expect(() => intListArg(0)('1.5')).toThrow(/integers/);
  });

  it('reads a comma-separated list of known names and refuses another', () => {
    const parts = nameListArg(['latency', 'memory'] as const);
    expect(parts('latency,memory')).toEqual(['latency', 'memory']);
    expect(parts('')).toEqual([]);
    expect(() => parts('latency,speed')).toThrow(/got "speed"/);
  });
});
