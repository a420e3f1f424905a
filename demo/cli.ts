/**
 * `npm run demo [-- options]`: the end-to-end demo, fleet -> MQTT -> gateway -> ledger -> zero-knowledge proofs ->
 * chain -> token holders -> investor verifier, on embedded defaults (aedes in-process, DuckDB, anvil, development
 * ptau) or real parts. Options come from `--config demo.json`, `DEMO_PRIVATE_KEY` and flags through
 * `loadDemoOptions`. Ctrl-C stops every process it started and exits 130; a second run reuses the built circuits
 * and contracts.
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import {
  type CliIo,
  type Command,
  createProgram,
  processIo,
  EXIT,
  floatArg,
  Option,
  parseHttpUrlArg,
  parsePositiveInt,
  runCli,
  intArg,
} from '../lib/cli/index.ts';
import { toJson } from '../lib/json.ts';
import { createLogger } from '../lib/log.ts';
import { DemoRunError } from './errors.ts';
import { loadDemoOptions } from './options.ts';
import { runDemo } from './run.ts';
import { formatDemoSummary } from './summary.ts';

/** The demo's flags as commander parses them. */
interface DemoFlags {
  config?: string;
  broker?: string;
  brokerUsername?: string;
  brokerPassword?: string;
  fleetUsername?: string;
  fleetPassword?: string;
  influxUrl?: string;
  influxToken?: string;
  influxOrg?: string;
  influxBucket?: string;
  influxQuery?: string;
  rpc?: string;
  chainId?: number;
  ptau?: string;
  ev?: number;
  pv?: number;
  epochs?: number;
  speed?: number;
  provers?: number;
  dataDir?: string;
  seed?: string;
  json?: string;
}

/** Flag values by the dotted option path they set (undefined: not given). */
export function demoFlagValues(flags: DemoFlags): Record<string, unknown> {
  return {
    evPiles: flags.ev,
    pvSites: flags.pv,
    epochs: flags.epochs,
    speed: flags.speed,
    proverConcurrency: flags.provers,
    dataDir: flags.dataDir,
    seed: flags.seed,
    ptauPath: flags.ptau,
    'broker.url': flags.broker,
    'broker.username': flags.brokerUsername,
    'broker.password': flags.brokerPassword,
    'broker.fleetUsername': flags.fleetUsername,
    'broker.fleetPassword': flags.fleetPassword,
    'influx.url': flags.influxUrl,
    'influx.token': flags.influxToken,
    'influx.org': flags.influxOrg,
    'influx.bucket': flags.influxBucket,
    'influx.query': flags.influxQuery,
    'chain.rpcUrl': flags.rpc,
    'chain.chainId': flags.chainId,
  };
}

function addOptions(program: Command): void {
  program
    .option('--config <file>', 'options as JSON (fields of demo/options.ts); flags override it')
    .option('--broker <url>', 'external MQTT broker (mosquitto, EMQX) instead of the embedded aedes')
    .option('--broker-username <u>', "the gateway's account on the broker")
    .option('--broker-password <p>', "the gateway's password on the broker")
    .option('--fleet-username <u>', 'the account the simulated fleet publishes with')
    .option('--fleet-password <p>', 'the password the simulated fleet publishes with')
    .option('--influx-url <url>', 'InfluxDB (or VictoriaMetrics) as the time-series store instead of DuckDB')
    .option('--influx-token <t>', 'InfluxDB API token')
    .option('--influx-org <o>', 'InfluxDB organisation (default rwa)')
    .option('--influx-bucket <b>', 'InfluxDB bucket (default iot)')
    .addOption(
      new Option('--influx-query <kind>', 'query backend (default flux)').choices([
        'flux',
        'victoria-metrics',
      ]),
    )
    .option(
      '--rpc <url>',
      'external EVM node; operator key in DEMO_PRIVATE_KEY (holds gas money)',
      parseHttpUrlArg,
    )
    .option('--chain-id <id>', 'chain id of the external node', parsePositiveInt)
    .option('--ptau <file>', 'a prepared powers-of-tau file (public ceremony) instead of the development one')
    .option('--ev <n>', 'EV charging piles (default 40)', intArg({ min: 0, max: 1000 }))
    .option('--pv <n>', 'PV sites (default 10)', intArg({ min: 0, max: 1000 }))
    .option('--epochs <n>', 'epochs to prove, the first a baseline (default 3)', intArg({ min: 2, max: 30 }))
    .option('--speed <x>', 'simulated seconds per second (default 2400)', floatArg({ min: 0 }))
    .option('--provers <n>', 'proofs in parallel (default 2)', intArg({ min: 1, max: 64 }))
    .option('--data-dir <dir>', 'working folder, emptied at start (default data/demo)')
    .option('--seed <s>', 'seed of the fleet (default demo)')
    .option('--json <file>', 'also write the result as JSON')
    .addHelpText(
      'after',
      '\nEnvironment: DEMO_PRIVATE_KEY, the operator key of the chain given by --rpc (or by "chain" in --config).\n' +
        'Progress lines are pino logs on standard error (LOG_LEVEL, LOG_FORMAT); the summary goes to standard output.\n',
    );
}

/** Ctrl-C: the first stops the run cleanly, a second exits at once. */
function onInterrupt(controller: AbortController, io: CliIo): () => void {
  let interrupted = 0;
  const handler = () => {
    interrupted++;
    if (interrupted > 1) {
      io.stderr('demo: second Ctrl-C, exiting now\n');
      io.exit(EXIT.interrupted);
      return;
    }
    io.stderr('demo: stopping (Ctrl-C again to exit at once) ...\n');
    controller.abort();
  };
  const terminate = () => controller.abort();
  process.on('SIGINT', handler);
  process.on('SIGTERM', terminate);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', terminate);
  };
}

async function runDemoCommand(flags: DemoFlags, io: CliIo): Promise<void> {
  // DEMO_PRIVATE_KEY belongs to an external chain: read it only when one may be configured
  const env = flags.rpc !== undefined || flags.config !== undefined ? process.env : {};
  const options = loadDemoOptions({ file: flags.config, env, flags: demoFlagValues(flags) });
  const controller = new AbortController();
  const release = onInterrupt(controller, io);
  const loadAverageAtStart = loadavg().map((l) => Number(l.toFixed(2)));
  try {
    const result = await runDemo(options, {
      logger: createLogger({ base: { service: 'demo' } }),
      signal: controller.signal,
    });
    io.stdout(formatDemoSummary(result));
    if (flags.json) {
      const loadAverage = loadavg().map((l) => Number(l.toFixed(2)));
      writeFileSync(flags.json, `${toJson({ ...result, loadAverageAtStart, loadAverage }, 2)}\n`);
    }
    if (!result.verifier.ok)
      throw new DemoRunError('the investor verifier found problems', {
        details: `${result.verifier.findings.filter((f) => !f.ok).length} failed checks (see the summary)`,
        hint: 'read the failed checks in the summary above',
      });
  } catch (error) {
    if (!controller.signal.aborted) throw error;
    io.stderr('demo: interrupted; every process it started has been stopped\n');
    io.exit(EXIT.interrupted);
  } finally {
    release();
  }
}

/**
 * The demo program.
 *
 * @example
 * await runCli(createDemoProgram(), { exitOnSuccess: true });
 */
export function createDemoProgram(io: CliIo = processIo): Command {
  const program = createProgram(
    'demo',
    'The whole pipeline end to end: fleet, MQTT, gateway, ledger, proofs, chain, token holders, investor verifier.',
    io,
  );
  addOptions(program);
  program.action(async () => runDemoCommand(program.opts() as DemoFlags, io));
  return program;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runCli(createDemoProgram(), { exitOnSuccess: true });
}
