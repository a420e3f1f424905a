/** Routes about the gateway itself: `/health`, `/metrics`, `/ledger/stats`. */
import type { ApiDeps } from './api-deps.ts';
import { sendJson } from './json.ts';
import type { RouteRequest } from './router.ts';

/** `GET /health`: the gateway's health, 200 when ok, 503 otherwise. */
export function getHealth({ deps, res }: RouteRequest<ApiDeps>): void {
  const health = deps.health();
  sendJson(res, health.ok ? 200 : 503, health);
}

/** `GET /metrics`: the gateway's metrics in Prometheus text format. */
export async function getMetrics({ deps, res }: RouteRequest<ApiDeps>): Promise<void> {
  const text = await deps.metrics.registry.metrics();
  res.writeHead(200, { 'content-type': deps.metrics.registry.contentType });
  res.end(text);
}

/** `GET /ledger/stats`: readings in the ledger and quarantined payloads by reason. */
export async function getLedgerStats({ deps, res }: RouteRequest<ApiDeps>): Promise<void> {
  sendJson(res, 200, {
    readings: await deps.ledger.count(),
    quarantineByReason: await deps.quarantine.countByReason(),
  });
}
