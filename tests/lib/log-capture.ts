import { Writable } from 'node:stream';
import { createLogger, type Logger, type LogLevel } from '../../lib/log.ts';

/** A JSON-lines project logger whose parsed lines a test can read. */
export function capturedLogger(level: LogLevel = 'info'): {
  logger: Logger;
  lines: Array<Record<string, unknown>>;
} {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of chunk.toString().split('\n'))
        if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ level, format: 'json', destination }) };
}
