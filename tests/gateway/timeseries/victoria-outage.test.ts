import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTimeSeriesStore, type InfluxTimeSeriesStore } from '../../../gateway/timeseries/index.ts';
import type { AggregateQuery } from '../../../gateway/timeseries/types.ts';
import { startVictoriaMetrics } from '../../support/victoria-metrics.ts';
import {
  byTime,
  exportSamples,
  fleetRegistered,
  forceFlush,
  randomReadings,
  referenceAggregate,
  waitFor,
} from './support.ts';

const OUTAGE_MS = 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const segmentBytes = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.startsWith('seg-'))
    .reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);

describe('time-series server down for a minute', () => {
  it('buffers on disk while VictoriaMetrics is stopped, drains in order when it returns, every point once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-outage-'));
    const dataPath = join(dir, 'vm-data');
    const bufferDir = join(dir, 'buffer');
    // plain VictoriaMetrics without deduplication: a point sent twice would be counted twice
    let vm = await startVictoriaMetrics({ dataPath });
    const events: string[] = [];
    const store = (await createTimeSeriesStore({
      kind: 'influx',
      url: vm.url,
      token: 'test-token',
      org: 'rwa',
      bucket: 'iot',
      bufferDir,
      registeredDevices: fleetRegistered,
      query: { kind: 'victoria-metrics' },
      batchSize: 200,
      flushIntervalMs: 200,
      segmentBytes: 16_000,
      retry: { minDelayMs: 250, maxDelayMs: 2_000 },
      onEvent: (event) => events.push(event.type),
    })) as InfluxTimeSeriesStore;
    try {
      const readings = byTime(randomReadings({ seed: 77, devices: 20, sites: 4, readingsPerDevice: 120 }));
      const chunks = 70;
      const perChunk = Math.ceil(readings.length / chunks);
      const chunk = (i: number) => readings.slice(i * perChunk, (i + 1) * perChunk);

      for (let i = 0; i < 5; i++) await store.write(chunk(i));
      await store.flush();
      expect(store.bufferedPoints()).toBe(0);

      await vm.stop();
      const outageStart = Date.now();
      let written = 5;
      const fill: number[] = [];
      while (Date.now() - outageStart < OUTAGE_MS) {
        await store.write(chunk(written++));
        fill.push(segmentBytes(bufferDir));
        await sleep(OUTAGE_MS / 60);
      }
      // the buffer grew on disk during the whole outage and nothing went out
      expect(store.bufferedPoints()).toBe((written - 5) * perChunk);
      expect(fill.at(-1)!).toBeGreaterThan(fill[0]!);
      expect(fill.every((bytes, i) => i === 0 || bytes >= fill[i - 1]!)).toBe(true);
      expect(store.stats().consecutiveFailures).toBeGreaterThan(5);

      vm = await startVictoriaMetrics({ port: vm.port, dataPath });
      for (; written < chunks; written++) await store.write(chunk(written));
      await waitFor(
        () => store.bufferedPoints() === 0,
        20_000,
        'the buffer to drain after the server returned',
      );
      expect(events).toContain('recovered');
      expect(segmentBytes(bufferDir)).toBe(0);

      await forceFlush(vm.url);
      const seqs = await exportSamples(vm.url, 'reading_seq');
      expect(seqs.size).toBe(readings.length);
      for (const r of readings)
        expect(seqs.get(`${r.deviceId}/${r.ts}`), `${r.deviceId}#${r.seq}`).toEqual([r.seq]);
      const q: AggregateQuery = { poolId: 1, level: 'site', interval: '1h', fromTs: 1, toTs: 2 ** 32 - 1 };
      expect(await store.query(q)).toEqual(referenceAggregate(readings, q, 3_600, fleetRegistered));
    } finally {
      await store.close();
      await vm.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 110_000);
});
