import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ApiRequestError } from '../errors.ts';
import type { ApiDeps } from './api-deps.ts';
import { getPoolEpochs, POOL_EPOCHS_PATH } from './attestations.ts';
import { getAggregates, getDeviceReadings, getFleet, getQuarantine } from './fleet-routes.ts';
import { sendJson } from './json.ts';
import { matchRoute, type Route } from './router.ts';
import { getHealth, getLedgerStats, getMetrics } from './status-routes.ts';

export type { ApiDeps } from './api-deps.ts';

/**
 * Routes of the HTTP API (JSON; bigints as decimal strings), matched in this order: `/health`, `/metrics`
 * (Prometheus text format), `/ledger/stats`, `/fleet`, `/aggregates`, `/devices/:id/readings`, `/quarantine`,
 * and, from an attached oracle, `/pools/:poolId/epochs` and `/pools/:poolId/epochs/:epoch`.
 */
export const API_ROUTES: readonly Route<ApiDeps>[] = [
  { path: '/health', handler: getHealth },
  { path: '/metrics', handler: getMetrics },
  { path: '/ledger/stats', handler: getLedgerStats },
  { path: '/fleet', handler: getFleet },
  { path: '/aggregates', handler: getAggregates },
  { path: /^\/devices\/(?<deviceId>[a-z0-9][a-z0-9-]{0,30})\/readings$/, handler: getDeviceReadings },
  { path: '/quarantine', handler: getQuarantine },
  { path: POOL_EPOCHS_PATH, handler: getPoolEpochs },
];

/**
 * Answers one request from `API_ROUTES` (GET only; trailing slashes ignored).
 *
 * @throws ApiRequestError 405 for another method, 404 for an unknown path, or the route's own error.
 */
export async function handleRequest(deps: ApiDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://gateway');
  if (req.method !== 'GET') throw new ApiRequestError(`method ${req.method} not allowed`, { status: 405 });
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const match = matchRoute(API_ROUTES, path);
  if (match === undefined)
    throw new ApiRequestError(`no route ${path}`, {
      status: 404,
      hint: 'routes: /health /fleet /aggregates /devices/:id/readings /quarantine /ledger/stats /metrics /pools/:poolId/epochs[/:epoch]',
    });
  await match.route.handler({ deps, path, params: match.params, query: url.searchParams, res });
}

/**
 * Starts the HTTP API on `host:port` (0 picks a free port).
 *
 * @example
 * const server = await startApiServer(deps, '127.0.0.1', 8080);
 */
export async function startApiServer(deps: ApiDeps, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    handleRequest(deps, req, res).catch((error: unknown) => {
      if (error instanceof ApiRequestError) {
        sendJson(res, error.status, { error: error.shortMessage, details: error.details, hint: error.hint });
      } else {
        deps.logger.error({ url: req.url, err: error }, 'api request failed');
        sendJson(res, 500, { error: error instanceof Error ? error.message : String(error) });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
