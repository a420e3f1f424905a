import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTimeSeriesStore,
  type InfluxTimeSeriesStore,
  TimeSeriesBufferFullError,
  TimeSeriesWriteError,
} from '../../../gateway/timeseries/index.ts';
import type { AggregateQuery } from '../../../gateway/timeseries/types.ts';
import { freePort } from '../../../lib/servers/ports.ts';
import { startVictoriaMetrics } from '../../support/victoria-metrics.ts';
import {
  byTime,
  exportSamples,
  fleetRegistered,
  forceFlush,
  randomReadings,
  referenceAggregate,
  startDedupVictoriaMetrics,
  waitFor,
} from './support.ts';

const ALL_TIME = { fromTs: 1, toTs: 2 ** 32 - 1 };
const INTERVALS = { '15m': 900, '1h': 3_600, '1d': 86_400 } as const;
const influx = (url: string, bufferDir: string, extra: Record<string, unknown> = {}) =>
  createTimeSeriesStore({
    kind: 'influx',
    url,
    token: 'test-token',
    org: 'rwa',
    bucket: 'iot',
    bufferDir,
    registeredDevices: fleetRegistered,
    query: { kind: 'victoria-metrics' },
    retry: { minDelayMs: 100, maxDelayMs: 1_000 },
    ...extra,
  });

describe('InfluxDB line-protocol adapter against a real VictoriaMetrics', () => {
  let dir: string;
  let vm: Awaited<ReturnType<typeof startDedupVictoriaMetrics>>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ts-vm-'));
    vm = await startDedupVictoriaMetrics(join(dir, 'vm-data'));
  });
  afterAll(async () => {
    await vm?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes integer line protocol; every reading lands once and aggregates equal the reference', async () => {
    const readings = byTime(randomReadings({ seed: 21, devices: 18, sites: 4, readingsPerDevice: 25 }));
    const store = await influx(vm.url, join(dir, 'buffer-a'), { batchSize: 100 });
    for (let i = 0; i < readings.length; i += 53) await store.write(readings.slice(i, i + 53));
    await store.flush();
    expect(store.bufferedPoints()).toBe(0);
    await forceFlush(vm.url);
    const seqs = await exportSamples(vm.url, 'reading_seq');
    expect(seqs.size).toBe(readings.length);
    for (const r of readings)
      expect(seqs.get(`${r.deviceId}/${r.ts}`), `${r.deviceId}#${r.seq}`).toEqual([r.seq]);
    for (const poolId of [1, 2])
      for (const level of ['pool', 'site', 'device'] as const)
        for (const interval of ['15m', '1h', '1d'] as const) {
          const q: AggregateQuery = { poolId, level, interval, ...ALL_TIME };
          expect(await store.query(q), `${poolId} ${level} ${interval}`).toEqual(
            referenceAggregate(readings, q, INTERVALS[interval], fleetRegistered),
          );
        }
    const q: AggregateQuery = {
      poolId: 1,
      level: 'site',
      id: 'site-002',
      interval: '1h',
      fromTs: 1_767_230_000,
      toTs: 1_767_260_001,
    };
    const filtered = await store.query(q);
    expect(filtered.length).toBeGreaterThan(0);
    expect(filtered).toEqual(referenceAggregate(readings, q, 3_600, fleetRegistered));
    await store.close();
  });

  it('keeps register values near 2^48 exact, and a replayed point overwrites itself', async () => {
    const readings = randomReadings({
      seed: 5,
      devices: 6,
      sites: 1,
      readingsPerDevice: 3,
      bigDeltas: true,
      startTs: 1_770_000_000,
    });
    const store = await influx(vm.url, join(dir, 'buffer-b'));
    await store.write(readings);
    await store.write(readings); // replay of the same points
    await store.flush();
    const again = await influx(vm.url, join(dir, 'buffer-c'));
    await again.write(readings); // and from another process
    await again.flush();
    await forceFlush(vm.url);
    const energy = await exportSamples(vm.url, 'reading_energyWh');
    for (const r of readings) expect(energy.get(`${r.deviceId}/${r.ts}`)?.map(BigInt)).toEqual([r.energyWh]);
    const q: AggregateQuery = {
      poolId: 1,
      level: 'device',
      interval: '1d',
      fromTs: 1_770_000_000,
      toTs: 1_780_000_000,
    };
    expect(await store.query(q)).toEqual(referenceAggregate(readings, q, 86_400, fleetRegistered));
    await store.close();
    await again.close();
  });

  it('answers queries from an embedded DuckDB file written alongside (query: duckdb)', async () => {
    const readings = byTime(
      randomReadings({ seed: 23, devices: 8, sites: 2, readingsPerDevice: 20, startTs: 1_768_000_000 }),
    );
    const store = await createTimeSeriesStore({
      kind: 'influx',
      url: vm.url,
      token: 'test-token',
      org: 'rwa',
      bucket: 'iot',
      bufferDir: join(dir, 'buffer-tee'),
      registeredDevices: fleetRegistered,
      query: { kind: 'duckdb', path: join(dir, 'tee.duckdb') },
    });
    await store.write(readings);
    await store.flush();
    expect(store.bufferedPoints()).toBe(0);
    await forceFlush(vm.url);
    const q: AggregateQuery = {
      poolId: 2,
      level: 'device',
      interval: '15m',
      fromTs: 1_768_000_000,
      toTs: 1_769_000_000,
    };
    const expected = referenceAggregate(readings, q, 900, fleetRegistered);
    expect(await store.query(q)).toEqual(expected);
    const mirrored = await exportSamples(vm.url, 'reading_seq');
    for (const r of readings) expect(mirrored.get(`${r.deviceId}/${r.ts}`)).toEqual([r.seq]);
    await store.close();
  });

  it('fails flush with TimeSeriesWriteError and then TimeSeriesBufferFullError when the server is unreachable', async () => {
    const deadUrl = `http://127.0.0.1:${await freePort()}`;
    const bufferDir = join(dir, 'buffer-full');
    const store = (await influx(deadUrl, bufferDir, {
      maxBufferBytes: 20_000,
      segmentBytes: 4_000,
    })) as InfluxTimeSeriesStore;
    const readings = randomReadings({ seed: 9, devices: 4, sites: 1, readingsPerDevice: 200 });
    await store.write(readings.slice(0, 10));
    await expect(store.flush()).rejects.toBeInstanceOf(TimeSeriesWriteError);
    let written = 10;
    let full: unknown;
    while (written < readings.length) {
      try {
        await store.write(readings.slice(written, written + 10));
        written += 10;
      } catch (error) {
        full = error;
        break;
      }
    }
    expect(full).toBeInstanceOf(TimeSeriesBufferFullError);
    expect(store.bufferedPoints()).toBe(written);
    const stats = store.stats();
    expect(stats.bufferFullRejections).toBe(1);
    expect(stats.bufferedBytes).toBeLessThanOrEqual(20_000);
    expect(stats.failedSends).toBeGreaterThan(0);
    expect(readdirSync(bufferDir).some((f) => f.startsWith('seg-'))).toBe(true);
    await store.close();
  });
});

describe('process restart with a non-empty buffer', () => {
  it('a new process on the same buffer folder sends every point exactly once, in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-restart-'));
    // plain VictoriaMetrics, no deduplication: a point sent twice would show twice
    const vm = await startVictoriaMetrics({ dataPath: join(dir, 'vm-data') });
    try {
      const deadUrl = `http://127.0.0.1:${await freePort()}`;
      const bufferDir = join(dir, 'buffer');
      const readings = byTime(randomReadings({ seed: 33, devices: 10, sites: 2, readingsPerDevice: 50 }));
      const first = await influx(deadUrl, bufferDir, { batchSize: 64, segmentBytes: 8_000 });
      for (let i = 0; i < readings.length; i += 25) await first.write(readings.slice(i, i + 25));
      await first.close();
      expect(readdirSync(bufferDir).filter((f) => f.startsWith('seg-')).length).toBeGreaterThan(1);

      const second = await influx(vm.url, bufferDir, { batchSize: 64 });
      expect(second.bufferedPoints()).toBe(readings.length);
      await waitFor(() => second.bufferedPoints() === 0, 20_000, 'the buffer to drain on its own');
      await second.close();
      expect(readdirSync(bufferDir).filter((f) => f.startsWith('seg-'))).toEqual([]);
      await forceFlush(vm.url);
      const seqs = await exportSamples(vm.url, 'reading_seq');
      expect(seqs.size).toBe(readings.length);
      for (const r of readings) expect(seqs.get(`${r.deviceId}/${r.ts}`)).toEqual([r.seq]);
    } finally {
      await vm.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
