/**
 * The one structured logger of the project: pino, one JSON object per line for machines, pino-pretty for
 * a person at a terminal. Every service takes a `Logger` and makes a child per component
 * (`log.child({ component: 'ingest' })`), so each line says where it came from.
 *
 * Lines carry the level as its name (`"level":"info"`), the time as ISO 8601, and every bigint as a decimal
 * string (`"revenueMinor":"12345"`), as everywhere else in the project's JSON (see `lib/json.ts`).
 */
import { type DestinationStream, type Logger as PinoLogger, pino } from 'pino';
import pretty from 'pino-pretty';
import { z } from 'zod';

/** A project logger (pino's). */
export type Logger = PinoLogger;

/** Levels, least to most severe; `silent` logs nothing. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
/** A log level. */
export type LogLevel = (typeof LOG_LEVELS)[number];
/** zod schema of a log level, for the configuration schemas of the services. */
export const logLevelSchema = z.enum(LOG_LEVELS);

/** Output formats: `json` lines, `pretty` for people, `auto` = pretty on a terminal, else json. */
export type LogFormat = 'json' | 'pretty' | 'auto';

/** Options of {@link createLogger}. */
export interface CreateLoggerOptions {
  /** Minimum level (default `LOG_LEVEL` or `info`). */
  level?: LogLevel;
  /** Output format (default `LOG_FORMAT` or `auto`). */
  format?: LogFormat;
  /** Where lines go (default standard error, so standard output stays for a command's results). */
  destination?: DestinationStream | NodeJS.WritableStream;
  /** Fields on every line, e.g. `{ service: 'gateway' }`. */
  base?: Record<string, unknown>;
}

function envLevel(): LogLevel | undefined {
  const parsed = logLevelSchema.safeParse(process.env.LOG_LEVEL);
  return parsed.success ? parsed.data : undefined;
}

function envFormat(): LogFormat | undefined {
  const value = process.env.LOG_FORMAT;
  return value === 'json' || value === 'pretty' || value === 'auto' ? value : undefined;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Copies `value` with every bigint (in plain objects and arrays, at any depth) as its decimal string.
 * pino's serialiser would write a bigint as a bare JSON number, which JSON readers round to a float.
 * Other objects (errors, dates, buffers) are left to pino's serialisers.
 */
export function bigintsToStrings(value: unknown, depth = 0): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object' || value === null || depth > 16) return value;
  if (Array.isArray(value)) return value.map((item) => bigintsToStrings(item, depth + 1));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = bigintsToStrings(item, depth + 1);
  return out;
}

const formatters = {
  level: (label: string) => ({ level: label }),
  bindings: (bindings: Record<string, unknown>) => bigintsToStrings(bindings) as Record<string, unknown>,
  log: (fields: Record<string, unknown>) => bigintsToStrings(fields) as Record<string, unknown>,
};

/**
 * Creates the root logger of a process.
 *
 * @example
 * const log = createLogger({ base: { service: 'oracle' } });
 * log.child({ component: 'scheduler' }).info({ poolId: 1, epoch: 3 }, 'epoch started');
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const level = options.level ?? envLevel() ?? 'info';
  const format = options.format ?? envFormat() ?? 'auto';
  const destination = options.destination ?? process.stderr;
  const usePretty =
    format === 'pretty' || (format === 'auto' && (destination as { isTTY?: boolean }).isTTY === true);
  const stream = usePretty
    ? pretty({
        destination: destination as NodeJS.WritableStream,
        colorize: format === 'auto',
        sync: true,
        translateTime: 'SYS:HH:MM:ss.l',
      })
    : (destination as DestinationStream);
  const logger = pino(
    { level, base: options.base ?? {}, timestamp: pino.stdTimeFunctions.isoTime, formatters },
    stream,
  );
  return withStringBigintBindings(logger);
}

/**
 * pino applies the `bindings` formatter to the root's bindings only; children inherit `child` from the root
 * (each is `Object.create(parent)`), so converting here covers every descendant.
 */
function withStringBigintBindings(logger: Logger): Logger {
  const protoChild = logger.child;
  logger.child = function child(this: Logger, bindings, options) {
    return protoChild.call(this, bigintsToStrings(bindings) as typeof bindings, options);
  } as Logger['child'];
  return logger;
}

/** A logger that writes nothing: the default of library functions whose caller passed none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
