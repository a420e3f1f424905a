#!/usr/bin/env -S npx tsx
/**
 * Operator CLI of the gateway (`npm run gateway -- <command>`): run it, manage pools and devices in its
 * registry, read the ledger and quarantine (from the DuckDB file, or from a running gateway's HTTP API
 * with `--api`), and generate a mosquitto password file and ACL. `--help` on every command.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  type CliIo,
  type Command,
  createProgram,
  InvalidArgumentError,
  Option,
  parseBigIntArg,
  parseHttpUrlArg,
  parseNonNegativeInt,
  parsePort,
  parsePositiveInt,
  runCli,
  UsageError,
} from '../lib/cli/index.ts';
import { loadConfig } from '../lib/config.ts';
import { BaseError } from '../lib/errors.ts';
import { toJson } from '../lib/json.ts';
import { createLogger } from '../lib/log.ts';
import { publicRecord, REASON_CODES, readFleetKeyFile } from '../protocol/index.ts';
import { GATEWAY_ENV, loadGatewayConfig } from './config.ts';
import { openGatewayDb } from './db.ts';
import { startGateway } from './index.ts';
import { Ledger } from './ledger/ledger.ts';
import { mosquittoAuthFiles } from './mosquitto-auth.ts';
import { Quarantine } from './quarantine/quarantine.ts';
import { Registry } from './registry/registry.ts';

/** A running gateway's HTTP API could not be reached or refused a request. */
export class GatewayApiError extends BaseError {
  override name = 'GatewayApiError';
}

const MAX_TS = 2 ** 32 - 1;
const parseTs = (text: string) => {
  const value = parseNonNegativeInt(text);
  if (value > MAX_TS) throw new InvalidArgumentError(`expected unix seconds up to ${MAX_TS}, got ${text}`);
  return value;
};
const parseDeviceId = (text: string) => {
  if (!/^[a-z0-9][a-z0-9-]{0,30}$/.test(text))
    throw new InvalidArgumentError(`"${text}" is not a device id (^[a-z0-9][a-z0-9-]{0,30}$)`);
  return text;
};

/** Where the ledger-reading commands find their file: flags, `GATEWAY_*` variables, the configuration file. */
interface LedgerOptions {
  ledger?: string;
  config?: string;
}

const LEDGER_HELP = "the gateway's DuckDB file (default: GATEWAY_LEDGER_PATH or the config's ledgerPath)";
const CONFIG_HELP = 'gateway configuration file';

/**
 * The part of the gateway configuration the offline commands need (ledger path, MQTT service account),
 * through the one configuration path; the rest of the file is not checked here.
 */
function offlineConfig(options: LedgerOptions & { gatewayUser?: string }) {
  const needed = new Set(['ledgerPath', 'mqtt.username', 'mqtt.password']);
  return loadConfig({
    service: 'gateway',
    schema: z.looseObject({
      ledgerPath: z.string().min(1).optional(),
      mqtt: z
        .looseObject({ username: z.string().min(1).optional(), password: z.string().min(1).optional() })
        .optional(),
    }),
    ...(options.config ? { file: options.config } : {}),
    envBindings: GATEWAY_ENV.filter(([, path]) => needed.has(path)),
    flags: { ledgerPath: options.ledger, 'mqtt.username': options.gatewayUser },
    docs: 'gateway/README.md',
  });
}

function ledgerPathOf(options: LedgerOptions): string {
  const path = offlineConfig(options).ledgerPath;
  if (path === undefined)
    throw new UsageError('no ledger file given', {
      hint: 'pass --ledger PATH, --config PATH or set GATEWAY_LEDGER_PATH',
    });
  return path;
}

async function withDb<T>(
  options: LedgerOptions,
  fn: (parts: { registry: Registry; ledger: Ledger; quarantine: Quarantine }) => Promise<T>,
): Promise<T> {
  const db = await openGatewayDb(ledgerPathOf(options));
  try {
    const registry = await Registry.open(db);
    const quarantine = new Quarantine(db);
    await quarantine.init();
    return await fn({ registry, ledger: new Ledger(db), quarantine });
  } finally {
    db.close();
  }
}

/** GET `path` from a running gateway's API; throws a {@link GatewayApiError} on a refusal or no answer. */
export async function fetchGatewayApi(api: string, path: string): Promise<unknown> {
  const url = new URL(path, api.endsWith('/') ? api : `${api}/`);
  let response: Response;
  try {
    response = await fetch(url);
  } catch (cause) {
    throw new GatewayApiError(`no answer from the gateway API at ${api}`, {
      cause,
      hint: 'check --api and that the gateway is running (`npm run gateway -- serve`)',
    });
  }
  const text = await response.text();
  if (!response.ok)
    throw new GatewayApiError(
      `the gateway API refused GET ${url.pathname}${url.search} (HTTP ${response.status})`,
      {
        details: text.slice(0, 500),
      },
    );
  return JSON.parse(text) as unknown;
}

function addServe(program: Command): void {
  program
    .command('serve')
    .description(
      'run the gateway until SIGINT or SIGTERM (configuration: file < GATEWAY_* variables < flags)',
    )
    .option('--config <path>', 'gateway configuration file')
    .option('--ledger <path>', 'DuckDB file (ledgerPath)')
    .option('--mqtt-url <url>', 'broker URL (mqtt.url)')
    .option('--http-port <port>', 'HTTP API port, 0 picks one (http.port)', parsePort)
    .action(async (options) => {
      const config = loadGatewayConfig(options.config, process.env, {
        ledgerPath: options.ledger,
        'mqtt.url': options.mqttUrl,
        'http.port': options.httpPort,
      });
      const logger = createLogger({ level: config.logLevel, base: { service: 'gateway' } });
      const gateway = await startGateway(config, { waitForSubscription: false, logger });
      await new Promise<void>((done) => {
        process.once('SIGINT', () => done());
        process.once('SIGTERM', () => done());
      });
      await gateway.close();
    });
}

function addRegistryCommands(program: Command, print: (value: unknown) => void): void {
  const pool = program.command('pool').description('pools of the registry');

  pool
    .command('add')
    .description('add a pool')
    .requiredOption('--pool <id>', 'pool id', parsePositiveInt)
    .option('--currency <code>', 'ISO 4217 currency', 'CNY')
    .option('--decimals <n>', 'currency decimals', parseNonNegativeInt, 2)
    .requiredOption('--max-tariff <minor>', 'largest tariff in minor units per kWh', parseBigIntArg)
    .option('--epoch-length <s>', 'epoch length in seconds', parsePositiveInt, 86_400)
    .requiredOption('--genesis <ts>', 'start of epoch 1, unix seconds', parseTs)
    .option('--ledger <path>', LEDGER_HELP)
    .option('--config <path>', CONFIG_HELP)
    .action(async (options) => {
      await withDb(options, async ({ registry }) => {
        await registry.addPool({
          poolId: options.pool,
          currency: options.currency,
          decimals: options.decimals,
          maxTariffMinorPerKwh: options.maxTariff,
          epochLengthS: options.epochLength,
          genesisTs: options.genesis,
        });
        print(registry.getPool(options.pool));
      });
    });

  program
    .command('register')
    .description('register the devices of a fleet key file (only public parts are kept)')
    .requiredOption('--keys <file>', 'fleet key file')
    .option('--pool <id>', 'only the devices of this pool', parsePositiveInt)
    .option('--ledger <path>', LEDGER_HELP)
    .option('--config <path>', CONFIG_HELP)
    .action(async (options) => {
      const records = readFleetKeyFile(options.keys)
        .devices.filter((d) => options.pool === undefined || d.poolId === options.pool)
        .map(publicRecord);
      await withDb(options, async ({ registry }) => {
        const registered = await registry.registerDevices(records);
        print({ registered: registered.length, pools: [...new Set(registered.map((d) => d.poolId))] });
      });
    });
  const device = program.command('device').description('activate or deactivate a device');
  for (const action of ['activate', 'deactivate'] as const)
    device
      .command(action)
      .description(`${action} a device`)
      .requiredOption('--device <id>', 'device id', parseDeviceId)
      .option('--ledger <path>', LEDGER_HELP)
      .option('--config <path>', CONFIG_HELP)
      .action(async (options) => {
        await withDb(options, async ({ registry }) => {
          await registry.setActive(options.device, action === 'activate');
          print(registry.getDevice(options.device));
        });
      });
}

function addReadCommands(program: Command, print: (value: unknown) => void): void {
  const apiOption = () =>
    new Option('--api <url>', "query a running gateway's HTTP API instead of the file").argParser(
      parseHttpUrlArg,
    );

  program
    .command('devices')
    .description('list registered devices (with --api: the fleet view of a running gateway)')
    .option('--pool <id>', 'only this pool', parsePositiveInt)
    .addOption(apiOption())
    .option('--ledger <path>', LEDGER_HELP)
    .option('--config <path>', CONFIG_HELP)
    .action(async (options) => {
      if (options.api) {
        const fleet = (await fetchGatewayApi(options.api, 'fleet')) as {
          pools: Array<{ poolId: number; devices: object[] }>;
        };
        print(
          fleet.pools
            .filter((p) => options.pool === undefined || p.poolId === options.pool)
            .flatMap((p) => p.devices.map((d) => ({ poolId: p.poolId, ...d }))),
        );
        return;
      }
      await withDb(options, async ({ registry }) => print(registry.listDevices(options.pool)));
    });

  program
    .command('readings')
    .description('accepted readings of a device in [from, to)')
    .option('--ledger <path>', LEDGER_HELP)
    .option('--config <path>', CONFIG_HELP)
    .requiredOption('--device <id>', 'device id', parseDeviceId)
    .option('--from <ts>', 'from, unix seconds', parseTs, 0)
    .option('--to <ts>', 'to (exclusive), unix seconds', parseTs, MAX_TS)
    .addOption(apiOption())
    .action(async (options) => {
      if (options.api) {
        print(
          await fetchGatewayApi(
            options.api,
            `devices/${options.device}/readings?from=${options.from}&to=${options.to}`,
          ),
        );
        return;
      }
      await withDb(options, async ({ ledger }) =>
        print(await ledger.readingsOfDevice(options.device, options.from, options.to)),
      );
    });

  program
    .command('closing')
    .description('closing reading of every device of a pool in [from, to)')
    .option('--ledger <path>', LEDGER_HELP)
    .option('--config <path>', CONFIG_HELP)
    .requiredOption('--pool <id>', 'pool id', parsePositiveInt)
    .requiredOption('--from <ts>', 'from, unix seconds', parseTs)
    .requiredOption('--to <ts>', 'to (exclusive), unix seconds', parseTs)
    .action(async (options) => {
      await withDb(options, async ({ ledger }) =>
        print(await ledger.closingReadings(options.pool, options.from, options.to)),
      );
    });
  const quarantine = program.command('quarantine').description('refused messages');

  quarantine
    .command('list')
    .description('list quarantined messages, newest first')
    .addOption(new Option('--reason <code>', 'only this reason code').choices(REASON_CODES))
    .option('--device <id>', 'only this device', parseDeviceId)
    .option('--limit <n>', 'at most this many', parsePositiveInt, 100)
    .addOption(apiOption())
    .option('--ledger <path>', LEDGER_HELP)
    .option('--config <path>', CONFIG_HELP)
    .action(async (options) => {
      if (options.api) {
        const query = new URLSearchParams({ limit: String(options.limit) });
        if (options.reason) query.set('reason', options.reason);
        if (options.device) query.set('device', options.device);
        print(await fetchGatewayApi(options.api, `quarantine?${query}`));
        return;
      }
      await withDb(options, async ({ quarantine: q }) => {
        const entries = await q.list({
          ...(options.reason ? { reason: options.reason } : {}),
          ...(options.device ? { deviceId: options.device } : {}),
          limit: options.limit,
        });
        print(entries.map((e) => ({ ...e, payloadPrefix: Buffer.from(e.payloadPrefix).toString('utf8') })));
      });
    });
}

function addBrokerFiles(program: Command, print: (value: unknown) => void): void {
  program
    .command('broker-files')
    .description(
      'write a mosquitto 2 password file ($7$ PBKDF2-SHA512) and ACL for the registered devices and the gateway',
    )
    .requiredOption(
      '--keys <file>',
      'fleet key file the devices were registered from (holds their MQTT passwords)',
    )
    .requiredOption('--out-dir <dir>', 'folder for `passwd` and `acl`')
    .option(
      '--gateway-user <name>',
      "the gateway's MQTT username (default: mqtt.username, GATEWAY_MQTT_USERNAME)",
    )
    .option('--ledger <path>', LEDGER_HELP)
    .option('--config <path>', CONFIG_HELP)
    .action(async (options) => {
      const config = offlineConfig(options);
      const username = config.mqtt?.username;
      const password = config.mqtt?.password;
      if (username === undefined || password === undefined)
        throw new UsageError("the gateway's MQTT account is not set", {
          hint: 'set GATEWAY_MQTT_USERNAME and GATEWAY_MQTT_PASSWORD (or mqtt.username / mqtt.password in --config)',
        });
      const keys = readFleetKeyFile(options.keys);
      const files = await withDb(options, async ({ registry }) =>
        mosquittoAuthFiles(registry.listDevices(), keys, { username, password }),
      );
      mkdirSync(options.outDir, { recursive: true });
      const passwd = resolve(options.outDir, 'passwd');
      const acl = resolve(options.outDir, 'acl');
      writeFileSync(passwd, files.passwordFile, { mode: 0o600 });
      chmodSync(passwd, 0o600);
      writeFileSync(acl, files.aclFile);
      const { passwordFile: _p, aclFile: _a, ...summary } = files;
      print({ passwordFile: passwd, aclFile: acl, gateway: username, ...summary });
    });
}

/**
 * Builds the gateway's program; `io` is replaceable in tests.
 *
 * @example
 * await runCli(buildGatewayProgram(), { exitOnSuccess: true });
 */
export function buildGatewayProgram(io?: CliIo): Command {
  const program = createProgram('gateway', 'MQTT ingest, evidence ledger, quarantine and registry', io);
  const write = io?.stdout ?? ((text: string) => void process.stdout.write(text));
  const print = (value: unknown) => write(`${toJson(value)}\n`);
  program.addHelpText(
    'after',
    '\nDuckDB lets one process open the ledger for writing: stop the gateway to register devices, or read a running one with --api.',
  );
  addServe(program);
  addRegistryCommands(program, print);
  addReadCommands(program, print);
  addBrokerFiles(program, print);
  return program;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  await runCli(buildGatewayProgram(), { exitOnSuccess: true });
