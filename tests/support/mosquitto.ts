import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../lib/servers/ports.ts';
import { findExecutable, type ServerProcess, startServer } from '../../lib/servers/process.ts';
import { TEST_SERVERS } from '../../scripts/test-servers.ts';

/**
 * Starts Debian's mosquitto on 127.0.0.1 with anonymous access and in-memory persistence.
 * Pass `port` to restart a broker on the same port (broker-restart fault tests), `auth` to require the
 * accounts of a mosquitto password file and apply an ACL file instead of anonymous access.
 */
export async function startMosquitto(
  options: { port?: number; auth?: { passwordFile: string; aclFile: string } } = {},
): Promise<ServerProcess & { url: string }> {
  const binary = findExecutable(TEST_SERVERS.mosquitto.package, [...TEST_SERVERS.mosquitto.executables]);
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'mosquitto-'));
  const config = join(dir, 'mosquitto.conf');
  writeFileSync(
    config,
    [
      `listener ${port} 127.0.0.1`,
      ...(options.auth
        ? [
            'allow_anonymous false',
            // stay the test's user (as root mosquitto would switch to an account that cannot read the files)
            `user ${userInfo().username}`,
            `password_file ${options.auth.passwordFile}`,
            `acl_file ${options.auth.aclFile}`,
          ]
        : ['allow_anonymous true']),
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
