import { z } from 'zod';
import { type EnvBinding, loadConfig } from '../lib/config.ts';
import { DemoConfigError } from './errors.ts';

const hexKey = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, 'must be a 32-byte hex private key (0x + 64 hex digits)');

/**
 * Schema of the demo's options. Every external part is optional: without it the demo starts the embedded
 * default (aedes broker in-process, DuckDB time-series store, anvil from npm, a development ptau).
 */
export const demoOptionsSchema = z
  .strictObject({
    /** Seed of the fleet (device keys, sessions, weather, faults). */
    seed: z.string().min(1).default('demo'),
    evPiles: z.number().int().min(0).max(1000).default(40),
    pvSites: z.number().int().min(0).max(1000).default(10),
    /** Epochs to prove; the first is the short baseline epoch (each device's first closing reading). */
    epochs: z.number().int().min(2).max(30).default(3),
    /** Simulated epoch length. */
    epochLengthS: z
      .number()
      .int()
      .min(600)
      .max(7 * 86_400)
      .default(21_600),
    /** Simulated time of the first epoch that carries readings (the rest of it lies before the fleet starts). */
    baselineS: z.number().int().min(60).default(3_600),
    /** Seconds between two readings of a device (simulated). */
    intervalS: z.number().int().min(10).default(600),
    /** Simulated seconds per wall-clock second. */
    speed: z.number().positive().default(2_400),
    /** Fault rates per reading (simulator fault kinds); they must show up in quarantine. */
    faults: z.record(z.string(), z.number().min(0).max(1)).default({
      duplicate: 0.01,
      tamper: 0.004,
      malformed: 0.003,
      replay: 0.003,
      clockSkew: 0.003,
      counterReset: 0.003,
      oversized: 0.002,
    }),
    /** Circuit instances of the pool (circuits/circuits.json), same tree depth. */
    epochInstance: z
      .string()
      .regex(/^[a-z0-9_]+$/)
      .default('epoch_demo'),
    registrationInstance: z
      .string()
      .regex(/^[a-z0-9_]+$/)
      .default('registration_demo'),
    /** Token holders and their token amounts (whole tokens, 18 decimals on-chain). */
    investorTokens: z.array(z.number().int().positive()).min(1).max(20).default([500, 300, 200]),
    /** Investors' share of revenue, basis points. */
    investorShareBps: z.number().int().min(1).max(10_000).default(7_000),
    /** Working folder of this run (ledger, oracle stages, proof bundles); emptied at start. */
    dataDir: z.string().min(1).default('data/demo'),
    proverConcurrency: z.number().int().min(1).max(64).default(2),
    /** External MQTT broker (mosquitto, EMQX) instead of the embedded aedes broker. */
    broker: z
      .strictObject({
        url: z
          .string()
          .regex(
            /^(mqtts?|tcp|ssl|wss?):\/\//,
            'must start with mqtt://, mqtts://, tcp://, ssl:// or ws(s)://',
          ),
        /** The gateway's account on that broker (omit for anonymous). */
        username: z.string().min(1).optional(),
        password: z.string().min(1).optional(),
        /** Account the simulated fleet publishes with (a relay for many devices; omit for anonymous). */
        fleetUsername: z.string().min(1).optional(),
        fleetPassword: z.string().min(1).optional(),
      })
      .optional(),
    /** External InfluxDB (2.x/3.x/Cloud, or VictoriaMetrics) for the time-series store. */
    influx: z
      .strictObject({
        url: z.string().url(),
        /** API token (VictoriaMetrics accepts any). */
        token: z.string().min(1, 'an InfluxDB API token is required'),
        org: z.string().default('rwa'),
        bucket: z.string().min(1).default('iot'),
        /** Query backend: `flux` for InfluxDB 2, `victoria-metrics` for VictoriaMetrics (default: flux). */
        query: z.enum(['flux', 'victoria-metrics']).default('flux'),
      })
      .optional(),
    /** External EVM node and the operator's funded key, instead of a local anvil. */
    chain: z
      .strictObject({ rpcUrl: z.string().url(), privateKey: hexKey, chainId: z.number().int().positive() })
      .optional(),
    /** A prepared (phase-2) powers-of-tau file, e.g. from a public ceremony, instead of the development ptau. */
    ptauPath: z.string().min(1).optional(),
  })
  .refine((o) => o.evPiles + o.pvSites > 0, 'the pool needs at least one device')
  .refine((o) => o.baselineS <= o.epochLengthS, 'baselineS must not exceed epochLengthS');

/** Options as written (defaults optional). */
export type DemoOptionsInput = z.input<typeof demoOptionsSchema>;
/** Options with every default filled in. */
export type DemoOptions = z.output<typeof demoOptionsSchema>;

/**
 * Validates demo options and fills in defaults; throws {@link DemoConfigError} naming every wrong field.
 *
 * @example
 * const options = parseDemoOptions({ broker: { url: 'mqtt://127.0.0.1:1883' } });
 */
export function parseDemoOptions(input: unknown): DemoOptions {
  const result = demoOptionsSchema.safeParse(input);
  if (!result.success) {
    throw new DemoConfigError('invalid demo options', {
      details: result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
      hint: 'see "Configuration" in README.md',
    });
  }
  return result.data;
}

/** Environment variables of the demo: the operator key of an external chain (with `--rpc`). */
export const DEMO_ENV: readonly EnvBinding[] = [['DEMO_PRIVATE_KEY', 'chain.privateKey', 'string']];

/**
 * Loads the demo's options: `--config` file < `DEMO_PRIVATE_KEY` < flags (by dotted path, e.g. `evPiles`,
 * `broker.url`), through the project's `loadConfig`; every wrong field is named with its source.
 *
 * @example
 * const options = loadDemoOptions({ file: 'demo.json', flags: { evPiles: 8 } });
 */
export function loadDemoOptions(sources: {
  file?: string;
  env?: NodeJS.ProcessEnv;
  flags?: Record<string, unknown>;
}): DemoOptions {
  return loadConfig({
    service: 'demo',
    schema: demoOptionsSchema,
    file: sources.file,
    env: sources.env,
    envBindings: DEMO_ENV,
    flags: sources.flags,
    docs: 'demo/README.md',
  });
}
