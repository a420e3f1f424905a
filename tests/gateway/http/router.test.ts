import { describe, expect, it } from 'vitest';
import type { ApiDeps } from '../../../gateway/http/api-deps.ts';
import { matchRoute, type Route } from '../../../gateway/http/router.ts';
import { API_ROUTES } from '../../../gateway/http/server.ts';

const handlerName = (path: string) => matchRoute(API_ROUTES, path)?.route.handler.name;

describe('API route table', () => {
  it('maps every documented path to its handler', () => {
    expect(handlerName('/health')).toBe('getHealth');
    expect(handlerName('/metrics')).toBe('getMetrics');
    expect(handlerName('/ledger/stats')).toBe('getLedgerStats');
    expect(handlerName('/fleet')).toBe('getFleet');
    expect(handlerName('/aggregates')).toBe('getAggregates');
    expect(handlerName('/devices/ev-0001/readings')).toBe('getDeviceReadings');
    expect(handlerName('/quarantine')).toBe('getQuarantine');
    expect(handlerName('/pools/1/epochs')).toBe('getPoolEpochs');
    expect(handlerName('/pools/1/epochs/3')).toBe('getPoolEpochs');
  });

  it('passes named path parameters, leaving absent optional ones undefined', () => {
    expect(matchRoute(API_ROUTES, '/devices/pv-7/readings')?.params).toEqual({ deviceId: 'pv-7' });
    expect(matchRoute(API_ROUTES, '/pools/2/epochs/9')?.params).toEqual({ poolId: '2', epoch: '9' });
    expect(matchRoute(API_ROUTES, '/pools/2/epochs')?.params).toEqual({ poolId: '2', epoch: undefined });
  });

  it('matches whole paths only: no prefixes, no device ids outside the protocol alphabet', () => {
    for (const path of [
      '/',
      '/healthz',
      '/health/x',
      '/devices/EV-1/readings',
      '/devices/-ev/readings',
      '/pools/1',
    ])
      expect(matchRoute(API_ROUTES, path), path).toBeUndefined();
  });

  it('takes the first matching route in table order', () => {
    const first: Route<ApiDeps> = { path: /^\/a\/(?<x>.+)$/, handler: function first() {} };
    const second: Route<ApiDeps> = { path: '/a/b', handler: function second() {} };
    expect(matchRoute([first, second], '/a/b')?.route).toBe(first);
    expect(matchRoute([second, first], '/a/b')?.route).toBe(second);
  });
});
