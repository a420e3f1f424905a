/**
 * `npm run simulate -- [options]`: a fleet of EV charging piles and PV sites publishing signed readings over
 * MQTT (or, with `--dry-run`, generated and signed without MQTT). Built on the project's CLI kit; the
 * configuration comes from `--config`, `SIMULATOR_*` variables and flags through `loadSimulatorConfig`.
 */
import {
  type CliIo,
  type Command,
  createProgram,
  floatArg,
  InvalidArgumentError,
  intArg,
  Option,
  parseNonNegativeInt,
  parsePositiveInt,
  processIo,
  runCli,
} from '../lib/cli/index.ts';
import { FAULT_KINDS, type FaultKind, type FleetConfig } from './config.ts';
import type { KeySource } from './keys.ts';
import { loadSimulatorConfig } from './load-config.ts';
import { runSimulatorCommand } from './run-command.ts';

/** Parses `30m`, `6h`, `1d` or plain seconds (a commander parser: a malformed value is a usage error). */
export function parseDurationS(text: string): number {
  const match = /^(\d+)(s|m|h|d)?$/.exec(text.trim());
  if (!match) throw new InvalidArgumentError(`expected seconds or 30m, 6h, 1d, got "${text}".`);
  const factor = { s: 1, m: 60, h: 3600, d: 86400 }[(match[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
  return parseNonNegativeInt(match[1] as string) * factor;
}

/** `--start`: unix seconds or an ISO-8601 date with offset. */
export function parseStart(text: string): number | string {
  if (/^\d+$/.test(text.trim())) return parsePositiveInt(text);
  if (Number.isNaN(Date.parse(text)) || !/^\d{4}-\d{2}-\d{2}T/.test(text))
    throw new InvalidArgumentError(
      `expected unix seconds or an ISO-8601 date such as 2026-01-01T00:00:00Z, got "${text}".`,
    );
  return text;
}

const rateArg = floatArg({ min: 0, max: 1 });

/** `--fault-clock-skew` for `clockSkew`. */
function faultFlag(kind: FaultKind): string {
  return `fault-${kind.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** `faultFlag` as commander names its option value (`faultClockSkew`). */
function faultOptionKey(kind: FaultKind): string {
  return `fault${kind[0]!.toUpperCase()}${kind.slice(1)}`;
}

/** What a simulate command line asks for, its configuration loaded. */
export interface SimulatorCommand {
  config: FleetConfig;
  /** Where device keys missing from the key file come from. */
  keySource: KeySource;
  dryRun: boolean;
  out: string | undefined;
  json: boolean;
  quiet: boolean;
}

interface SimulatorFlags {
  config?: string;
  seed?: string;
  pool?: number;
  ev?: number;
  pilesPerStation?: number;
  pv?: number;
  keys?: string;
  start?: number | string;
  duration?: number;
  interval?: number;
  speed?: number;
  fast?: boolean;
  broker?: string;
  mode?: string;
  poolSize?: number;
  relayUser?: string;
  relayPassword?: string;
  maxInFlight?: number;
  threads?: number;
  dryRun?: boolean;
  out?: string;
  faults?: number;
  clockSkewS?: number;
  offlineDurationS?: number;
  skewToleranceS?: number;
  json?: boolean;
  quiet?: boolean;
  [fault: string]: unknown;
}

function faultFlagValues(flags: SimulatorFlags): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const kind of FAULT_KINDS) values[`faults.${kind}`] = flags[faultOptionKey(kind)] ?? flags.faults;
  return values;
}

/** Turns parsed flags into the simulator command: configuration through `loadSimulatorConfig`. */
export function commandFromFlags(
  flags: SimulatorFlags,
  env: NodeJS.ProcessEnv = process.env,
): SimulatorCommand {
  const config = loadSimulatorConfig({
    file: flags.config,
    env,
    dryRun: flags.dryRun === true,
    pool: {
      poolId: flags.pool,
      evPiles: flags.ev,
      pilesPerStation: flags.pilesPerStation,
      pvSites: flags.pv,
    },
    flags: {
      seed: flags.seed,
      keysFile: flags.keys,
      start: flags.start,
      durationS: flags.duration,
      intervalS: flags.interval,
      speed: flags.fast ? 0 : flags.speed,
      signingThreads: flags.threads,
      'mqtt.url': flags.broker,
      'mqtt.mode': flags.mode,
      'mqtt.poolSize': flags.poolSize,
      'mqtt.relayUsername': flags.relayUser,
      'mqtt.relayPassword': flags.relayPassword,
      'mqtt.maxInFlight': flags.maxInFlight,
      ...faultFlagValues(flags),
      'faults.clockSkewS': flags.clockSkewS,
      'faults.offlineDurationS': flags.offlineDurationS,
      'faults.gatewaySkewToleranceS': flags.skewToleranceS,
    },
  });
  return {
    config,
    // a key file made without an explicit --seed is for real use: its keys come from node:crypto
    keySource: flags.seed === undefined && config.keysFile !== undefined ? 'random' : 'seed',
    dryRun: flags.dryRun === true,
    out: flags.out,
    json: flags.json === true,
    quiet: flags.quiet === true,
  };
}

const HELP_AFTER = `
Time: a live run (--broker, no --dry-run) starts at the wall clock in real time, so a gateway on the
wall clock accepts its readings; a start or speed that puts readings outside the gateway's timestamp
window (--skew-tolerance-s, the gateway's GATEWAY_MAX_CLOCK_SKEW_S, default 300 s) is refused. Dry runs
and the embedded broker start at 2026-01-01T00:00:00Z at 1440x (a day per minute), reproducible.

Keys: --keys writes missing device keys from node:crypto unless --seed is given; keys derived from a
seed are for reproducible simulations only (the default seed is public).

Environment: SIMULATOR_BROKER_URL, SIMULATOR_RELAY_USERNAME, SIMULATOR_RELAY_PASSWORD,
SIMULATOR_MAX_IN_FLIGHT, SIMULATOR_KEYS_FILE, SIMULATOR_THREADS, SIMULATOR_SKEW_TOLERANCE_S
(file < environment < flags; see simulator/README.md).
`;

/**
 * The simulate program. `run` receives the loaded command (the default publishes or dry-runs it).
 *
 * @example
 * await runCli(createSimulatorProgram());
 */
export function createSimulatorProgram(
  run: (command: SimulatorCommand, io: CliIo) => Promise<void> = runSimulatorCommand,
  io?: CliIo,
  env: NodeJS.ProcessEnv = process.env,
): Command {
  const program = createProgram(
    'simulate',
    'Simulates a fleet of EV charging piles and PV sites publishing signed readings over MQTT.',
    io,
  );
  program
    .option('--config <file>', 'JSON configuration file (flags override it)')
    .option('--seed <text>', 'run seed (default rwa-iot); same seed, same readings byte for byte')
    .option('--pool <id>', 'id of the (first) pool (default 1)', intArg({ min: 1, max: 0xffffffff }))
    .option('--ev <n>', 'EV piles in the (first) pool', parseNonNegativeInt)
    .option('--piles-per-station <n>', 'EV piles per station (default 4)', parsePositiveInt)
    .option('--pv <n>', 'PV sites in the (first) pool', parseNonNegativeInt)
    .option('--keys <file>', 'fleet key file (SPEC section 2): loaded if present, else written')
    .option(
      '--start <iso|unix>',
      'simulated clock start (default: now for live runs, else 2026-01-01T00:00:00Z)',
      parseStart,
    )
    .option('--duration <d>', 'simulated duration: seconds or 30m, 6h, 1d (default 1d)', parseDurationS)
    .option('--interval <d>', 'reporting interval, simulated (default 300)', parseDurationS)
    .option(
      '--speed <x>',
      'simulated seconds per wall second (default: 1 live, else 1440)',
      floatArg({ min: 0 }),
    )
    .option('--fast', 'no pacing: publish as fast as possible (speed 0)')
    .option('--broker <url>', 'broker URL (default: start the embedded aedes broker)')
    .addOption(
      new Option('--mode <m>', 'MQTT clients (default auto: per-device up to 1000 devices)').choices([
        'auto',
        'per-device',
        'pooled',
      ]),
    )
    .option('--pool-size <n>', 'relay clients in pooled mode (default 16)', parsePositiveInt)
    .option('--relay-user <name>', 'relay username in pooled mode (default fleet-relay)')
    .option('--relay-password <pw>', 'relay password in pooled mode')
    .option('--max-in-flight <n>', 'QoS 1 publishes awaiting PUBACK (default 1000)', parsePositiveInt)
    .option(
      '--threads <n>',
      'worker threads signing shards of the fleet in live runs (default 1)',
      parsePositiveInt,
    )
    .option('--dry-run', 'generate and sign the stream without MQTT; print the summary')
    .option('--out <file>', 'with --dry-run: write every message with its ground truth as NDJSON')
    .option('--faults <rate>', 'every fault kind at this rate per reading (0..1)', rateArg);
  for (const kind of FAULT_KINDS)
    program.option(`--${faultFlag(kind)} <rate>`, `rate of the ${kind} fault`, rateArg);
  program
    .option('--clock-skew-s <s>', 'clock skew of the clockSkew fault (default 10800)', parsePositiveInt)
    .option(
      '--offline-duration-s <s>',
      'offline period of the offline fault (default 7200)',
      parsePositiveInt,
    )
    .option(
      '--skew-tolerance-s <s>',
      "the gateway's timestamp window, GATEWAY_MAX_CLOCK_SKEW_S (default: 300 live, else 600)",
      parseNonNegativeInt,
    )
    .option('--json', 'print the summary as JSON')
    .option('--quiet', 'no progress lines')
    .addHelpText('after', HELP_AFTER)
    .action(async () => {
      const flags = program.opts() as SimulatorFlags;
      await run(commandFromFlags(flags, env), io ?? processIo);
    });
  return program;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runCli(createSimulatorProgram(), { exitOnSuccess: true });
}
