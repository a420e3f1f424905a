import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { REASON_CODES } from '../../protocol/index.ts';
import { ApiRequestError } from '../errors.ts';
import type { Ledger } from '../ledger/ledger.ts';
import type { Logger } from '../../lib/log.ts';
import type { GatewayMetrics } from '../metrics.ts';
import type { Quarantine } from '../quarantine/quarantine.ts';
import type { Registry } from '../registry/registry.ts';
import type { AggregateInterval, TimeSeriesStore } from '../timeseries/types.ts';
import type { DeviceState } from '../validation/evaluator.ts';
import { type AttestationViewsProvider, handleAttestationRoute } from './attestations.ts';
import { sendJson } from './json.ts';

/** What the API reads. */
export interface ApiDeps {
  registry: Registry;
  ledger: Ledger;
  quarantine: Quarantine;
  metrics: GatewayMetrics;
  timeSeries: TimeSeriesStore | undefined;
  heads(): ReadonlyMap<string, DeviceState>;
  health(): { ok: boolean; mqttConnected: boolean; failure: string | undefined; queueDepth: number };
  reportingWindowS: number;
  now(): number;
  logger: Logger;
  /** Epoch and attestation views, once an oracle is attached (`/pools/:poolId/epochs...`). */
  attestations?: () => AttestationViewsProvider | undefined;
}

const INTERVALS: readonly AggregateInterval[] = ['15m', '1h', '1d'];

function intParam(params: URLSearchParams, name: string, fallback?: number): number {
  const raw = params.get(name);
  if (raw === null || raw === '') {
    if (fallback !== undefined) return fallback;
    throw new ApiRequestError(`query parameter ${name} is required`);
  }
  if (!/^\d{1,15}$/.test(raw))
    throw new ApiRequestError(`query parameter ${name}=${raw} is not a non-negative integer`);
  return Number(raw);
}

/**
 * Routes of the HTTP API (JSON; bigints as decimal strings): `/health`, `/fleet`, `/aggregates`,
 * `/devices/:id/readings`, `/quarantine`, `/ledger/stats`, `/metrics` (Prometheus text format), and, from an
 * attached oracle, `/pools/:poolId/epochs` and `/pools/:poolId/epochs/:epoch`.
 */
export async function handleRequest(deps: ApiDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://gateway');
  const params = url.searchParams;
  if (req.method !== 'GET') throw new ApiRequestError(`method ${req.method} not allowed`, { status: 405 });
  const path = url.pathname.replace(/\/+$/, '') || '/';

  if (path === '/health') {
    const health = deps.health();
    return sendJson(res, health.ok ? 200 : 503, health);
  }
  if (path === '/metrics') {
    const text = await deps.metrics.registry.metrics();
    res.writeHead(200, { 'content-type': deps.metrics.registry.contentType });
    res.end(text);
    return;
  }
  if (path === '/ledger/stats') {
    return sendJson(res, 200, {
      readings: await deps.ledger.count(),
      quarantineByReason: await deps.quarantine.countByReason(),
    });
  }
  if (path === '/fleet') {
    const nowMs = deps.now();
    const windowMs = deps.reportingWindowS * 1000;
    const heads = deps.heads();
    const pools = deps.registry.listPools().map((pool) => {
      const devices = deps.registry.listDevices(pool.poolId).map((d) => {
        const head = heads.get(d.deviceId);
        return {
          deviceId: d.deviceId,
          siteId: d.siteId,
          kind: d.kind,
          active: d.active,
          lastSeq: head?.seq ?? null,
          lastTs: head?.ts ?? null,
          lastSeenAtMs: head?.lastReceivedAtMs ?? null,
          reporting: head !== undefined && nowMs - head.lastReceivedAtMs <= windowMs,
        };
      });
      return {
        poolId: pool.poolId,
        currency: pool.currency,
        registered: deps.registry.registeredDevices(pool.poolId, 'pool'),
        reporting: devices.filter((d) => d.reporting && d.active).length,
        devices,
      };
    });
    return sendJson(res, 200, { reportingWindowS: deps.reportingWindowS, pools });
  }
  if (path === '/aggregates') {
    if (deps.timeSeries === undefined)
      throw new ApiRequestError('no time-series store is configured', { status: 503 });
    const level = params.get('level') ?? 'pool';
    if (level !== 'pool' && level !== 'site' && level !== 'device')
      throw new ApiRequestError(`level=${level} must be pool, site or device`);
    const interval = (params.get('interval') ?? '1h') as AggregateInterval;
    if (!INTERVALS.includes(interval))
      throw new ApiRequestError(`interval=${interval} must be one of ${INTERVALS.join(', ')}`);
    const id = params.get('id') ?? undefined;
    const rows = await deps.timeSeries.query({
      poolId: intParam(params, 'pool'),
      level,
      ...(id === undefined ? {} : { id }),
      interval,
      fromTs: intParam(params, 'from'),
      toTs: intParam(params, 'to'),
    });
    return sendJson(res, 200, rows);
  }
  const deviceReadings = /^\/devices\/([a-z0-9][a-z0-9-]{0,30})\/readings$/.exec(path);
  if (deviceReadings) {
    const deviceId = deviceReadings[1] as string;
    if (deps.registry.getDevice(deviceId) === undefined)
      throw new ApiRequestError(`device ${deviceId} is not registered`, { status: 404 });
    const rows = await deps.ledger.readingsOfDevice(
      deviceId,
      intParam(params, 'from', 0),
      intParam(params, 'to', 2 ** 32),
      Math.min(intParam(params, 'limit', 10_000), 100_000),
    );
    return sendJson(res, 200, rows);
  }
  if (path === '/quarantine') {
    const reason = params.get('reason') ?? undefined;
    if (reason !== undefined && !(REASON_CODES as readonly string[]).includes(reason))
      throw new ApiRequestError(`reason=${reason} is not a reason code`, {
        details: REASON_CODES.join(', '),
      });
    const entries = await deps.quarantine.list({
      ...(reason === undefined ? {} : { reason }),
      ...(params.get('device') ? { deviceId: params.get('device') as string } : {}),
      ...(params.get('from') ? { fromMs: intParam(params, 'from') } : {}),
      ...(params.get('to') ? { toMs: intParam(params, 'to') } : {}),
      limit: intParam(params, 'limit', 100),
    });
    return sendJson(
      res,
      200,
      entries.map((e) => ({ ...e, payloadPrefix: Buffer.from(e.payloadPrefix).toString('utf8') })),
    );
  }
  if (await handleAttestationRoute(deps.attestations?.(), path, res)) return;
  throw new ApiRequestError(`no route ${path}`, {
    status: 404,
    hint: 'routes: /health /fleet /aggregates /devices/:id/readings /quarantine /ledger/stats /metrics /pools/:poolId/epochs[/:epoch]',
  });
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
