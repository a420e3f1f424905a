import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../lib/servers/ports.ts';
import { findExecutable, type ServerProcess, startServer } from '../../lib/servers/process.ts';
import { TEST_SERVERS } from '../../scripts/test-servers.ts';

/**
 * Starts Debian's mosquitto on 127.0.0.1 with anonymous access and in-memory persistence.
 * Pass `port` to restart a broker on the same port (broker-restart fault tests).
 */
export async function startMosquitto(
  options: { port?: number } = {},
): Promise<ServerProcess & { url: string }> {
  const binary = findExecutable(TEST_SERVERS.mosquitto.package, [...TEST_SERVERS.mosquitto.executables]);
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'mosquitto-'));
  const config = join(dir, 'mosquitto.conf');
  writeFileSync(
    config,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      'max_queued_messages 1000000',
      'max_inflight_messages 0',
      'log_dest stdout',
      'log_type error',
      'log_type warning',
    ].join('\n') + '\n',
  );
  const server = await startServer(binary, ['-c', config], port);
  return { ...server, url: `mqtt://127.0.0.1:${port}` };
}
