import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { BundleStore } from './bundles.ts';

/** A running bundle HTTP server. */
export interface BundleServer {
  /** Base URL of the bundles, e.g. `http://127.0.0.1:8790/bundles`. */
  readonly url: string;
  /** URL of the Prometheus metrics, when a registry was given, e.g. `http://127.0.0.1:8790/metrics`. */
  readonly metricsUrl: string | undefined;
  readonly port: number;
  close(): Promise<void>;
}

const SAFE_PATH = /^pool-\d{1,10}\/(epoch-\d{1,12}\/batch-\d{1,6}|registration\/count-\d{1,10})\.json$/;

/**
 * Serves the PUBLIC part of the proof bundles read-only over HTTP (JSON):
 * `GET /bundles/pool-<p>/epoch-<e>/batch-<k>.json`, `GET /bundles/pool-<p>/registration/count-<n>.json`,
 * and `GET /bundles/pool-<p>/index.json` (the list). Private readings are never reachable: only paths of the exact
 * shapes above, resolved under the public root, are served. With `metrics`, `GET /metrics` serves that Prometheus
 * registry in the text exposition format.
 *
 * @example
 * const server = await serveBundles(store, { port: 8790 });
 * console.log(server.url); // give this to investors for `npm run verify -- --bundles <url>`
 */
export async function serveBundles(
  store: BundleStore,
  options: { port?: number; host?: string; metrics?: Registry } = {},
): Promise<BundleServer> {
  const { metrics } = options;
  const host = options.host ?? '127.0.0.1';
  const server: Server = createServer(async (request, response) => {
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-cache' });
      response.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (request.method !== 'GET') return send(405, { error: 'only GET is served' });
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    if (path === '/metrics' && metrics) {
      try {
        const text = await metrics.metrics();
        response.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-cache' });
        return response.end(text);
      } catch (error) {
        return send(500, { error: `metrics collection failed: ${String(error)}` });
      }
    }
    if (!path.startsWith('/bundles/')) return send(404, { error: 'not found' });
    const relative = path.slice('/bundles/'.length);
    const index = /^pool-(\d{1,10})\/index\.json$/.exec(relative);
    if (index) return send(200, { bundles: store.list(Number(index[1])) });
    if (!SAFE_PATH.test(relative)) return send(404, { error: 'not found' });
    try {
      send(200, await readFile(join(store.publicRoot, relative), 'utf8'));
    } catch {
      send(404, { error: 'not found' });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}/bundles`,
    metricsUrl: metrics ? `http://${host}:${port}/metrics` : undefined,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
