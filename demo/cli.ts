/**
 * The end-to-end demo: fleet -> MQTT -> gateway -> ledger -> zero-knowledge proofs -> chain -> token holders ->
 * investor verifier, on embedded defaults (aedes in-process, DuckDB, anvil, development ptau) or real parts.
 *
 *   npm run demo [-- options]
 *
 *   --config <file.json>           options as JSON (fields of demo/options.ts); flags override it
 *   --broker <url>                 external MQTT broker (mosquitto, EMQX) instead of the embedded aedes
 *     --broker-username <u> --broker-password <p>   the gateway's account on it
 *     --fleet-username <u> --fleet-password <p>     the account the simulated fleet publishes with
 *   --influx-url <url> --influx-token <t> --influx-org <o> --influx-bucket <b> [--influx-query flux|victoria-metrics]
 *                                  InfluxDB (or VictoriaMetrics) as the time-series store instead of DuckDB
 *   --rpc <url> --chain-id <id>    external EVM node; operator key in DEMO_PRIVATE_KEY (holds gas money)
 *   --ptau <file>                  a prepared powers-of-tau file (public ceremony) instead of the development one
 *   --ev <n> --pv <n> --epochs <n> --speed <x> --provers <n> --data-dir <dir> --seed <s>
 *   --json <file>                  also write the result as JSON
 *
 * Ctrl-C stops every process it started and exits; a second run reuses the built circuits and contracts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { BaseError } from '../lib/errors.ts';
import { type DemoOptionsInput, parseDemoOptions, readDemoOptionsFile } from './options.ts';
import { runDemo } from './run.ts';
import { formatDemoSummary } from './summary.ts';

const { values } = parseArgs({
  options: {
    config: { type: 'string' },
    broker: { type: 'string' },
    'broker-username': { type: 'string' },
    'broker-password': { type: 'string' },
    'fleet-username': { type: 'string' },
    'fleet-password': { type: 'string' },
    'influx-url': { type: 'string' },
    'influx-token': { type: 'string' },
    'influx-org': { type: 'string' },
    'influx-bucket': { type: 'string' },
    'influx-query': { type: 'string' },
    rpc: { type: 'string' },
    'chain-id': { type: 'string' },
    ptau: { type: 'string' },
    ev: { type: 'string' },
    pv: { type: 'string' },
    epochs: { type: 'string' },
    speed: { type: 'string' },
    provers: { type: 'string' },
    'data-dir': { type: 'string' },
    seed: { type: 'string' },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help) {
  const header = readFileSync(new URL(import.meta.url), 'utf8').split('*/')[0]!;
  process.stdout.write(`${header.replace(/^\/\*\*\n?/, '').replace(/^ \* ?/gm, '')}\n`);
  process.exit(0);
}

const num = (text: string | undefined) => (text === undefined ? undefined : Number(text));
const defined = <T extends object>(object: T) =>
  Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined)) as Partial<T>;

function optionsFromFlags(): DemoOptionsInput {
  const input: Record<string, unknown> = values.config ? { ...readDemoOptionsFile(values.config) } : {};
  Object.assign(
    input,
    defined({
      evPiles: num(values.ev),
      pvSites: num(values.pv),
      epochs: num(values.epochs),
      speed: num(values.speed),
      proverConcurrency: num(values.provers),
      dataDir: values['data-dir'],
      seed: values.seed,
      ptauPath: values.ptau,
    }),
  );
  if (values.broker) {
    input.broker = defined({
      url: values.broker,
      username: values['broker-username'],
      password: values['broker-password'],
      fleetUsername: values['fleet-username'],
      fleetPassword: values['fleet-password'],
    });
  }
  if (values['influx-url']) {
    input.influx = defined({
      url: values['influx-url'],
      token: values['influx-token'],
      org: values['influx-org'],
      bucket: values['influx-bucket'],
      query: values['influx-query'],
    });
  }
  if (values.rpc) {
    input.chain = {
      rpcUrl: values.rpc,
      chainId: num(values['chain-id']),
      privateKey: process.env.DEMO_PRIVATE_KEY,
    };
  }
  return input as DemoOptionsInput;
}

const controller = new AbortController();
let interrupted = 0;
process.on('SIGINT', () => {
  interrupted++;
  if (interrupted > 1) {
    process.stderr.write('demo: second Ctrl-C, exiting now\n');
    process.exit(130);
  }
  process.stderr.write('demo: stopping (Ctrl-C again to exit at once) ...\n');
  controller.abort();
});
process.on('SIGTERM', () => controller.abort());

const loadAverageAtStart = loadavg().map((l) => Number(l.toFixed(2)));
try {
  const options = parseDemoOptions(optionsFromFlags());
  const result = await runDemo(options, {
    log: (line) => process.stdout.write(`${line}\n`),
    signal: controller.signal,
  });
  process.stdout.write(formatDemoSummary(result));
  if (values.json) {
    writeFileSync(
      values.json,
      `${JSON.stringify(
        { ...result, loadAverageAtStart, loadAverage: loadavg().map((l) => Number(l.toFixed(2))) },
        (_k, v) => (typeof v === 'bigint' ? v.toString() : v),
        2,
      )}\n`,
    );
  }
  process.exit(result.verifier.ok ? 0 : 1);
} catch (error) {
  if (controller.signal.aborted) {
    process.stderr.write('demo: interrupted; every process it started has been stopped\n');
    process.exit(130);
  }
  process.stderr.write(
    `demo failed: ${error instanceof BaseError ? error.message : ((error as Error)?.stack ?? String(error))}\n`,
  );
  process.exit(1);
}
