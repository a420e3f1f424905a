import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../lib/servers/ports.ts';
import { findExecutable, type ServerProcess, startServer } from '../../lib/servers/process.ts';
import { TEST_SERVERS } from '../../scripts/test-servers.ts';

/**
 * Starts Debian's VictoriaMetrics on 127.0.0.1. It accepts InfluxDB line protocol at
 * `/api/v2/write` (the path `@influxdata/influxdb-client` writes to) and answers queries at
 * `/api/v1/export` and `/api/v1/query`. Pass `port` and `dataPath` to restart it with its data.
 */
export async function startVictoriaMetrics(
  options: { port?: number; dataPath?: string } = {},
): Promise<ServerProcess & { url: string; dataPath: string }> {
  const binary = findExecutable(TEST_SERVERS.victoriaMetrics.package, [
    ...TEST_SERVERS.victoriaMetrics.executables,
  ]);
  const port = options.port ?? (await freePort());
  const dataPath = options.dataPath ?? mkdtempSync(join(tmpdir(), 'victoria-'));
  const server = await startServer(
    binary,
    [
      `-httpListenAddr=127.0.0.1:${port}`,
      `-storageDataPath=${dataPath}`,
      '-retentionPeriod=100y',
      '-search.latencyOffset=0s',
      '-loggerLevel=ERROR',
    ],
    port,
  );
  return { ...server, url: `http://127.0.0.1:${port}`, dataPath };
}
