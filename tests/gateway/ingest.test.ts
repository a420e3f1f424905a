import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../broker/embedded.ts';
import { type GatewayHandle, startGateway } from '../../gateway/index.ts';
import { FIELD_MODULUS, type SignedReading, topicFor, verifyReading } from '../../protocol/index.ts';
import {
  connectClient,
  makeDevice,
  POOL_1,
  payloadOf,
  publish,
  registrationOf,
  signed,
  tempDir,
  testConfig,
  waitFor,
} from './support.ts';

const T = 1_767_300_000; // gateway clock (s) during the test is T + 100
const evA = makeDevice('ev-a', { siteId: 'st-1', ratedPowerW: 120_000 });
const evB = makeDevice('ev-b', { siteId: 'st-1', ratedPowerW: 120_000 });
const pvA = makeDevice('pv-a', { kind: 'pv', siteId: 'pv-a', ratedPowerW: 100_000 });
const evOff = makeDevice('ev-off');
const stranger = makeDevice('ev-stranger'); // never registered

/** ev-a's next reading (seq 4, 10,400 Wh), validly signed, with its energy written twice or with an exponent. */
const crafted = signed(evA, { seq: 4, ts: T + 300, energyWh: 10_400, revenueMinor: 1670, sessionId: 7 });
const craftedPayloads = [
  payloadOf(crafted).replace('"energyWh":10400', '"energyWh":99999999,"energyWh":10400'),
  payloadOf({ ...crafted, energyWh: 10_350 }).replace('"energyWh":10350', '"energyWh":1.035e4'),
];

describe('ingest and validation through the embedded broker', () => {
  let broker: EmbeddedBroker;
  let gateway: GatewayHandle;
  let client: MqttClient;
  const expectedRejects: Record<string, number> = {};
  let expectedAccepted = 0;
  let expectedDuplicates = 0;

  let sent = 0;
  const send = async (reading: SignedReading | string | Buffer, topic?: string) => {
    sent++;
    const payload = typeof reading === 'string' || Buffer.isBuffer(reading) ? reading : payloadOf(reading);
    const to =
      topic ??
      (typeof reading === 'object' && !Buffer.isBuffer(reading)
        ? topicFor(reading.poolId, reading.deviceId)
        : '');
    await publish(client, to, payload);
  };
  const accept = async (reading: SignedReading) => {
    expectedAccepted++;
    await send(reading);
  };
  const rejectAs = async (reason: string, reading: SignedReading | string | Buffer, topic?: string) => {
    expectedRejects[reason] = (expectedRejects[reason] ?? 0) + 1;
    await send(reading, topic);
  };

  beforeAll(async () => {
    broker = await startEmbeddedBroker();
    const dir = tempDir();
    gateway = await startGateway(
      testConfig(broker.url, dir, {
        timeseries: { kind: 'duckdb', path: join(dir, 'ts.duckdb') },
        validation: { outOfOrder: 'accept-late' },
      }),
      { now: () => (T + 100) * 1000 },
    );
    await gateway.registry.addPool(POOL_1);
    await gateway.registry.registerDevices([evA, evB, pvA, evOff].map(registrationOf));
    await gateway.registry.setActive('ev-off', false);
    client = await connectClient(broker.url, { clientId: 'test-publisher' });

    // ev-a: baseline, then exactly at the physical and price limits (120 kW x 60 s = 2000 Wh; 2000 Wh x 190/kWh = 380).
    await accept(signed(evA, { seq: 1, ts: T, energyWh: 1000, revenueMinor: 100, sessionId: 0 }));
    const a2 = signed(evA, {
      seq: 2,
      ts: T + 60,
      energyWh: 3000,
      revenueMinor: 480,
      sessionId: 7,
      powerW: 120_000,
    });
    await accept(a2);
    expectedDuplicates++;
    await send(a2); // exact duplicate: acknowledged, ignored
    await rejectAs(
      'SEQUENCE_REPLAY',
      signed(evA, { seq: 2, ts: T + 60, energyWh: 3001, revenueMinor: 480, sessionId: 7 }),
    );
    await rejectAs('SEQUENCE_REPLAY', signed(evA, { seq: 1, ts: T, energyWh: 1000, revenueMinor: 101 }));
    await rejectAs(
      'TIMESTAMP_NOT_INCREASING',
      signed(evA, { seq: 3, ts: T + 60, energyWh: 3000, revenueMinor: 480 }),
    );
    await rejectAs(
      'REGISTER_DECREASED',
      signed(evA, { seq: 3, ts: T + 90, energyWh: 2999, revenueMinor: 480 }),
    );
    await rejectAs(
      'REGISTER_DECREASED',
      signed(evA, { seq: 3, ts: T + 90, energyWh: 3000, revenueMinor: 479 }),
    );
    await rejectAs(
      'ENERGY_IMPLAUSIBLE',
      signed(evA, { seq: 3, ts: T + 90, energyWh: 4001, revenueMinor: 480 }),
    );
    await rejectAs(
      'REVENUE_IMPLAUSIBLE',
      signed(evA, { seq: 3, ts: T + 90, energyWh: 4000, revenueMinor: 671 }),
    );
    await rejectAs('TIMESTAMP_SKEW', signed(evA, { seq: 3, ts: T + 401, energyWh: 4000, revenueMinor: 480 }));
    const a3 = signed(evA, { seq: 3, ts: T + 90, energyWh: 4000, revenueMinor: 670, sessionId: 7 });
    const tampered = { ...a3, energyWh: 3500 };
    expect(verifyReading(tampered, evA.publicKey)).toBe(false);
    await rejectAs('SIGNATURE_INVALID', tampered);
    await rejectAs('SIGNATURE_INVALID', {
      ...signed(evB, { seq: 3, ts: T + 90, energyWh: 4000, revenueMinor: 670 }),
      deviceId: 'ev-a',
    });
    await accept(a3);

    // Stateless steps.
    const good = JSON.parse(payloadOf(a3)) as Record<string, unknown>;
    const topicA = topicFor(1, 'ev-a');
    await rejectAs('PAYLOAD_TOO_LARGE', JSON.stringify({ ...good, pad: 'x'.repeat(1100) }), topicA);
    await rejectAs('JSON_MALFORMED', '{"v":1,', topicA);
    await send('{"v":1,', topicA); // byte-identical copy (QoS 1 resend): acknowledged, not stored twice
    await rejectAs('JSON_MALFORMED', Buffer.from([0xff, 0xfe, 0x00]), topicA);
    const { sessionId: _s, ...missing } = good;
    await rejectAs('SCHEMA_INVALID', JSON.stringify(missing), topicA);
    await rejectAs('SCHEMA_INVALID', JSON.stringify({ ...good, irradianceWm2: 5 }), topicA);
    await rejectAs('FIELD_OUT_OF_RANGE', JSON.stringify({ ...good, energyWh: -1 }), topicA);
    await rejectAs('FIELD_OUT_OF_RANGE', JSON.stringify({ ...good, energyWh: 2 ** 48 }), topicA);
    await rejectAs('NON_CANONICAL_JSON', JSON.stringify({ ...good, revenueMinor: 1.5 }), topicA);
    // Validly signed readings in non-canonical form: stored as evidence, they would read differently
    // (a parser keeping the first of two keys reads 99,999,999 Wh). Refused before anything else.
    for (const payload of craftedPayloads) await rejectAs('NON_CANONICAL_JSON', payload, topicA);
    await rejectAs('VERSION_UNSUPPORTED', JSON.stringify({ ...good, v: 2 }), topicA);
    const sig = good.sig as Record<string, string>;
    await rejectAs(
      'ENCODING_INVALID',
      JSON.stringify({ ...good, sig: { ...sig, S: FIELD_MODULUS.toString() } }),
      topicA,
    );
    await rejectAs('TOPIC_MISMATCH', payloadOf(a3), topicFor(1, 'ev-b'));
    await rejectAs('TOPIC_MISMATCH', payloadOf(a3), topicFor(2, 'ev-a'));
    await rejectAs('TOPIC_MISMATCH', payloadOf(a3), 'fleet/x/ev-a/reading');
    await rejectAs('DEVICE_UNKNOWN', signed(stranger, { seq: 1, ts: T, energyWh: 0, revenueMinor: 0 }));
    await rejectAs('DEVICE_INACTIVE', signed(evOff, { seq: 1, ts: T, energyWh: 0, revenueMinor: 0 }));

    // ev-b: out of order. 3 arrives before 2: 2 is late, accepted once, not re-counted.
    await accept(signed(evB, { seq: 1, ts: T, energyWh: 0, revenueMinor: 0 }));
    await accept(signed(evB, { seq: 3, ts: T + 60, energyWh: 2000, revenueMinor: 380, sessionId: 9 }));
    const b2 = signed(evB, { seq: 2, ts: T + 30, energyWh: 1000, revenueMinor: 190, sessionId: 9 });
    await accept(b2);
    expectedDuplicates++;
    await send(b2);
    await rejectAs('SEQUENCE_REPLAY', signed(evB, { seq: 2, ts: T + 30, energyWh: 1001, revenueMinor: 190 }));
    await accept(signed(evB, { seq: 6, ts: T + 90, energyWh: 3000, revenueMinor: 570 }));
    // Late readings must fit between their neighbours.
    await rejectAs(
      'TIMESTAMP_NOT_INCREASING',
      signed(evB, { seq: 5, ts: T + 95, energyWh: 2500, revenueMinor: 400 }),
    );
    await rejectAs(
      'TIMESTAMP_NOT_INCREASING',
      signed(evB, { seq: 4, ts: T + 60, energyWh: 2500, revenueMinor: 400 }),
    );
    // Too much energy between the previous accepted reading (seq 3) and this one: checked before the next.
    await rejectAs(
      'ENERGY_IMPLAUSIBLE',
      signed(evB, { seq: 4, ts: T + 70, energyWh: 3001, revenueMinor: 400 }),
    );
    await rejectAs(
      'REGISTER_DECREASED',
      signed(evB, { seq: 4, ts: T + 70, energyWh: 1999, revenueMinor: 400 }),
    );
    await rejectAs(
      'ENERGY_IMPLAUSIBLE',
      signed(evB, { seq: 4, ts: T + 61, energyWh: 2100, revenueMinor: 390 }),
    );

    // pv-a: two readings in one pool, different site.
    await accept(signed(pvA, { seq: 1, ts: T, energyWh: 50_000, revenueMinor: 20_000, irradianceWm2: 800 }));
    await accept(
      signed(pvA, { seq: 2, ts: T + 60, energyWh: 51_000, revenueMinor: 20_190, irradianceWm2: 810 }),
    );
    // A PUBACK to the publisher comes from the broker, not the gateway: wait for the gateway to receive all.
    await waitFor(() => gateway.counts().received === sent, 'every message at the gateway');
    await gateway.drain();
  }, 120_000);

  afterAll(async () => {
    await client?.endAsync();
    await gateway?.close();
    await broker?.close();
  });

  it('puts every valid reading in the ledger once and every invalid one in quarantine with its reason', async () => {
    expect(await gateway.ledger.count()).toBe(expectedAccepted);
    expect(await gateway.quarantine.countByReason()).toEqual(expectedRejects);
    const counts = gateway.counts();
    expect(counts.accepted).toBe(expectedAccepted);
    expect(counts.duplicates).toBe(expectedDuplicates);
    expect(counts.late).toBe(1);
    expect(counts.redeliveredRejects).toBe(1);
    expect(counts.received).toBe(
      expectedAccepted + expectedDuplicates + 1 + Object.values(expectedRejects).reduce((a, b) => a + b, 0),
    );
    expect(gateway.queueDepth()).toBe(0);
  });

  it('stores deltas against the in-order chain; a late reading carries zero deltas', async () => {
    const rows = await gateway.ledger.readingsOfDevice('ev-b');
    expect(rows.map((r) => [r.seq, r.inOrder, r.energyDeltaWh, r.revenueDeltaMinor])).toEqual([
      [1, true, 0n, 0n],
      [2, false, 0n, 0n],
      [3, true, 2000n, 380n],
      [6, true, 1000n, 190n],
    ]);
    const a = await gateway.ledger.readingsOfDevice('ev-a');
    expect(a.map((r) => [r.seq, r.energyDeltaWh, r.revenueDeltaMinor, r.newSession])).toEqual([
      [1, 0n, 0n, false],
      [2, 2000n, 380n, true],
      [3, 1000n, 190n, false],
    ]);
    expect(a[2]?.payload).toBe(
      payloadOf(signed(evA, { seq: 3, ts: T + 90, energyWh: 4000, revenueMinor: 670, sessionId: 7 })),
    );
  });

  it('finds the closing reading of every device of a pool in a window', async () => {
    const closing = await gateway.ledger.closingReadings(1, T, T + 61);
    expect(closing.map((r) => [r.deviceId, r.seq])).toEqual([
      ['ev-a', 2],
      ['ev-b', 3],
      ['pv-a', 2],
    ]);
    expect(await gateway.ledger.closingReadings(1, T + 1000, T + 2000)).toEqual([]);
  });

  it('quarantines validly signed readings in non-canonical form with their reason; the ledger never sees them', async () => {
    expect(verifyReading(JSON.parse(craftedPayloads[0]!) as SignedReading, evA.publicKey)).toBe(true);
    const refused = await gateway.quarantine.list({ reason: 'NON_CANONICAL_JSON' });
    const texts = refused.map((q) => Buffer.from(q.payloadPrefix).toString());
    for (const payload of craftedPayloads) expect(texts).toContain(payload);
    const ours = refused.filter((q) => craftedPayloads.includes(Buffer.from(q.payloadPrefix).toString()));
    expect(ours.map((q) => [q.field, q.topic])).toEqual(
      craftedPayloads.map(() => ['energyWh', topicFor(1, 'ev-a')]),
    );
    const evARows = await gateway.ledger.readingsOfDevice('ev-a');
    expect(evARows.map((r) => r.seq)).toEqual([1, 2, 3]);
    for (const row of evARows) expect(craftedPayloads).not.toContain(row.payload);
  });

  it('keeps the quarantined payload prefix, size, hash, topic and client', async () => {
    const [big] = await gateway.quarantine.list({ reason: 'PAYLOAD_TOO_LARGE' });
    expect(big?.payloadSize).toBeGreaterThan(1024);
    expect(big?.payloadPrefix.length).toBe(big?.payloadSize);
    expect(big?.payloadSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(big?.topic).toBe(topicFor(1, 'ev-a'));
    expect(big?.clientId).toBe('ev-a');
    const replays = await gateway.quarantine.list({ reason: 'SEQUENCE_REPLAY', deviceId: 'ev-b' });
    expect(replays.map((r) => [r.deviceId, r.seq, r.field])).toEqual([['ev-b', 2, 'seq']]);
  });

  it('hands in-order accepted readings to the time-series store: pool totals equal the ledger deltas', async () => {
    const store = gateway.timeSeries;
    expect(store).toBeDefined();
    await store?.flush();
    const rows = await store?.query({
      poolId: 1,
      level: 'pool',
      interval: '1d',
      fromTs: T - 86_400,
      toTs: T + 86_400,
    });
    const energy = rows?.reduce((s, r) => s + r.energyWh, 0n);
    const revenue = rows?.reduce((s, r) => s + r.revenueMinor, 0n);
    // ev-a 3000 + ev-b 3000 + pv-a 1000
    expect(energy).toBe(7000n);
    expect(revenue).toBe(380n + 190n + 570n + 190n);
  });

  it('serves the HTTP API and Prometheus metrics', async () => {
    const get = async (path: string) => {
      const res = await fetch(`${gateway.apiUrl}${path}`);
      return {
        status: res.status,
        body: res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text(),
      };
    };
    expect((await get('/health')).body).toMatchObject({ ok: true, mqttConnected: true, queueDepth: 0 });
    const fleet = (await get('/fleet')).body as {
      pools: Array<{ poolId: number; registered: number; reporting: number }>;
    };
    expect(fleet.pools[0]).toMatchObject({ poolId: 1, registered: 3, reporting: 3 });
    const readings = (await get('/devices/ev-a/readings?from=0&to=4294967295')).body as Array<{
      seq: number;
      energyDeltaWh: string;
    }>;
    expect(readings.map((r) => [r.seq, r.energyDeltaWh])).toEqual([
      [1, '0'],
      [2, '2000'],
      [3, '1000'],
    ]);
    expect((await get('/devices/nope/readings')).status).toBe(404);
    const q = (await get('/quarantine?reason=REGISTER_DECREASED&limit=10')).body as unknown[];
    expect(q).toHaveLength(expectedRejects.REGISTER_DECREASED ?? -1);
    expect((await get('/quarantine?reason=NOPE')).status).toBe(400);
    const agg = await get(`/aggregates?pool=1&level=site&interval=1d&from=${T - 86_400}&to=${T + 86_400}`);
    expect(agg.status).toBe(200);
    const sites = agg.body as Array<{ siteId: string; energyWh: string; registeredDevices: number }>;
    expect(sites.find((s) => s.siteId === 'st-1')).toMatchObject({ energyWh: '6000', registeredDevices: 2 });
    expect((await get('/aggregates?pool=1&level=planet&interval=1d&from=0&to=1')).status).toBe(400);
    expect((await get('/aggregates?level=pool&interval=1d&from=0&to=1')).status).toBe(400);
    const metrics = (await get('/metrics')).body as string;
    expect(metrics).toContain(`gateway_readings_accepted_total{pool="1"} ${expectedAccepted}`);
    expect(metrics).toContain(`gateway_readings_duplicate_total ${expectedDuplicates}`);
    expect(metrics).toContain(`gateway_readings_rejected_total{reason="SIGNATURE_INVALID"} 2`);
    expect(metrics).toContain('gateway_ledger_write_seconds_bucket');
    expect(metrics).toContain('gateway_queue_depth 0');
    expect(metrics).toContain('gateway_timeseries_buffered_points');
    expect((await get('/nothing')).status).toBe(404);
  });
});
