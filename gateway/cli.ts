#!/usr/bin/env -S npx tsx
import { parseArgs } from 'node:util';
import { publicRecord, REASON_CODES, readFleetKeyFile } from '../protocol/index.ts';
import { loadGatewayConfig } from './config.ts';
import { openGatewayDb } from './db.ts';
import { Ledger } from './ledger/ledger.ts';
import { Quarantine } from './quarantine/quarantine.ts';
import { Registry } from './registry/registry.ts';
import { startGateway } from './index.ts';
import { toJson } from './http/json.ts';
import { BaseError } from '../lib/errors.ts';

const HELP = `gateway: MQTT ingest, evidence ledger, quarantine and registry

Usage: npx tsx gateway/cli.ts <command> [options]

Commands
  serve [--config gateway.json]                 run the gateway (GATEWAY_* variables override the file)
  pool add --pool ID --currency CNY --decimals 2 --max-tariff 190 --epoch-length 86400 --genesis TS
  register --keys fleet.keys.json [--pool ID]   register the devices of a key file (only public parts are kept)
  device activate|deactivate --device ID
  devices [--pool ID]                           list registered devices
  readings --device ID [--from TS] [--to TS]    accepted readings of a device
  closing --pool ID --from TS --to TS           closing reading of every device of a pool in [from, to)
  quarantine list [--reason CODE] [--device ID] [--limit N] [--api URL]

Common options
  --ledger PATH   the gateway's DuckDB file (default: GATEWAY_LEDGER_PATH or the config's ledgerPath)
  --config PATH   configuration file
  --api URL       query a running gateway's HTTP API instead of opening the file
                  (DuckDB lets one process open the file for writing: stop the gateway to register devices)
`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    config: { type: 'string' },
    ledger: { type: 'string' },
    api: { type: 'string' },
    keys: { type: 'string' },
    pool: { type: 'string' },
    currency: { type: 'string' },
    decimals: { type: 'string' },
    'max-tariff': { type: 'string' },
    'epoch-length': { type: 'string' },
    genesis: { type: 'string' },
    device: { type: 'string' },
    reason: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    limit: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

class CliError extends BaseError {
  override name = 'CliError';
}

function int(name: string, fallback?: number): number {
  const raw = values[name as keyof typeof values];
  if (raw === undefined) {
    if (fallback !== undefined) return fallback;
    throw new CliError(`--${name} is required`, { hint: 'see npx tsx gateway/cli.ts --help' });
  }
  if (typeof raw !== 'string' || !/^\d+$/.test(raw))
    throw new CliError(`--${name} ${raw} is not a non-negative integer`);
  return Number(raw);
}

function ledgerPath(): string {
  if (values.ledger) return values.ledger;
  if (process.env.GATEWAY_LEDGER_PATH) return process.env.GATEWAY_LEDGER_PATH;
  if (values.config) return loadGatewayConfig(values.config).ledgerPath;
  throw new CliError('no ledger file given', {
    hint: 'pass --ledger PATH, --config PATH or set GATEWAY_LEDGER_PATH',
  });
}

async function withDb<T>(
  fn: (parts: { registry: Registry; ledger: Ledger; quarantine: Quarantine }) => Promise<T>,
) {
  const db = await openGatewayDb(ledgerPath());
  try {
    const registry = await Registry.open(db);
    const quarantine = new Quarantine(db);
    await quarantine.init();
    return await fn({ registry, ledger: new Ledger(db), quarantine });
  } finally {
    db.close();
  }
}

const print = (value: unknown) => process.stdout.write(`${toJson(value)}\n`);

async function main(): Promise<void> {
  const [command, sub] = positionals;
  if (values.help || command === undefined) {
    process.stdout.write(HELP);
    return;
  }
  switch (command) {
    case 'serve': {
      const gateway = await startGateway(loadGatewayConfig(values.config), { waitForSubscription: false });
      const stop = () => {
        gateway.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      return;
    }
    case 'pool': {
      if (sub !== 'add') throw new CliError(`unknown pool command ${sub}`, { hint: 'use: pool add ...' });
      await withDb(async ({ registry }) => {
        await registry.addPool({
          poolId: int('pool'),
          currency: values.currency ?? 'CNY',
          decimals: int('decimals', 2),
          maxTariffMinorPerKwh: BigInt(int('max-tariff')),
          epochLengthS: int('epoch-length', 86_400),
          genesisTs: int('genesis'),
        });
        print(registry.getPool(int('pool')));
      });
      return;
    }
    case 'register': {
      if (!values.keys) throw new CliError('--keys is required');
      const file = readFleetKeyFile(values.keys);
      const pool = values.pool === undefined ? undefined : int('pool');
      const records = file.devices.filter((d) => pool === undefined || d.poolId === pool).map(publicRecord);
      await withDb(async ({ registry }) => {
        const registered = await registry.registerDevices(records);
        print({ registered: registered.length, pools: [...new Set(registered.map((d) => d.poolId))] });
      });
      return;
    }
    case 'device': {
      if (sub !== 'activate' && sub !== 'deactivate')
        throw new CliError('use: device activate|deactivate --device ID');
      if (!values.device) throw new CliError('--device is required');
      const deviceId = values.device;
      await withDb(async ({ registry }) => {
        await registry.setActive(deviceId, sub === 'activate');
        print(registry.getDevice(deviceId));
      });
      return;
    }
    case 'devices': {
      const pool = values.pool === undefined ? undefined : int('pool');
      await withDb(async ({ registry }) => print(registry.listDevices(pool)));
      return;
    }
    case 'readings': {
      if (!values.device) throw new CliError('--device is required');
      const deviceId = values.device;
      if (values.api) {
        const res = await fetch(
          `${values.api}/devices/${deviceId}/readings?from=${int('from', 0)}&to=${int('to', 2 ** 32)}`,
        );
        process.stdout.write(`${await res.text()}\n`);
        return;
      }
      await withDb(async ({ ledger }) =>
        print(await ledger.readingsOfDevice(deviceId, int('from', 0), int('to', 2 ** 32))),
      );
      return;
    }
    case 'closing': {
      await withDb(async ({ ledger }) =>
        print(await ledger.closingReadings(int('pool'), int('from'), int('to'))),
      );
      return;
    }
    case 'quarantine': {
      if (sub !== 'list')
        throw new CliError('use: quarantine list [--reason CODE] [--device ID] [--limit N]');
      if (values.reason !== undefined && !(REASON_CODES as readonly string[]).includes(values.reason))
        throw new CliError(`--reason ${values.reason} is not a reason code`, {
          details: REASON_CODES.join(', '),
        });
      if (values.api) {
        const query = new URLSearchParams();
        if (values.reason) query.set('reason', values.reason);
        if (values.device) query.set('device', values.device);
        query.set('limit', String(int('limit', 100)));
        const res = await fetch(`${values.api}/quarantine?${query}`);
        process.stdout.write(`${await res.text()}\n`);
        return;
      }
      await withDb(async ({ quarantine }) => {
        const entries = await quarantine.list({
          ...(values.reason ? { reason: values.reason } : {}),
          ...(values.device ? { deviceId: values.device } : {}),
          limit: int('limit', 100),
        });
        print(entries.map((e) => ({ ...e, payloadPrefix: Buffer.from(e.payloadPrefix).toString('utf8') })));
      });
      return;
    }
    default:
      throw new CliError(`unknown command ${command}`, { hint: 'see npx tsx gateway/cli.ts --help' });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
