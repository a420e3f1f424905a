import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildFlux } from '../../../gateway/timeseries/flux-query.ts';
import { createTimeSeriesStore } from '../../../gateway/timeseries/index.ts';
import type { AggregateQuery } from '../../../gateway/timeseries/types.ts';
import { freePort } from '../../../lib/servers/ports.ts';
import { byTime, fleetRegistered, randomReadings, referenceAggregate, waitFor } from './support.ts';

const { INFLUX_URL, INFLUX_TOKEN, INFLUX_ORG, INFLUX_BUCKET } = process.env;
const haveInflux = Boolean(INFLUX_URL && INFLUX_TOKEN && INFLUX_ORG && INFLUX_BUCKET);
const SKIP_REASON =
  'skipped: set INFLUX_URL, INFLUX_TOKEN, INFLUX_ORG and INFLUX_BUCKET to run against a real InfluxDB 2';
if (!haveInflux) console.info(`influxdb2.test.ts: ${SKIP_REASON}`);

describe('Flux program', () => {
  it('sums integer fields per device and window, filtered by pool and id', () => {
    const q: AggregateQuery = {
      poolId: 7,
      level: 'site',
      id: 'site-001',
      interval: '1h',
      fromTs: 1_767_225_600,
      toTs: 1_767_312_000,
    };
    const flux = buildFlux({ bucket: 'iot', measurement: 'reading', query: q, intervalS: 3_600, offsetS: 0 });
    expect(flux).toContain('range(start: 2026-01-01T00:00:00.000Z, stop: 2026-01-02T00:00:00.000Z)');
    expect(flux).toContain('r.pool == "7"');
    expect(flux).toContain('r.site == "site-001"');
    expect(flux).toContain(
      'aggregateWindow(every: 3600s, offset: 0s, fn: sum, createEmpty: false, timeSrc: "_start")',
    );
    expect(flux).toContain('group(columns: ["device", "site", "_field"])');
  });
});

describe.skipIf(!haveInflux)(
  `InfluxDB 2 adapter with Flux queries (${haveInflux ? INFLUX_URL : SKIP_REASON})`,
  () => {
    it('writes through line protocol and aggregates through Flux exactly like the reference', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ts-influx2-'));
      const measurement = `reading_test_${Date.now()}`;
      // recent timestamps, inside any bucket retention
      const startTs = Math.floor(Date.now() / 1000 / 86_400) * 86_400 - 2 * 86_400;
      const readings = byTime(
        randomReadings({ seed: 41, devices: 12, sites: 3, readingsPerDevice: 30, startTs, maxGapS: 1_200 }),
      );
      const store = await createTimeSeriesStore({
        kind: 'influx',
        url: INFLUX_URL!,
        token: INFLUX_TOKEN!,
        org: INFLUX_ORG!,
        bucket: INFLUX_BUCKET!,
        bufferDir: join(dir, 'buffer'),
        measurement,
        registeredDevices: fleetRegistered,
      });
      try {
        await store.write(readings);
        await store.write(readings.slice(0, 50)); // replay overwrites
        await store.flush();
        const range = { fromTs: startTs - 86_400, toTs: startTs + 3 * 86_400 };
        const first: AggregateQuery = { poolId: 1, level: 'pool', interval: '1d', ...range };
        await waitFor(
          async () =>
            JSON.stringify((await store.query(first)).map((r) => String(r.energyWh))) ===
            JSON.stringify(
              referenceAggregate(readings, first, 86_400, fleetRegistered).map((r) => String(r.energyWh)),
            ),
          10_000,
          'InfluxDB to serve the written points',
        );
        for (const level of ['pool', 'site', 'device'] as const)
          for (const [interval, seconds] of [
            ['15m', 900],
            ['1h', 3_600],
            ['1d', 86_400],
          ] as const) {
            const q: AggregateQuery = { poolId: 2, level, interval, ...range };
            expect(await store.query(q), `${level} ${interval}`).toEqual(
              referenceAggregate(readings, q, seconds, fleetRegistered),
            );
          }
      } finally {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('a process restarted on a non-empty buffer delivers it to InfluxDB; Flux aggregates equal the reference', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ts-influx2-restart-'));
      const measurement = `reading_restart_${Date.now()}`;
      const startTs = Math.floor(Date.now() / 1000 / 86_400) * 86_400 - 86_400;
      const readings = byTime(
        randomReadings({ seed: 43, devices: 6, sites: 2, readingsPerDevice: 20, startTs, maxGapS: 900 }),
      );
      const common = {
        kind: 'influx' as const,
        token: INFLUX_TOKEN!,
        org: INFLUX_ORG!,
        bucket: INFLUX_BUCKET!,
        bufferDir: join(dir, 'buffer'),
        measurement,
        registeredDevices: fleetRegistered,
      };
      const offline = await createTimeSeriesStore({
        ...common,
        url: `http://127.0.0.1:${await freePort()}`,
      });
      await offline.write(readings);
      await offline.close();
      const store = await createTimeSeriesStore({ ...common, url: INFLUX_URL! });
      try {
        expect(store.bufferedPoints()).toBe(readings.length);
        await store.flush();
        expect(store.bufferedPoints()).toBe(0);
        const q: AggregateQuery = {
          poolId: 1,
          level: 'device',
          interval: '1h',
          fromTs: startTs - 86_400,
          toTs: startTs + 2 * 86_400,
        };
        const expected = referenceAggregate(readings, q, 3_600, fleetRegistered);
        await waitFor(
          async () => (await store.query(q)).length === expected.length,
          10_000,
          'InfluxDB to serve the points',
        );
        expect(await store.query(q)).toEqual(expected);
      } finally {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);
