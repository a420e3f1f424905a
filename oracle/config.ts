/**
 * The oracle's one configuration: a JSON file (`--config`), then `ORACLE_*` variables, then flags, checked
 * by {@link oracleConfigSchema}; and the choice of its signing key, which falls back to anvil's public test
 * key only on a local development chain.
 */
import type { Hex, PublicClient } from 'viem';
import { getChainId } from 'viem/actions';
import { z } from 'zod';
import { ANVIL_FIRST_TEST_KEY } from '../contracts/chain.ts';
import { type EnvBinding, loadConfig } from '../lib/config.ts';
import type { Logger } from '../lib/log.ts';
import { OracleConfigError } from './errors.ts';

/** Chain ids of local development chains (anvil, hardhat, ganache), where the public test key may sign. */
export const LOCAL_CHAIN_IDS: ReadonlySet<number> = new Set([31337, 1337]);

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });
const privateKey = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, 'must be a 0x-prefixed 32-byte hex private key')
  .transform((text) => text as Hex);

/** Schema of the oracle configuration (file, `ORACLE_*` variables and flags merged). */
export const oracleConfigSchema = z
  .object({
    /** JSON-RPC endpoint of the chain. */
    rpcUrl: httpUrl,
    /** The deployment file, `deployments/<chainId>.json`. */
    deployment: z.string().min(1),
    /** The gateway configuration file (`oracle run` starts the gateway in the same process). */
    gatewayConfig: z.string().min(1).optional(),
    /** Holds `oracle.duckdb` (job stages) and `bundles/` (proof bundles). */
    dataDir: z.string().min(1).default('data/oracle'),
    /** Grace period after an epoch's end for late readings, in seconds. */
    graceS: z
      .number()
      .int()
      .min(0)
      .max(86_400 * 30)
      .optional(),
    /** node-cron expression of the epoch checks (default every 10 s). */
    cron: z.string().min(1).optional(),
    /** Parallel proofs (default: the number of cores). */
    provers: z.number().int().min(1).max(256).optional(),
    /** Confirmations before a transaction counts. */
    confirmations: z.number().int().min(1).max(1000).optional(),
    /** Port of the proof-bundle HTTP server on 127.0.0.1; 0 picks one. */
    bundlePort: z.number().int().min(0).max(65_535).default(0),
    /** The oracle's key (holds each pool's attester role); from `ORACLE_PRIVATE_KEY`, never a flag. */
    privateKey: privateKey.optional(),
    /** A finalized ceremony's transcript.json per circuit instance; required off a local development chain. */
    ceremonyTranscripts: z.record(z.string().regex(/^[a-z0-9_]+$/), z.string().min(1)).optional(),
  })
  .strict();

/** Validated oracle configuration. */
export type OracleCliConfig = z.infer<typeof oracleConfigSchema>;

/** Environment variables of the oracle, the configuration path each sets, and how its text is read. */
export const ORACLE_ENV: readonly EnvBinding[] = [
  ['ORACLE_RPC_URL', 'rpcUrl', 'string'],
  ['ORACLE_DEPLOYMENT', 'deployment', 'string'],
  ['ORACLE_GATEWAY_CONFIG', 'gatewayConfig', 'string'],
  ['ORACLE_DATA_DIR', 'dataDir', 'string'],
  ['ORACLE_GRACE_S', 'graceS', 'int'],
  ['ORACLE_CRON', 'cron', 'string'],
  ['ORACLE_PROVERS', 'provers', 'int'],
  ['ORACLE_CONFIRMATIONS', 'confirmations', 'int'],
  ['ORACLE_BUNDLE_PORT', 'bundlePort', 'int'],
  ['ORACLE_PRIVATE_KEY', 'privateKey', 'string'],
];

/**
 * Loads the oracle configuration: `file` (when given), then `ORACLE_*` variables of `env`, then `flags`
 * (by field name; `undefined` entries are ignored). Throws a `ConfigError` naming every wrong field and
 * its source.
 *
 * @example
 * const config = loadOracleConfig({ file: 'oracle.json', flags: { rpcUrl: 'http://127.0.0.1:8545' } });
 */
export function loadOracleConfig(
  options: {
    file?: string;
    env?: NodeJS.ProcessEnv;
    flags?: Partial<Record<keyof OracleCliConfig, unknown>>;
  } = {},
): OracleCliConfig {
  return loadConfig({
    service: 'oracle',
    schema: oracleConfigSchema,
    ...(options.file === undefined ? {} : { file: options.file }),
    env: options.env ?? process.env,
    envBindings: ORACLE_ENV,
    flags: options.flags ?? {},
    docs: 'oracle/README.md',
  });
}

/**
 * The key the oracle signs with: the configured one, or anvil's public first test key when none is set
 * and the RPC's chain (asked with `getChainId`) is a local development chain, with a warning. Anywhere
 * else a missing key is an {@link OracleConfigError}: a well-known key must never sign for real value.
 *
 * @example
 * const key = await resolveOracleKey(config.privateKey, publicClient, log);
 */
export async function resolveOracleKey(
  configured: Hex | undefined,
  publicClient: PublicClient,
  log: Logger,
): Promise<Hex> {
  if (configured !== undefined) return configured;
  let chainId: number;
  try {
    chainId = await getChainId(publicClient);
  } catch (cause) {
    throw new OracleConfigError('ORACLE_PRIVATE_KEY is not set and the chain id could not be read', {
      cause,
      hint: 'set ORACLE_PRIVATE_KEY, or check the RPC URL',
    });
  }
  if (!LOCAL_CHAIN_IDS.has(chainId))
    throw new OracleConfigError(
      `ORACLE_PRIVATE_KEY is not set (chain ${chainId} is not a local development chain)`,
      {
        hint: "set ORACLE_PRIVATE_KEY to the key holding the pools' attester role; anvil's public test key is only used on chains 31337 and 1337",
      },
    );
  log.warn(
    { chainId },
    "ORACLE_PRIVATE_KEY is not set: signing with anvil's public first test key (local development chain only)",
  );
  return ANVIL_FIRST_TEST_KEY;
}
