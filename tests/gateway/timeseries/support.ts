import { bucketStart } from '../../../gateway/timeseries/buckets.ts';
import type { AcceptedReading, AggregateQuery, AggregateRow } from '../../../gateway/timeseries/types.ts';
import { freePort } from '../../../lib/servers/ports.ts';
import { findExecutable, type ServerProcess, startServer } from '../../../lib/servers/process.ts';
import { TEST_SERVERS } from '../../../scripts/test-servers.ts';
import { waitFor as waitUntil } from '../../support/wait.ts';

/** A small deterministic PRNG (mulberry32), so a failing property run can be replayed from its seed. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const MAX_REGISTER = 2n ** 48n - 1n;

/**
 * A random stream of accepted readings of `devices` devices over `sites` sites in pools 1 and 2:
 * per device increasing seq and ts, non-negative deltas, registers the running sums, EV sessions.
 * `bigDeltas` makes deltas huge (sums pass 2^53), keeping every register below 2^48.
 */
export function randomReadings(options: {
  seed: number;
  devices: number;
  sites: number;
  readingsPerDevice: number;
  startTs?: number;
  maxGapS?: number;
  bigDeltas?: boolean;
}): AcceptedReading[] {
  const next = random(options.seed);
  const int = (below: number) => Math.floor(next() * below);
  const readings: AcceptedReading[] = [];
  for (let d = 0; d < options.devices; d++) {
    const kind = d % 3 === 2 ? 'pv' : 'ev';
    const poolId = 1 + (d % 2);
    const siteId = `site-${String(d % options.sites).padStart(3, '0')}`;
    const deviceId = `${kind}-${String(d).padStart(4, '0')}`;
    let ts = (options.startTs ?? 1_767_225_600) + int(3_600);
    let energyWh = options.bigDeltas ? 0n : BigInt(int(1_000_000));
    let revenueMinor = options.bigDeltas ? 0n : BigInt(int(1_000_000));
    let sessionId = 0;
    const perDeviceBudget = MAX_REGISTER / BigInt(options.readingsPerDevice + 1);
    for (let seq = 1; seq <= options.readingsPerDevice; seq++) {
      const first = seq === 1;
      const energyDeltaWh = first
        ? 0n
        : options.bigDeltas
          ? perDeviceBudget - BigInt(int(1_000))
          : BigInt(int(60_000));
      const revenueDeltaMinor = first
        ? 0n
        : options.bigDeltas
          ? perDeviceBudget - BigInt(int(1_000))
          : (energyDeltaWh * BigInt(int(190))) / 1000n;
      energyWh += energyDeltaWh;
      revenueMinor += revenueDeltaMinor;
      const previousSession = sessionId;
      if (kind === 'ev') sessionId = next() < 0.3 ? 0 : next() < 0.5 ? sessionId : sessionId + 1 + int(5);
      readings.push({
        poolId,
        deviceId,
        siteId,
        kind,
        seq,
        ts,
        energyWh,
        revenueMinor,
        energyDeltaWh,
        revenueDeltaMinor,
        newSession: kind === 'ev' && sessionId !== 0 && sessionId !== previousSession,
      });
      ts += 1 + int(options.maxGapS ?? 1_800);
    }
  }
  return readings;
}

/** Interleaves per-device streams the way a gateway hands them over: by timestamp, per-device order kept. */
export function byTime(readings: readonly AcceptedReading[]): AcceptedReading[] {
  return [...readings].sort((a, b) => a.ts - b.ts || (a.deviceId < b.deviceId ? -1 : 1));
}

/** The obvious reference aggregation, written independently of the stores. */
export function referenceAggregate(
  readings: readonly AcceptedReading[],
  query: AggregateQuery,
  intervalS: number,
  registered: (poolId: number, level: AggregateQuery['level'], id?: string) => number,
  offsetS = 0,
): AggregateRow[] {
  const groups = new Map<string, { row: AggregateRow; devices: Set<string> }>();
  for (const r of readings) {
    if (r.poolId !== query.poolId || r.ts < query.fromTs || r.ts >= query.toTs) continue;
    if (query.level === 'site' && query.id !== undefined && r.siteId !== query.id) continue;
    if (query.level === 'device' && query.id !== undefined && r.deviceId !== query.id) continue;
    const start = bucketStart(r.ts, intervalS, offsetS);
    const id = query.level === 'pool' ? undefined : query.level === 'site' ? r.siteId : r.deviceId;
    const key = `${start}|${id ?? ''}`;
    let group = groups.get(key);
    if (!group) {
      group = {
        row: {
          bucketStartTs: start,
          poolId: query.poolId,
          ...(query.level !== 'pool' ? { siteId: r.siteId } : {}),
          ...(query.level === 'device' ? { deviceId: r.deviceId } : {}),
          energyWh: 0n,
          revenueMinor: 0n,
          sessions: 0,
          reportingDevices: 0,
          registeredDevices: registered(query.poolId, query.level, id),
        },
        devices: new Set(),
      };
      groups.set(key, group);
    }
    group.row.energyWh += r.energyDeltaWh;
    group.row.revenueMinor += r.revenueDeltaMinor;
    if (r.newSession) group.row.sessions += 1;
    group.devices.add(r.deviceId);
    group.row.reportingDevices = group.devices.size;
  }
  const key = (row: AggregateRow) =>
    `${String(row.bucketStartTs).padStart(12, '0')}|${row.deviceId ?? row.siteId ?? ''}`;
  return [...groups.values()].map((g) => g.row).sort((a, b) => (key(a) < key(b) ? -1 : 1));
}

/** Registered devices for coverage in the random fleet: each site has 4 registered devices, a pool 100, a device 1. */
export function fleetRegistered(_poolId: number, level: AggregateQuery['level']): number {
  return level === 'pool' ? 100 : level === 'site' ? 4 : 1;
}

/**
 * VictoriaMetrics with `-dedup.minScrapeInterval=1ms`: samples with the same series and timestamp
 * collapse to one, as InfluxDB overwrites a point with the same measurement, tags and timestamp.
 */
export async function startDedupVictoriaMetrics(
  dataPath: string,
  port?: number,
): Promise<ServerProcess & { url: string }> {
  const binary = findExecutable(TEST_SERVERS.victoriaMetrics.package, [
    ...TEST_SERVERS.victoriaMetrics.executables,
  ]);
  const listenPort = port ?? (await freePort());
  const server = await startServer(
    binary,
    [
      `-httpListenAddr=127.0.0.1:${listenPort}`,
      `-storageDataPath=${dataPath}`,
      '-retentionPeriod=100y',
      '-search.latencyOffset=0s',
      '-dedup.minScrapeInterval=1ms',
      '-loggerLevel=ERROR',
    ],
    listenPort,
  );
  return { ...server, url: `http://127.0.0.1:${listenPort}` };
}

/** Makes VictoriaMetrics' recent writes searchable now. */
export async function forceFlush(url: string): Promise<void> {
  const response = await fetch(`${url}/internal/force_flush`);
  if (!response.ok) throw new Error(`force_flush answered ${response.status}`);
}

/** Raw samples of one series name exported from VictoriaMetrics: `device/ts` -> list of values (duplicates kept). */
export async function exportSamples(url: string, metricName: string): Promise<Map<string, number[]>> {
  const params = new URLSearchParams({ 'match[]': `{__name__="${metricName}"}`, start: '0' });
  const response = await fetch(`${url}/api/v1/export?${params}`);
  const samples = new Map<string, number[]>();
  for (const line of (await response.text()).split('\n')) {
    if (!line) continue;
    const series = JSON.parse(line) as {
      metric: Record<string, string>;
      values: number[];
      timestamps: number[];
    };
    series.timestamps.forEach((ms, i) => {
      const key = `${series.metric.device}/${ms / 1000}`;
      samples.set(key, [...(samples.get(key) ?? []), series.values[i] ?? Number.NaN]);
    });
  }
  return samples;
}

/** Polls `condition` every 100 ms until it holds; fails after `timeoutMs` scaled by `TEST_TIME_FACTOR`. */
export function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  return waitUntil(condition, what, { timeoutMs, intervalMs: 100 });
}
