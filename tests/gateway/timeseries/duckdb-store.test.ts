import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTimeSeriesStore,
  TimeSeriesClosedError,
  TimeSeriesConfigError,
  TimeSeriesInputError,
  TimeSeriesQueryError,
} from '../../../gateway/timeseries/index.ts';
import type { AcceptedReading, AggregateQuery, TimeSeriesStore } from '../../../gateway/timeseries/types.ts';
import { byTime, fleetRegistered, MAX_REGISTER, randomReadings, referenceAggregate } from './support.ts';

const INTERVALS = { '15m': 900, '1h': 3_600, '1d': 86_400 } as const;
const LEVELS = ['pool', 'site', 'device'] as const;
const ALL_TIME = { fromTs: 1, toTs: 2 ** 32 - 1 };

const base: AcceptedReading = {
  poolId: 1,
  deviceId: 'ev-0001',
  siteId: 'site-001',
  kind: 'ev',
  seq: 2,
  ts: 1_767_225_600,
  energyWh: 5_000n,
  revenueMinor: 4_000n,
  energyDeltaWh: 1_000n,
  revenueDeltaMinor: 800n,
  newSession: true,
};

describe('DuckDB time-series store', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ts-duckdb-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const open = (name: string, extra: Record<string, unknown> = {}) =>
    createTimeSeriesStore({
      path: join(dir, `${name}.duckdb`),
      registeredDevices: fleetRegistered,
      ...extra,
    });

  it('bucket sums equal the sums of deltas for every level, interval and seed (property test)', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const readings = byTime(randomReadings({ seed, devices: 24, sites: 5, readingsPerDevice: 40 }));
      const store = await open(`property-${seed}`);
      // hand over in ledger-sized batches
      for (let i = 0; i < readings.length; i += 97) await store.write(readings.slice(i, i + 97));
      for (const poolId of [1, 2])
        for (const level of LEVELS)
          for (const interval of ['15m', '1h', '1d'] as const) {
            const q: AggregateQuery = { poolId, level, interval, ...ALL_TIME };
            const rows = await store.query(q);
            expect(rows, `seed ${seed} pool ${poolId} ${level} ${interval}`).toEqual(
              referenceAggregate(readings, q, INTERVALS[interval], fleetRegistered),
            );
            // conservation: the buckets add up to the pool's whole delta
            const total = readings
              .filter((r) => r.poolId === poolId)
              .reduce((s, r) => s + r.energyDeltaWh, 0n);
            expect(rows.reduce((s, r) => s + r.energyWh, 0n)).toBe(total);
          }
      await store.close();
    }
  });

  it('filters by id and by an unaligned time range exactly like the reference', async () => {
    const readings = byTime(randomReadings({ seed: 11, devices: 12, sites: 3, readingsPerDevice: 30 }));
    const store = await open('filters');
    await store.write(readings);
    const fromTs = 1_767_225_600 + 7_777;
    const toTs = fromTs + 40_001;
    for (const [level, id] of [
      ['site', 'site-001'],
      ['device', 'ev-0003'],
      ['device', 'pv-0005'],
    ] as const) {
      const poolId = readings.find((r) => (level === 'site' ? r.siteId : r.deviceId) === id)!.poolId;
      const q: AggregateQuery = { poolId, level, id, interval: '1h', fromTs, toTs };
      const rows = await store.query(q);
      expect(rows.length).toBeGreaterThan(0);
      expect(rows).toEqual(referenceAggregate(readings, q, 3_600, fleetRegistered));
    }
    await store.close();
  });

  it('stays exact when sums pass 2^53 (deltas near 2^48)', async () => {
    const readings = byTime(
      randomReadings({ seed: 7, devices: 256, sites: 2, readingsPerDevice: 3, bigDeltas: true }),
    );
    expect(readings.every((r) => r.energyWh <= MAX_REGISTER)).toBe(true);
    // one more reading makes the pool total odd, so no float64 can hold it
    const partial = readings.filter((r) => r.poolId === 1).reduce((s, r) => s + r.energyDeltaWh, 0n);
    const oddDeltaWh = partial % 2n === 0n ? 1n : 2n;
    readings.push({
      ...base,
      deviceId: 'ev-9999',
      energyWh: oddDeltaWh,
      energyDeltaWh: oddDeltaWh,
      ts: 1_767_300_000,
    });
    const store = await open('big');
    await store.write(readings);
    const rows = await store.query({ poolId: 1, level: 'pool', interval: '1d', ...ALL_TIME });
    const expected = partial + oddDeltaWh;
    expect(expected > 2n ** 53n).toBe(true);
    expect(rows.reduce((s, r) => s + r.energyWh, 0n)).toBe(expected);
    // a float sum would have rounded this away
    expect(BigInt(Number(expected)) === expected).toBe(false);
    await store.close();
  });

  it('does not double-count a replayed reading (idempotent on device and sequence), also across reopen', async () => {
    const path = 'replay';
    const store = await open(path);
    await store.write([
      base,
      base,
      { ...base, seq: 3, ts: base.ts + 60, energyWh: 5_500n, energyDeltaWh: 500n },
    ]);
    await store.write([base]);
    await store.close();
    const reopened = await open(path);
    await reopened.write([base]);
    // a batch mixing a stored reading and a new one keeps the new one and ignores the other
    await reopened.write([
      base,
      {
        ...base,
        seq: 4,
        ts: base.ts + 120,
        energyWh: 5_600n,
        energyDeltaWh: 100n,
        revenueDeltaMinor: 0n,
        newSession: false,
      },
    ]);
    const [row] = await reopened.query({
      poolId: 1,
      level: 'device',
      id: 'ev-0001',
      interval: '1h',
      ...ALL_TIME,
    });
    expect(row).toMatchObject({ energyWh: 1_600n, revenueMinor: 1_600n, sessions: 2, reportingDevices: 1 });
    await reopened.close();
  });

  it('reports coverage: reporting devices per bucket against the registered count', async () => {
    const calls: string[] = [];
    const store = await createTimeSeriesStore({
      path: join(dir, 'coverage.duckdb'),
      registeredDevices: (poolId, level, id) => {
        calls.push(`${poolId}/${level}/${id ?? ''}`);
        return level === 'pool' ? 10 : level === 'site' ? 3 : 1;
      },
    });
    const t0 = 1_767_225_600;
    await store.write([
      { ...base, deviceId: 'ev-0001', siteId: 'site-a', ts: t0 },
      { ...base, deviceId: 'ev-0002', siteId: 'site-a', ts: t0 + 100 },
      { ...base, deviceId: 'ev-0002', siteId: 'site-a', seq: 3, ts: t0 + 200 },
      { ...base, deviceId: 'ev-0003', siteId: 'site-b', ts: t0 + 4_000 },
    ]);
    const pool = await store.query({ poolId: 1, level: 'pool', interval: '1h', ...ALL_TIME });
    expect(pool.map((r) => [r.bucketStartTs, r.reportingDevices, r.registeredDevices])).toEqual([
      [t0, 2, 10],
      [t0 + 3_600, 1, 10],
    ]);
    const sites = await store.query({ poolId: 1, level: 'site', interval: '1d', ...ALL_TIME });
    expect(sites.map((r) => [r.siteId, r.reportingDevices, r.registeredDevices, r.sessions])).toEqual([
      ['site-a', 2, 3, 3],
      ['site-b', 1, 3, 1],
    ]);
    expect(calls).toEqual(['1/pool/', '1/site/site-a', '1/site/site-b']); // once per distinct id
    await store.close();
  });

  it('honours configured interval lengths and bucket offset (China-time days)', async () => {
    const store = await open('offset', { bucketOffsetS: -28_800, intervalsS: { '15m': 600 } });
    const midnightChina = 1_767_196_800; // 2026-01-01T00:00+08:00
    await store.write([
      { ...base, ts: midnightChina - 1 },
      { ...base, seq: 3, ts: midnightChina + 599 },
      { ...base, seq: 4, ts: midnightChina + 600 },
    ]);
    const days = await store.query({ poolId: 1, level: 'pool', interval: '1d', ...ALL_TIME });
    expect(days.map((r) => r.bucketStartTs)).toEqual([midnightChina - 86_400, midnightChina]);
    const tens = await store.query({ poolId: 1, level: 'pool', interval: '15m', ...ALL_TIME });
    expect(tens.map((r) => r.bucketStartTs)).toEqual([
      midnightChina - 600,
      midnightChina,
      midnightChina + 600,
    ]);
    await store.close();
  });

  it('refuses readings that break the AcceptedReading contract, and stores none of the batch', async () => {
    const store = await open('forbidden');
    const bad: Array<[string, Partial<AcceptedReading>]> = [
      ['negative energy delta', { energyDeltaWh: -1n }],
      ['negative revenue delta', { revenueDeltaMinor: -5n }],
      ['register over 2^48-1', { energyWh: 2n ** 48n, energyDeltaWh: 1n }],
      ['delta over its register', { energyDeltaWh: 6_000n }],
      ['fractional timestamp', { ts: 1.5 }],
      ['timestamp over 2^32-1', { ts: 2 ** 32 }],
      ['pool 0', { poolId: 0 }],
      ['bad device id', { deviceId: 'EV_01' }],
      ['bad site id', { siteId: '' }],
      ['number instead of bigint', { energyWh: 5 as unknown as bigint }],
      ['session on a PV device', { kind: 'pv' }],
      ['unknown kind', { kind: 'wind' as 'ev' }],
      ['seq 0', { seq: 0 }],
    ];
    for (const [what, change] of bad)
      await expect(
        store.write([
          { ...base, seq: 9 },
          { ...base, ...change },
        ]),
        what,
      ).rejects.toBeInstanceOf(TimeSeriesInputError);
    expect(await store.query({ poolId: 1, level: 'pool', interval: '1h', ...ALL_TIME })).toEqual([]);
    await store.close();
  });

  it('refuses malformed queries with a typed error', async () => {
    const store = await open('bad-query');
    const good: AggregateQuery = { poolId: 1, level: 'pool', interval: '1h', fromTs: 10, toTs: 20 };
    for (const [what, q] of [
      ['empty range', { ...good, toTs: 10 }],
      ['unknown interval', { ...good, interval: '5m' }],
      ['unknown level', { ...good, level: 'region' }],
      ['pool query with id', { ...good, id: 'x' }],
      ['id with quote', { ...good, level: 'site', id: "a' OR 1=1" }],
      ['pool 0', { ...good, poolId: 0 }],
    ] as const)
      await expect(store.query(q as AggregateQuery), what).rejects.toBeInstanceOf(TimeSeriesQueryError);
    await store.close();
  });

  it('reports nothing buffered and refuses use after close', async () => {
    const store: TimeSeriesStore = await open('closed');
    await store.write([base]);
    expect(store.bufferedPoints()).toBe(0);
    await store.flush();
    await store.close();
    await expect(store.write([base])).rejects.toBeInstanceOf(TimeSeriesClosedError);
    await expect(
      store.query({ poolId: 1, level: 'pool', interval: '1h', ...ALL_TIME }),
    ).rejects.toBeInstanceOf(TimeSeriesClosedError);
  });

  it('refuses an incomplete configuration with a typed error', async () => {
    await expect(createTimeSeriesStore({ path: '' } as never)).rejects.toBeInstanceOf(TimeSeriesConfigError);
    await expect(createTimeSeriesStore({ path: join(dir, 'x.duckdb') } as never)).rejects.toBeInstanceOf(
      TimeSeriesConfigError,
    );
    await expect(
      createTimeSeriesStore({
        kind: 'influx',
        url: 'http://127.0.0.1:1',
        registeredDevices: () => 0,
      } as never),
    ).rejects.toBeInstanceOf(TimeSeriesConfigError);
    await expect(
      createTimeSeriesStore({
        path: join(dir, 'y.duckdb'),
        registeredDevices: () => 0,
        intervalsS: { '1h': 0 },
      }),
    ).rejects.toBeInstanceOf(TimeSeriesConfigError);
  });
});
