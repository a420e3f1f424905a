import { createWriteStream, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BaseError } from '../lib/errors.ts';
import { FAULT_KINDS, type FleetConfig, parseFleetConfig, SimulatorConfigError } from './config.ts';
import { FleetGenerator } from './generator.ts';
import { ParallelFleetGenerator } from './parallel/parallel-generator.ts';
import { runFleet } from './runner.ts';
import { formatSummary, summaryToJson } from './summary.ts';

const HELP = `Usage: npx tsx simulator/cli.ts [options]   (npm run simulate -- [options])

Simulates a fleet of EV charging piles and PV sites publishing signed readings over MQTT.
Flags override the configuration file; see simulator/README.md.

Fleet
  --config <file>          JSON configuration file
  --seed <text>            run seed (default rwa-iot); same seed, same readings byte for byte
  --pool <id>              pool id when no config file is given (default 1)
  --ev <n>                 EV piles in the (first) pool
  --piles-per-station <n>  EV piles per station (default 4)
  --pv <n>                 PV sites in the (first) pool
  --keys <file>            fleet key file (SPEC section 2): loaded if present, else written
Time
  --start <iso|unix>       simulated clock start (default 2026-01-01T00:00:00Z)
  --duration <d>           simulated duration: seconds or 30m, 6h, 1d (default 1d)
  --interval <s>           reporting interval, simulated seconds (default 300)
  --speed <x>              simulated seconds per wall second (default 1440: a day per minute)
  --fast                   no pacing: publish as fast as possible (speed 0)
MQTT
  --broker <url>           broker URL (default: start the embedded aedes broker)
  --mode <m>               auto | per-device | pooled (default auto: per-device up to 1000 devices)
  --pool-size <n>          relay clients in pooled mode (default 16)
  --relay-user <name>      relay username in pooled mode (default fleet-relay)
  --relay-password <pw>    relay password in pooled mode
  --max-in-flight <n>      QoS 1 publishes awaiting PUBACK (default 1000)
  --threads <n>            worker threads signing shards of the fleet in live runs (default 1)
  --dry-run                generate and sign the stream without MQTT; print the summary
  --out <file>             with --dry-run: write every message with its ground truth as NDJSON
Faults (probability per reading, 0..1)
  --faults <rate>          every fault kind at this rate
  --fault-<kind> <rate>    one kind: ${FAULT_KINDS.join(', ')}
  --clock-skew-s <s>       clock skew of the clockSkew fault (default 10800)
  --offline-duration-s <s> offline period of the offline fault (default 7200)
  --skew-tolerance-s <s>   gateway timestamp tolerance assumed by the ground truth (default 600)
Output
  --json                   print the summary as JSON
  --quiet                  no progress lines
  -h, --help               this text
`;

/** Parses `30m`, `6h`, `1d` or plain seconds. */
export function parseDurationS(text: string): number {
  const match = /^(\d+)(s|m|h|d)?$/.exec(text.trim());
  if (!match)
    throw new SimulatorConfigError(`invalid duration ${text}`, { hint: 'use seconds or 30m, 6h, 1d' });
  const factor = { s: 1, m: 60, h: 3600, d: 86400 }[(match[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * factor;
}

function number(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value)) throw new SimulatorConfigError(`--${flag} expects a number, got ${text}`);
  return value;
}

/**
 * Builds a configuration from command-line arguments (a configuration file plus overriding flags).
 *
 * @example
 * configFromArgs(['--ev', '40', '--pv', '10', '--duration', '1d', '--faults', '0.01']);
 */
export function configFromArgs(argv: readonly string[]): {
  config: FleetConfig;
  dryRun: boolean;
  out: string | undefined;
  json: boolean;
  quiet: boolean;
  help: boolean;
} {
  const faultOptions = Object.fromEntries(
    FAULT_KINDS.map((k) => [
      `fault-${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
      { type: 'string' as const },
    ]),
  );
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      config: { type: 'string' },
      seed: { type: 'string' },
      pool: { type: 'string' },
      ev: { type: 'string' },
      'piles-per-station': { type: 'string' },
      pv: { type: 'string' },
      keys: { type: 'string' },
      start: { type: 'string' },
      duration: { type: 'string' },
      interval: { type: 'string' },
      speed: { type: 'string' },
      fast: { type: 'boolean' },
      broker: { type: 'string' },
      mode: { type: 'string' },
      'pool-size': { type: 'string' },
      'relay-user': { type: 'string' },
      'relay-password': { type: 'string' },
      'max-in-flight': { type: 'string' },
      'dry-run': { type: 'boolean' },
      threads: { type: 'string' },
      out: { type: 'string' },
      faults: { type: 'string' },
      'clock-skew-s': { type: 'string' },
      'offline-duration-s': { type: 'string' },
      'skew-tolerance-s': { type: 'string' },
      json: { type: 'boolean' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      ...faultOptions,
    },
  });
  const v = values as Record<string, string | boolean | undefined>;
  const str = (k: string) => v[k] as string | undefined;
  // biome-ignore lint/suspicious/noExplicitAny: raw input, validated by parseFleetConfig
  const raw: any = str('config') ? JSON.parse(readFileSync(str('config')!, 'utf8')) : { pools: [] };
  raw.pools ??= [];
  if (raw.pools.length === 0) raw.pools.push({ poolId: str('pool') ? number('pool', str('pool')!) : 1 });
  const pool = raw.pools[0];
  pool.ev ??= {};
  pool.pv ??= {};
  if (str('ev') !== undefined) pool.ev.piles = number('ev', str('ev')!);
  if (str('piles-per-station') !== undefined)
    pool.ev.pilesPerStation = number('piles-per-station', str('piles-per-station')!);
  if (str('pv') !== undefined) pool.pv.sites = number('pv', str('pv')!);
  if (str('seed') !== undefined) raw.seed = str('seed');
  if (str('keys') !== undefined) raw.keysFile = str('keys');
  if (str('start') !== undefined)
    raw.start = /^\d+$/.test(str('start')!) ? Number(str('start')) : str('start');
  if (str('duration') !== undefined) raw.durationS = parseDurationS(str('duration')!);
  if (str('interval') !== undefined) raw.intervalS = parseDurationS(str('interval')!);
  if (str('speed') !== undefined) raw.speed = number('speed', str('speed')!);
  if (v.fast) raw.speed = 0;
  if (str('threads') !== undefined) raw.signingThreads = number('threads', str('threads')!);
  raw.mqtt ??= {};
  if (str('broker') !== undefined) raw.mqtt.url = str('broker');
  if (str('mode') !== undefined) raw.mqtt.mode = str('mode');
  if (str('pool-size') !== undefined) raw.mqtt.poolSize = number('pool-size', str('pool-size')!);
  if (str('relay-user') !== undefined) raw.mqtt.relayUsername = str('relay-user');
  if (str('relay-password') !== undefined) raw.mqtt.relayPassword = str('relay-password');
  if (str('max-in-flight') !== undefined)
    raw.mqtt.maxInFlight = number('max-in-flight', str('max-in-flight')!);
  raw.faults ??= {};
  if (str('faults') !== undefined) {
    for (const kind of FAULT_KINDS) raw.faults[kind] = number('faults', str('faults')!);
  }
  for (const kind of FAULT_KINDS) {
    const flag = `fault-${kind.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    if (str(flag) !== undefined) raw.faults[kind] = number(flag, str(flag)!);
  }
  if (str('clock-skew-s') !== undefined) raw.faults.clockSkewS = number('clock-skew-s', str('clock-skew-s')!);
  if (str('offline-duration-s') !== undefined)
    raw.faults.offlineDurationS = number('offline-duration-s', str('offline-duration-s')!);
  if (str('skew-tolerance-s') !== undefined)
    raw.faults.gatewaySkewToleranceS = number('skew-tolerance-s', str('skew-tolerance-s')!);
  return {
    config: parseFleetConfig(raw),
    dryRun: v['dry-run'] === true,
    out: str('out'),
    json: v.json === true,
    quiet: v.quiet === true,
    help: v.help === true,
  };
}

async function main(): Promise<void> {
  const args = configFromArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(HELP);
    return;
  }
  const { config } = args;
  const log = (line: string) => {
    if (!args.quiet) process.stderr.write(`${line}\n`);
  };
  log('simulate: preparing device keys ...');
  const generator =
    config.signingThreads > 1
      ? new ParallelFleetGenerator(config, { threads: config.signingThreads })
      : new FleetGenerator(config);
  log(`simulate: ${generator.devices.length} devices, ${config.signingThreads} signing thread(s)`);
  if (args.dryRun) {
    const startedMs = Date.now();
    let lastMs = startedMs;
    let count = 0;
    const out = args.out === undefined ? undefined : createWriteStream(args.out);
    for await (const message of generator) {
      count += 1;
      if (out !== undefined) {
        const { index, topic, payload, deviceId, publishTs, fault, expected, genuine } = message;
        const line = JSON.stringify({ index, topic, payload, deviceId, publishTs, fault, expected, genuine });
        if (!out.write(`${line}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      }
      if (Date.now() - lastMs > 1000) {
        lastMs = Date.now();
        log(`simulate: ${count} messages`);
      }
    }
    if (out !== undefined) await new Promise<void>((resolve) => out.end(() => resolve()));
    log(`simulate: ${count} messages in ${((Date.now() - startedMs) / 1000).toFixed(1)} s`);
    process.stdout.write(
      args.json
        ? `${JSON.stringify(summaryToJson(generator.stats), null, 2)}\n`
        : formatSummary(generator.stats),
    );
    return;
  }
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  const summary = await runFleet({
    config,
    generator,
    signal: abort.signal,
    onStart: ({ brokerUrl }) => log(`simulate: publishing to ${brokerUrl}`),
    onProgress: (p) =>
      log(
        `simulate: ${new Date(p.simNowTs * 1000).toISOString()}  ${(p.fraction * 100).toFixed(0)}%  published ${
          p.published
        } (ev ${p.publishedByKind.ev}, pv ${p.publishedByKind.pv})  acked ${p.acked}  in flight ${p.inFlight}${
          p.lagS > 0 ? `  behind by ${p.lagS} s simulated` : ''
        }`,
      ),
  });
  process.stdout.write(
    args.json
      ? `${JSON.stringify(summaryToJson(summary.stats, summary), null, 2)}\n`
      : formatSummary(summary.stats, summary),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof BaseError ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
