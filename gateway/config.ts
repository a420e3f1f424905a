import { z } from 'zod';
import { type EnvBinding, loadConfig } from '../lib/config.ts';
import { GatewayConfigError } from './errors.ts';

const positiveInt = z.number().int().positive();
const text = z.string().min(1);

/** Bucketing shared by every time-series store: interval lengths and the boundary offset. */
const bucketingFields = {
  /** Interval lengths in seconds (default 15m = 900, 1h = 3600, 1d = 86400). */
  intervalsS: z
    .object({ '15m': positiveInt, '1h': positiveInt, '1d': positiveInt })
    .partial()
    .strict()
    .optional(),
  /** Offset of bucket boundaries from the unix epoch in seconds (-28800 for China-time days). */
  bucketOffsetS: z.number().int().optional(),
};

/** The embedded DuckDB store. */
const duckDbTimeSeriesSchema = z
  .object({ kind: z.literal('duckdb'), path: text, ...bucketingFields })
  .strict();

/** InfluxDB line protocol (InfluxDB 2/3/Cloud, VictoriaMetrics) with its on-disk buffer. */
const influxTimeSeriesSchema = z
  .object({
    kind: z.literal('influx'),
    url: z.url({ protocol: /^https?$/ }),
    token: text,
    org: text,
    bucket: text,
    /** Folder of the on-disk buffer (one store per folder). */
    bufferDir: text,
    measurement: text.optional(),
    batchSize: positiveInt.optional(),
    flushIntervalMs: positiveInt.optional(),
    maxBufferBytes: positiveInt.optional(),
    segmentBytes: positiveInt.optional(),
    fsync: z.boolean().optional(),
    requestTimeoutMs: positiveInt.optional(),
    retry: z
      .object({
        minDelayMs: positiveInt,
        maxDelayMs: positiveInt,
        factor: z.number().min(1),
        jitter: z.number().min(0).max(1),
      })
      .partial()
      .strict()
      .optional(),
    closeTimeoutMs: z.number().int().min(0).optional(),
    /** Where queries go: Flux (default), VictoriaMetrics' export API, or a DuckDB file written alongside. */
    query: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.literal('flux') }).strict(),
        z
          .object({ kind: z.literal('victoria-metrics'), url: z.url({ protocol: /^https?$/ }).optional() })
          .strict(),
        z.object({ kind: z.literal('duckdb'), path: text }).strict(),
      ])
      .optional(),
    ...bucketingFields,
  })
  .strict();

/**
 * The `timeseries` section: `duckdb` (the default when `kind` is left out), `influx`, or `none` (no store).
 * The stores' own options (see gateway/timeseries/README.md) minus the registry callback, which the
 * gateway supplies.
 */
export const timeSeriesConfigSchema = z.preprocess(
  (value) =>
    typeof value === 'object' && value !== null && !Array.isArray(value) && !('kind' in value)
      ? { ...value, kind: 'duckdb' }
      : value,
  z.discriminatedUnion('kind', [
    duckDbTimeSeriesSchema,
    influxTimeSeriesSchema,
    z.object({ kind: z.literal('none') }).strict(),
  ]),
);

/** A validated `timeseries` section. */
export type TimeSeriesSection = z.infer<typeof timeSeriesConfigSchema>;

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
    /** Time-series store (default: a DuckDB file beside the ledger); `{ kind: 'none' }` disables it. */
    timeseries: timeSeriesConfigSchema.optional(),
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

/** Environment variables, the configuration path each sets, and how its text is read. */
export const GATEWAY_ENV: readonly EnvBinding[] = [
  ['GATEWAY_MQTT_URL', 'mqtt.url', 'string'],
  ['GATEWAY_MQTT_CLIENT_ID', 'mqtt.clientId', 'string'],
  ['GATEWAY_MQTT_USERNAME', 'mqtt.username', 'string'],
  ['GATEWAY_MQTT_PASSWORD', 'mqtt.password', 'string'],
  ['GATEWAY_MQTT_TOPIC', 'mqtt.topic', 'string'],
  ['GATEWAY_LEDGER_PATH', 'ledgerPath', 'string'],
  ['GATEWAY_HTTP_HOST', 'http.host', 'string'],
  ['GATEWAY_HTTP_PORT', 'http.port', 'int'],
  ['GATEWAY_MAX_CLOCK_SKEW_S', 'validation.maxClockSkewS', 'int'],
  ['GATEWAY_ENERGY_MARGIN_PERMILLE', 'validation.energyMarginPermille', 'int'],
  ['GATEWAY_BATCH_MAX_SIZE', 'batch.maxSize', 'int'],
  ['GATEWAY_BATCH_MAX_DELAY_MS', 'batch.maxDelayMs', 'int'],
  ['GATEWAY_OUT_OF_ORDER', 'validation.outOfOrder', 'string'],
  ['GATEWAY_VERIFY_THREADS', 'verify.threads', 'int'],
  ['GATEWAY_LOG_LEVEL', 'logLevel', 'string'],
];

/** Values given as command-line flags, by configuration path (e.g. `{ ledgerPath, 'http.port': 0 }`). */
export type GatewayConfigFlags = Record<string, unknown>;

/**
 * Loads the configuration through the project's one path: the JSON file at `path` (when given), then
 * `GATEWAY_*` variables from `env`, then `flags`, validated by {@link gatewayConfigSchema}. Throws a
 * `ConfigError` naming every wrong field and where it came from.
 *
 * @example
 * const config = loadGatewayConfig('gateway.json', process.env, { 'http.port': 0 });
 */
export function loadGatewayConfig(
  path: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  flags: GatewayConfigFlags = {},
): GatewayConfig {
  return loadConfig({
    service: 'gateway',
    schema: gatewayConfigSchema,
    ...(path === undefined ? {} : { file: path }),
    env,
    envBindings: GATEWAY_ENV,
    flags,
    docs: 'gateway/README.md',
  });
}
