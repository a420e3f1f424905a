import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../../broker/embedded.ts';
import { type GatewayHandle, startGateway } from '../../../gateway/index.ts';
import type { LedgerReading } from '../../../gateway/ledger/types.ts';
import { bucketStart } from '../../../gateway/timeseries/buckets.ts';
import { createTimeSeriesStore, rebuildFromLedger } from '../../../gateway/timeseries/index.ts';
import type { AggregateInterval, AggregateQuery, AggregateRow } from '../../../gateway/timeseries/types.ts';
import { parseFleetConfig } from '../../../simulator/config.ts';
import { FleetGenerator } from '../../../simulator/generator.ts';
import { connectClient, publish, registrationOf, tempDir, testConfig } from '../support.ts';

const START_TS = 1_767_225_600;
const INTERVALS: Record<AggregateInterval, number> = { '15m': 900, '1h': 3_600, '1d': 86_400 };

/** Aggregates straight from the ledger's register deltas (late readings carry 0 and are not handed off). */
function ledgerAggregate(
  rows: readonly (LedgerReading & { siteId: string })[],
  q: AggregateQuery,
): Array<
  Pick<AggregateRow, 'bucketStartTs' | 'energyWh' | 'revenueMinor' | 'sessions' | 'reportingDevices'> & {
    id: string;
  }
> {
  const groups = new Map<
    string,
    {
      bucketStartTs: number;
      id: string;
      energyWh: bigint;
      revenueMinor: bigint;
      sessions: number;
      devices: Set<string>;
    }
  >();
  for (const row of rows) {
    if (row.poolId !== q.poolId || !row.inOrder) continue;
    const start = bucketStart(row.ts, INTERVALS[q.interval], 0);
    const id = q.level === 'pool' ? '' : q.level === 'site' ? row.siteId : row.deviceId;
    const key = `${String(start).padStart(12, '0')}|${id}`;
    const group = groups.get(key) ?? {
      bucketStartTs: start,
      id,
      energyWh: 0n,
      revenueMinor: 0n,
      sessions: 0,
      devices: new Set<string>(),
    };
    group.energyWh += row.energyDeltaWh;
    group.revenueMinor += row.revenueDeltaMinor;
    if (row.newSession) group.sessions++;
    group.devices.add(row.deviceId);
    groups.set(key, group);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([, g]) => ({
      bucketStartTs: g.bucketStartTs,
      id: g.id,
      energyWh: g.energyWh,
      revenueMinor: g.revenueMinor,
      sessions: g.sessions,
      reportingDevices: g.devices.size,
    }));
}

describe('aggregates agree with the evidence ledger after a simulator run through a real gateway', () => {
  let broker: EmbeddedBroker;
  let gateway: GatewayHandle;
  let client: MqttClient;
  let generator: FleetGenerator;
  let simNowTs = START_TS;

  beforeAll(async () => {
    const config = parseFleetConfig({
      seed: 'timeseries-ledger',
      start: START_TS,
      durationS: 8 * 3_600,
      intervalS: 300,
      speed: 0,
      pools: [
        { poolId: 1, ev: { stations: 1, pilesPerStation: 3 }, pv: { sites: 1 } },
        { poolId: 2, ev: { stations: 1, pilesPerStation: 2 }, pv: { sites: 0 } },
      ],
      faults: { duplicate: 0.05, outOfOrder: 0.05, drop: 0.03, tamper: 0.02, replay: 0.02, offline: 0.005 },
    });
    generator = new FleetGenerator(config);
    broker = await startEmbeddedBroker();
    const dir = tempDir('timeseries-ledger-');
    gateway = await startGateway(
      testConfig(broker.url, dir, { timeseries: { kind: 'duckdb', path: join(dir, 'timeseries.duckdb') } }),
      { now: () => simNowTs * 1000 },
    );
    for (const pool of config.pools)
      await gateway.registry.addPool({
        poolId: pool.poolId,
        currency: 'CNY',
        decimals: 2,
        maxTariffMinorPerKwh: BigInt(pool.maxTariffMinorPerKwh),
        epochLengthS: 86_400,
        genesisTs: START_TS,
      });
    await gateway.registry.registerDevices(
      generator.devices.map((d) => registrationOf(generator.keys.get(d.deviceId)!)),
    );
    client = await connectClient(broker.url, { clientId: 'timeseries-publisher' });
    // The broker acknowledges the publisher, not the gateway: advance the gateway clock only once
    // the gateway has taken every message published so far, so its skew check sees simulated time.
    let published = 0;
    for (const message of generator) {
      simNowTs = message.publishTs;
      await publish(client, message.topic, message.payload);
      published++;
      while (gateway.counts().received < published || gateway.queueDepth() > 0)
        await new Promise((r) => setTimeout(r, 1));
    }
    await gateway.drain();
    await gateway.timeSeries!.flush();
  }, 240_000);

  afterAll(async () => {
    await client?.endAsync();
    await gateway?.close();
    await broker?.close();
  });

  it('every bucket of every level and interval equals the sums of the ledger deltas', async () => {
    const siteOf = new Map(generator.devices.map((d) => [d.deviceId, d.siteId]));
    const rows: Array<LedgerReading & { siteId: string }> = [];
    for (const device of generator.devices)
      for (const row of await gateway.ledger.readingsOfDevice(device.deviceId))
        rows.push({ ...row, siteId: siteOf.get(device.deviceId)! });
    expect(rows.length).toBeGreaterThan(300);
    // the run exercises the faults that touch deltas: duplicates, out-of-order delivery, drops, replays
    expect(generator.stats.faults.outOfOrder).toBeGreaterThan(0);
    expect(generator.stats.faults.duplicate).toBeGreaterThan(0);
    expect(generator.stats.faults.drop).toBeGreaterThan(0);
    expect(gateway.counts().accepted).toBe(generator.stats.expected.accepted);

    let checkedBuckets = 0;
    for (const poolId of [1, 2])
      for (const level of ['pool', 'site', 'device'] as const)
        for (const interval of ['15m', '1h', '1d'] as const) {
          const q: AggregateQuery = {
            poolId,
            level,
            interval,
            fromTs: START_TS - 86_400,
            toTs: START_TS + 2 * 86_400,
          };
          const actual = (await gateway.timeSeries!.query(q)).map((r) => ({
            bucketStartTs: r.bucketStartTs,
            id: r.deviceId ?? r.siteId ?? '',
            energyWh: r.energyWh,
            revenueMinor: r.revenueMinor,
            sessions: r.sessions,
            reportingDevices: r.reportingDevices,
          }));
          const expected = ledgerAggregate(rows, q);
          expect(actual, `pool ${poolId} ${level} ${interval}`).toEqual(expected);
          checkedBuckets += expected.length;
        }
    expect(checkedBuckets).toBeGreaterThan(100);

    // and the pool totals equal the simulator's ground truth of accepted deltas
    let energyWh = 0n;
    let revenueMinor = 0n;
    for (const poolId of [1, 2])
      for (const row of await gateway.timeSeries!.query({
        poolId,
        level: 'pool',
        interval: '1d',
        fromTs: 1,
        toTs: 2 ** 32 - 1,
      })) {
        energyWh += row.energyWh;
        revenueMinor += row.revenueMinor;
      }
    expect(energyWh).toBe(generator.stats.acceptedEnergyWh);
    expect(revenueMinor).toBe(generator.stats.acceptedRevenueMinor);
  });

  it('rebuilds the same aggregates from the ledger alone into a fresh store, idempotently', async () => {
    const fresh = await createTimeSeriesStore({
      path: join(tempDir('timeseries-rebuild-'), 'rebuilt.duckdb'),
      registeredDevices: (poolId, level, id) => gateway.registry.registeredDevices(poolId, level, id),
    });
    const devices = gateway.registry.listDevices();
    const written = await rebuildFromLedger(fresh, gateway.ledger, devices, { pageSize: 17 });
    expect(written).toBe(gateway.counts().accepted - gateway.counts().late);
    await rebuildFromLedger(fresh, gateway.ledger, devices); // a second pass changes nothing
    for (const poolId of [1, 2])
      for (const level of ['pool', 'site', 'device'] as const) {
        const q: AggregateQuery = { poolId, level, interval: '15m', fromTs: 1, toTs: 2 ** 32 - 1 };
        expect(await fresh.query(q), `${poolId} ${level}`).toEqual(await gateway.timeSeries!.query(q));
      }
    await fresh.close();
  });

  it('reports coverage against the registry', async () => {
    const [first] = await gateway.timeSeries!.query({
      poolId: 1,
      level: 'pool',
      interval: '1h',
      fromTs: START_TS,
      toTs: START_TS + 3_600,
    });
    expect(first?.registeredDevices).toBe(generator.devices.filter((d) => d.poolId === 1).length);
    expect(first!.reportingDevices).toBeLessThanOrEqual(first!.registeredDevices);
  });
});
