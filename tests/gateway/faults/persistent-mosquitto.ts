import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../lib/servers/ports.ts';
import { findExecutable, type ServerProcess, startServer } from '../../../lib/servers/process.ts';
import { TEST_SERVERS } from '../../../scripts/test-servers.ts';

/**
 * mosquitto with on-disk persistence (saved on a clean shutdown), so a restart on the same port and
 * directory keeps persistent sessions, their subscriptions and their queued QoS 1 messages.
 */
export async function startPersistentMosquitto(
  options: { port?: number; dir?: string } = {},
): Promise<ServerProcess & { url: string; dir: string }> {
  const binary = findExecutable(TEST_SERVERS.mosquitto.package, [...TEST_SERVERS.mosquitto.executables]);
  const port = options.port ?? (await freePort());
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'mosquitto-persistent-'));
  // mosquitto started as root drops to the `mosquitto` user and then cannot write its database
  // into a root-owned 0700 temp dir ("Error: Permission denied" at shutdown: no session survives).
  chmodSync(dir, 0o777);
  const config = join(dir, 'mosquitto.conf');
  writeFileSync(
    config,
    `${[
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence true',
      `persistence_location ${dir}/`,
      'autosave_interval 0',
      'max_queued_messages 1000000',
      'max_inflight_messages 0',
      'log_dest stdout',
      'log_type error',
      'log_type warning',
    ].join('\n')}\n`,
  );
  const server = await startServer(binary, ['-c', config], port);
  return { ...server, url: `mqtt://127.0.0.1:${port}`, dir };
}
