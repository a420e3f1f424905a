/** Routes over the fleet and its data: `/fleet`, `/aggregates`, `/devices/:id/readings`, `/quarantine`. */
import { REASON_CODES } from '../../protocol/index.ts';
import { ApiRequestError } from '../errors.ts';
import type { AggregateInterval } from '../timeseries/types.ts';
import type { ApiDeps } from './api-deps.ts';
import { sendJson } from './json.ts';
import { intParam } from './query.ts';
import type { RouteRequest } from './router.ts';

const INTERVALS: readonly AggregateInterval[] = ['15m', '1h', '1d'];

/** `GET /fleet`: every pool's devices with their last reading and whether they report within the window. */
export function getFleet({ deps, res }: RouteRequest<ApiDeps>): void {
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
  sendJson(res, 200, { reportingWindowS: deps.reportingWindowS, pools });
}

/**
 * `GET /aggregates?pool&from&to[&level][&id][&interval]`: time-series aggregates.
 * 503 without a time-series store; 400 for a bad level, interval or integer.
 */
export async function getAggregates({ deps, query, res }: RouteRequest<ApiDeps>): Promise<void> {
  if (deps.timeSeries === undefined)
    throw new ApiRequestError('no time-series store is configured', { status: 503 });
  const level = query.get('level') ?? 'pool';
  if (level !== 'pool' && level !== 'site' && level !== 'device')
    throw new ApiRequestError(`level=${level} must be pool, site or device`);
  const interval = (query.get('interval') ?? '1h') as AggregateInterval;
  if (!INTERVALS.includes(interval))
    throw new ApiRequestError(`interval=${interval} must be one of ${INTERVALS.join(', ')}`);
  const id = query.get('id') ?? undefined;
  const rows = await deps.timeSeries.query({
    poolId: intParam(query, 'pool'),
    level,
    ...(id === undefined ? {} : { id }),
    interval,
    fromTs: intParam(query, 'from'),
    toTs: intParam(query, 'to'),
  });
  sendJson(res, 200, rows);
}

/** `GET /devices/:deviceId/readings[?from&to&limit]`: a device's readings from the ledger; 404 if unregistered. */
export async function getDeviceReadings({ deps, params, query, res }: RouteRequest<ApiDeps>): Promise<void> {
  const deviceId = params.deviceId as string;
  if (deps.registry.getDevice(deviceId) === undefined)
    throw new ApiRequestError(`device ${deviceId} is not registered`, { status: 404 });
  const rows = await deps.ledger.readingsOfDevice(
    deviceId,
    intParam(query, 'from', 0),
    intParam(query, 'to', 2 ** 32),
    Math.min(intParam(query, 'limit', 10_000), 100_000),
  );
  sendJson(res, 200, rows);
}

/** `GET /quarantine[?reason&device&from&to&limit]`: quarantined payloads; 400 for an unknown reason code. */
export async function getQuarantine({ deps, query, res }: RouteRequest<ApiDeps>): Promise<void> {
  const reason = query.get('reason') ?? undefined;
  if (reason !== undefined && !(REASON_CODES as readonly string[]).includes(reason))
    throw new ApiRequestError(`reason=${reason} is not a reason code`, {
      details: REASON_CODES.join(', '),
    });
  const entries = await deps.quarantine.list({
    ...(reason === undefined ? {} : { reason }),
    ...(query.get('device') ? { deviceId: query.get('device') as string } : {}),
    ...(query.get('from') ? { fromMs: intParam(query, 'from') } : {}),
    ...(query.get('to') ? { toMs: intParam(query, 'to') } : {}),
    limit: intParam(query, 'limit', 100),
  });
  sendJson(
    res,
    200,
    entries.map((e) => ({ ...e, payloadPrefix: Buffer.from(e.payloadPrefix).toString('utf8') })),
  );
}
