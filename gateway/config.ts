import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { GatewayConfigError } from './errors.ts';

const positiveInt = z.number().int().positive();

/** Schema of the gateway configuration (file and environment merged). */
export const gatewayConfigSchema = z
  .object({
    mqtt: z
      .object({
        /** Broker URL, e.g. `mqtt://127.0.0.1:1883`. */
        url: z
          .string()
          .regex(
            /^(mqtts?|tcp|ssl|wss?):\/\//,
            'must start with mqtt://, mqtts://, tcp://, ssl:// or ws(s)://',
          ),
        /** Stable client id: the broker keeps the persistent session (and queued readings) under it. */
        clientId: z.string().min(1).max(64).default('gateway-1'),
        username: z.string().min(1).optional(),
        password: z.string().min(1).optional(),
        /** Subscription filter; `$share/gateway/fleet/+/+/reading` for replicas on an MQTT 5 cluster. */
        topic: z.string().min(1).default('fleet/+/+/reading'),
        reconnectPeriodMs: positiveInt.default(1000),
      })
      .strict(),
    /** Path of the DuckDB file holding registry, evidence ledger and quarantine. */
    ledgerPath: z.string().min(1),
    http: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        /** 0 picks a free port. */
        port: z.number().int().min(0).max(65535).default(8080),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 8080 }),
    validation: z
      .object({
        /** Largest allowed |reading ts - gateway time| in seconds. */
        maxClockSkewS: positiveInt.default(300),
        /** Physical plausibility margin in permille: 1000 = exactly rated power x elapsed time (what the circuit checks). */
        energyMarginPermille: z.number().int().min(1000).max(10_000).default(1000),
        /**
         * A genuine reading received after one with a higher sequence: `reject` (default, SPEC section 4:
         * SEQUENCE_REPLAY; its energy and revenue are inside the later reading's delta and its payload is
         * kept whole in quarantine) or `accept-late` (stored in the ledger as a late reading with zero deltas
         * when it fits between its accepted neighbours).
         */
        outOfOrder: z.enum(['reject', 'accept-late']).default('reject'),
      })
      .strict()
      .default({ maxClockSkewS: 300, energyMarginPermille: 1000, outOfOrder: 'reject' }),
    batch: z
      .object({
        /** A batch is closed when it holds this many messages... */
        maxSize: positiveInt.max(50_000).default(2000),
        /**
         * ...or when its first message has waited this long (and a signature worker is free). Longer waits
         * give larger batches, which verify and commit cheaper per reading, for a little more latency.
         */
        maxDelayMs: positiveInt.max(10_000).default(50),
      })
      .strict()
      .default({ maxSize: 2000, maxDelayMs: 50 }),
    verify: z
      .object({
        /** Signature-verification worker threads; 0 verifies on the main thread. */
        threads: z.number().int().min(0).max(64).default(2),
      })
      .strict()
      .default({ threads: 2 }),
    quarantine: z
      .object({ payloadPrefixBytes: z.number().int().min(0).max(65_536).default(2048) })
      .strict()
      .default({ payloadPrefixBytes: 2048 }),
    fleet: z
      .object({ reportingWindowS: positiveInt.default(900) })
      .strict()
      .default({ reportingWindowS: 900 }),
    /** Time-series store configuration, handed to `createTimeSeriesStore`; `{ kind: 'none' }` disables it. */
    timeseries: z.looseObject({ kind: z.string().min(1) }).optional(),
    logLevel: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  })
  .strict();

/** Validated gateway configuration. */
export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
/** Configuration as written by a user (defaults not yet applied). */
export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>;

/**
 * Validates a configuration object, applying defaults. Throws a {@link GatewayConfigError} that names
 * every wrong field.
 *
 * @example
 * const config = parseGatewayConfig({ mqtt: { url: 'mqtt://127.0.0.1:1883' }, ledgerPath: 'data/ledger.duckdb' });
 */
export function parseGatewayConfig(input: unknown): GatewayConfig {
  const result = gatewayConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new GatewayConfigError('gateway configuration is invalid', {
    details: problems.join('; '),
    hint: 'fix these fields in the configuration file or the GATEWAY_* environment variables (see gateway/README.md)',
  });
}

/** Environment variables and the configuration path they override. */
const ENV_KEYS: ReadonlyArray<[string, string[], 'string' | 'int']> = [
  ['GATEWAY_MQTT_URL', ['mqtt', 'url'], 'string'],
  ['GATEWAY_MQTT_CLIENT_ID', ['mqtt', 'clientId'], 'string'],
  ['GATEWAY_MQTT_USERNAME', ['mqtt', 'username'], 'string'],
  ['GATEWAY_MQTT_PASSWORD', ['mqtt', 'password'], 'string'],
  ['GATEWAY_MQTT_TOPIC', ['mqtt', 'topic'], 'string'],
  ['GATEWAY_LEDGER_PATH', ['ledgerPath'], 'string'],
  ['GATEWAY_HTTP_HOST', ['http', 'host'], 'string'],
  ['GATEWAY_HTTP_PORT', ['http', 'port'], 'int'],
  ['GATEWAY_MAX_CLOCK_SKEW_S', ['validation', 'maxClockSkewS'], 'int'],
  ['GATEWAY_ENERGY_MARGIN_PERMILLE', ['validation', 'energyMarginPermille'], 'int'],
  ['GATEWAY_BATCH_MAX_SIZE', ['batch', 'maxSize'], 'int'],
  ['GATEWAY_BATCH_MAX_DELAY_MS', ['batch', 'maxDelayMs'], 'int'],
  ['GATEWAY_OUT_OF_ORDER', ['validation', 'outOfOrder'], 'string'],
  ['GATEWAY_VERIFY_THREADS', ['verify', 'threads'], 'int'],
  ['GATEWAY_LOG_LEVEL', ['logLevel'], 'string'],
];

/**
 * Loads the configuration: the JSON file at `path` (when given), then `GATEWAY_*` variables from
 * `env` on top, then validation.
 *
 * @example
 * const config = loadGatewayConfig('gateway.json', process.env);
 */
export function loadGatewayConfig(
  path: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): GatewayConfig {
  let base: Record<string, unknown> = {};
  if (path !== undefined) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (cause) {
      throw new GatewayConfigError(`cannot read gateway configuration file ${path}`, {
        cause,
        hint: 'check the path',
      });
    }
    try {
      base = JSON.parse(text) as Record<string, unknown>;
    } catch (cause) {
      throw new GatewayConfigError(`gateway configuration file ${path} is not valid JSON`, { cause });
    }
  }
  for (const [name, keys, type] of ENV_KEYS) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    let value: unknown = raw;
    if (type === 'int') {
      if (!/^-?\d+$/.test(raw)) throw new GatewayConfigError(`${name}=${raw} is not an integer`);
      value = Number(raw);
    }
    let node = base;
    for (const key of keys.slice(0, -1)) {
      const child = node[key];
      node[key] = typeof child === 'object' && child !== null ? child : {};
      node = node[key] as Record<string, unknown>;
    }
    node[keys[keys.length - 1] as string] = value;
  }
  return parseGatewayConfig(base);
}
