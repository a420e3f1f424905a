/**
 * The one structured logger of the project: pino, one JSON object per line for machines, pino-pretty for
 * a person at a terminal. Every service takes a `Logger` and makes a child per component
 * (`log.child({ component: 'ingest' })`), so each line says where it came from.
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

/**
 * Creates the root logger of a process.
 *
 * @example
 * const log = createLogger({ base: { service: 'oracle' } });
 * log.child({ component: 'scheduler' }).info({ poolId: 1 }, 'pool scheduled');
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const level = options.level ?? envLevel() ?? 'info';
  const format = options.format ?? envFormat() ?? 'auto';
  const destination = options.destination ?? process.stderr;
  const usePretty = format === 'pretty' || (format === 'auto' && (destination as { isTTY?: boolean }).isTTY === true);
  const stream = usePretty
    ? pretty({ destination: destination as NodeJS.WritableStream, colorize: format === 'auto', sync: true })
    : (destination as DestinationStream);
  return pino({ level, base: options.base ?? {}, timestamp: pino.stdTimeFunctions.isoTime }, stream);
}

/** A logger that writes nothing: the default of library functions whose caller passed none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
