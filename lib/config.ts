/**
 * The one configuration path of every service: a JSON file, then environment variables, then command-line
 * flags, merged in that order (later wins) and validated by one zod schema. An invalid value names its
 * field and where it came from (file, variable or flag), so a user knows what to change.
 */
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { BaseError } from './errors.ts';

/** Thrown when a configuration cannot be read or does not validate; names every wrong field. */
export class ConfigError extends BaseError {
  override name = 'ConfigError';
}

/** How an environment variable's text becomes a value. */
export type EnvValueType = 'string' | 'int' | 'bigint' | 'boolean' | 'list';

/** One environment variable and the dotted configuration path it sets, e.g. `['GATEWAY_HTTP_PORT', 'http.port', 'int']`. */
export type EnvBinding = readonly [name: string, path: string, type: EnvValueType];

/** Sources of {@link loadConfig}, lowest precedence first. */
export interface ConfigSources {
  /** Path of a JSON configuration file. */
  file?: string;
  /** The environment (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** The variables the service reads, with the path and type of each. */
  envBindings?: readonly EnvBinding[];
  /** Values from flags, by dotted path; `undefined` entries are ignored. */
  flags?: Record<string, unknown>;
}

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions<S extends z.ZodType> extends ConfigSources {
  /** Name used in messages, e.g. `gateway`. */
  service: string;
  /** The one schema of the service's configuration. */
  schema: S;
  /** Where the configuration is documented, for the hint. */
  docs?: string;
}

function readJsonFile(path: string, service: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(`cannot read ${service} configuration file ${path}`, { cause, hint: 'check the path' });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(`${service} configuration file ${path} is not valid JSON`, {
      cause,
      details: (cause as Error).message,
      hint: 'fix the JSON syntax',
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ConfigError(`${service} configuration file ${path} must hold a JSON object`);
  return value as Record<string, unknown>;
}

/** Sets `value` at a dotted `path` of `target`, creating objects on the way. */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const child = node[key];
    if (typeof child !== 'object' || child === null || Array.isArray(child)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1] as string] = value;
}

/** Parses an environment variable's text as `type`; throws a {@link ConfigError} naming the variable. */
export function parseEnvValue(name: string, raw: string, type: EnvValueType): unknown {
  switch (type) {
    case 'string':
      return raw;
    case 'int':
      if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(Number(raw)))
        throw new ConfigError(`${name}=${raw} is not an integer`, { hint: `set ${name} to a whole number` });
      return Number(raw);
    case 'bigint':
      if (!/^-?\d+$/.test(raw)) throw new ConfigError(`${name}=${raw} is not an integer`, { hint: `set ${name} to a whole number` });
      return BigInt(raw);
    case 'boolean':
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      throw new ConfigError(`${name}=${raw} is not a boolean`, { hint: `set ${name} to true or false` });
    case 'list':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
  }
}

/**
 * Loads and validates a service's configuration: file, then environment, then flags.
 *
 * @example
 * const config = loadConfig({
 *   service: 'oracle',
 *   schema: oracleConfigSchema,
 *   file: options.config,
 *   envBindings: [['ORACLE_RPC_URL', 'rpcUrl', 'string']],
 *   flags: { rpcUrl: options.rpc },
 * });
 */
export function loadConfig<S extends z.ZodType>(options: LoadConfigOptions<S>): z.infer<S> {
  const { service, schema } = options;
  const merged: Record<string, unknown> = options.file ? readJsonFile(options.file, service) : {};
  const origin = new Map<string, string>();
  if (options.file) origin.set('', `file ${options.file}`);
  const env = options.env ?? process.env;
  for (const [name, path, type] of options.envBindings ?? []) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    setPath(merged, path, parseEnvValue(name, raw, type));
    origin.set(path, `variable ${name}`);
  }
  for (const [path, value] of Object.entries(options.flags ?? {})) {
    if (value === undefined) continue;
    setPath(merged, path, value);
    origin.set(path, `flag for ${path}`);
  }
  const result = schema.safeParse(merged);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    const from = origin.get(path) ?? (options.file ? `file ${options.file}` : 'defaults');
    return `${path || '(root)'}: ${issue.message} (from ${from})`;
  });
  throw new ConfigError(`${service} configuration is invalid`, {
    details: problems.join('; '),
    hint: `fix these fields${options.docs ? ` (see ${options.docs})` : ''}`,
  });
}
