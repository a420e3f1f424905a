/**
 * Time-series write throughput: accepted readings per second into the embedded DuckDB store and,
 * through the InfluxDB line-protocol adapter (on-disk buffer included), into a real VictoriaMetrics.
 * Also the time to aggregate the whole run per pool and per device.
 *
 *   npx tsx bench/timeseries-write.ts [readings=200000] [batch=500]
 *
 * Prints the figures and writes bench/results/timeseries-write.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTimeSeriesStore, type InfluxTimeSeriesStore } from '../gateway/timeseries/index.ts';
import type { AcceptedReading, TimeSeriesStore } from '../gateway/timeseries/types.ts';
import { createProgram, parsePositiveInt } from '../lib/cli/index.ts';
import { startVictoriaMetrics } from '../tests/support/victoria-metrics.ts';
import { parseBenchCommandLine } from './support/cli.ts';

/** The command line of the time-series write benchmark (positional, as before: readings, then batch size). */
export function buildTimeseriesWriteBenchProgram() {
  return createProgram(
    'bench:timeseries',
    'Time-series write throughput (writes bench/results/timeseries-write.json)',
  )
    .argument('[readings]', 'accepted readings written', parsePositiveInt, 200_000)
    .argument('[batch]', 'readings per write', parsePositiveInt, 500);
}

const {
  args: [totalReadings, batchSize],
} = await parseBenchCommandLine(buildTimeseriesWriteBenchProgram());
const devices = 2_000;
const startTs = 1_767_225_600;

/** A fleet of `devices` devices in 2 pools and 200 sites reading every 5 minutes, by time. */
function readings(): AcceptedReading[] {
  const out: AcceptedReading[] = [];
  const energy = new Array<bigint>(devices).fill(0n);
  const revenue = new Array<bigint>(devices).fill(0n);
  for (let i = 0; out.length < totalReadings; i++) {
    const d = i % devices;
    const round = Math.floor(i / devices);
    const deltaWh = round === 0 ? 0n : BigInt(500 + ((i * 7919) % 9_000));
    const deltaMinor = (deltaWh * 150n) / 1000n;
    energy[d]! += deltaWh;
    revenue[d]! += deltaMinor;
    out.push({
      poolId: 1 + (d % 2),
      deviceId: `ev-${String(d).padStart(5, '0')}`,
      siteId: `site-${String(d % 200).padStart(3, '0')}`,
      kind: 'ev',
      seq: round + 1,
      ts: startTs + round * 300 + (d % 300),
      energyWh: energy[d]!,
      revenueMinor: revenue[d]!,
      energyDeltaWh: deltaWh,
      revenueDeltaMinor: deltaMinor,
      newSession: round % 6 === 1,
    });
  }
  return out;
}

async function writeAll(store: TimeSeriesStore, data: readonly AcceptedReading[]): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < data.length; i += batchSize) await store.write(data.slice(i, i + batchSize));
  await store.flush();
  return performance.now() - t0;
}

async function queryMs(store: TimeSeriesStore, level: 'pool' | 'device'): Promise<number> {
  const t0 = performance.now();
  await store.query({ poolId: 1, level, interval: '1h', fromTs: startTs, toTs: startTs + 400 * 86_400 });
  return performance.now() - t0;
}

const data = readings();
const dir = mkdtempSync(join(tmpdir(), 'bench-timeseries-'));
const results: Record<string, unknown> = { readings: data.length, batchSize, devices, node: process.version };
try {
  const duck = await createTimeSeriesStore({
    path: join(dir, 'ts.duckdb'),
    registeredDevices: () => devices / 2,
  });
  const duckMs = await writeAll(duck, data);
  results.duckdb = {
    elapsedMs: Math.round(duckMs),
    pointsPerS: Math.round((data.length / duckMs) * 1000),
    queryPool1hMs: Math.round(await queryMs(duck, 'pool')),
    queryDevice1hMs: Math.round(await queryMs(duck, 'device')),
  };
  await duck.close();
  console.log(
    `DuckDB:           ${data.length} readings in ${Math.round(duckMs)} ms = ${(results.duckdb as { pointsPerS: number }).pointsPerS} points/s (batches of ${batchSize})`,
  );

  const vm = await startVictoriaMetrics({ dataPath: join(dir, 'vm') });
  try {
    const influx = (await createTimeSeriesStore({
      kind: 'influx',
      url: vm.url,
      token: 'bench',
      org: 'rwa',
      bucket: 'iot',
      bufferDir: join(dir, 'buffer'),
      registeredDevices: () => devices / 2,
      query: { kind: 'victoria-metrics' },
    })) as InfluxTimeSeriesStore;
    const vmMs = await writeAll(influx, data);
    await fetch(`${vm.url}/internal/force_flush`);
    results.victoriaMetrics = {
      elapsedMs: Math.round(vmMs),
      pointsPerS: Math.round((data.length / vmMs) * 1000),
      sentPoints: influx.stats().sentPoints,
      queryPool1hMs: Math.round(await queryMs(influx, 'pool')),
    };
    await influx.close();
    console.log(
      `VictoriaMetrics:  ${data.length} readings in ${Math.round(vmMs)} ms = ${(results.victoriaMetrics as { pointsPerS: number }).pointsPerS} points/s (line protocol, 6 integer fields, disk buffer, batches of 5000 lines)`,
    );
  } finally {
    await vm.stop();
  }
  console.log(JSON.stringify(results, null, 2));
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/timeseries-write.json', `${JSON.stringify(results, null, 2)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
