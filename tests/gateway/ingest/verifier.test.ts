import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openGatewayDb } from '../../../gateway/db.ts';
import { createSignatureVerifier } from '../../../gateway/ingest/verifier.ts';
import { Registry } from '../../../gateway/registry/registry.ts';
import {
  prevalidate,
  prevalidateParsed,
  topicDeviceRecord,
} from '../../../gateway/validation/prevalidate.ts';
import { type PayloadItem, parseAndVerifyBatch, topicFor } from '../../../protocol/index.ts';
import { makeDevice, POOL_1, payloadOf, registrationOf, signed, tempDir } from '../support.ts';

const a = makeDevice('ev-a');
const b = makeDevice('ev-b');
const pv = makeDevice('pv-c', { kind: 'pv' });
const stranger = makeDevice('ev-stranger');
const utf8 = (text: string) => Buffer.from(text, 'utf8');

/** Messages of every kind: valid, tampered, signed by another key, malformed, oversized. */
const payloads: Buffer[] = Array.from({ length: 80 }, (_, i) => {
  const device = [a, b, pv][i % 3]!;
  const reading = signed(device, { seq: i + 1, ts: 1_767_225_600 + i, energyWh: i * 10, revenueMinor: i });
  switch (i % 8) {
    case 1:
      return utf8(payloadOf({ ...reading, energyWh: reading.energyWh + 1 }));
    case 2:
      return utf8(payloadOf({ ...signed({ ...stranger, deviceId: device.deviceId }, reading) }));
    case 3:
      return utf8('{"v":1,');
    case 4:
      return utf8(payloadOf(reading).replace('"seq"', '"sek"'));
    default:
      return utf8(payloadOf(reading));
  }
});
const items: PayloadItem[] = payloads.map((payload, i) => ({
  payload,
  publicKey: i % 5 === 4 ? undefined : [a, b, pv][i % 3]!.publicKey,
}));

describe('signature verifier', () => {
  const expected = parseAndVerifyBatch(items);

  it('parses and verifies the same in 2 worker threads as on the main thread', async () => {
    expect(new Set(expected.map((r) => (r.ok ? r.signatureValid : r.code)))).toEqual(
      new Set([true, false, undefined, 'JSON_MALFORMED', 'SCHEMA_INVALID']),
    );
    const workers = await createSignatureVerifier(2);
    const main = await createSignatureVerifier(0);
    try {
      expect(workers.concurrency).toBe(2);
      expect(main.concurrency).toBe(1);
      expect(await workers.parseAndVerify(items)).toEqual(expected);
      expect(await main.parseAndVerify(items)).toEqual(expected);
      expect(await workers.parseAndVerify([])).toEqual([]);
    } finally {
      await workers.close();
      await main.close();
    }
  });

  it('checks a batch on the main thread when the worker pool fails, and says so', async () => {
    const failures: unknown[] = [];
    const verifier = await createSignatureVerifier(1, (error) => failures.push(error));
    await verifier.close(); // every later batch fails in the pool
    expect(await verifier.parseAndVerify(items)).toEqual(expected);
    expect(failures).toHaveLength(1);
    expect(String(failures[0])).toMatch(/closed/);
  });
});

describe('prevalidation of worker-parsed payloads', () => {
  const dbReady = openGatewayDb(join(tempDir(), 'v.duckdb'));
  afterAll(async () => (await dbReady).close());

  it('keys a message by the registered, active device its topic names, and by nothing else', async () => {
    const registry = await Registry.open(await dbReady);
    await registry.addPool(POOL_1);
    await registry.addPool({ ...POOL_1, poolId: 2 });
    await registry.registerDevices([a, b, pv].map(registrationOf));
    await registry.registerDevices([registrationOf(makeDevice('ev-p2', { poolId: 2 }))]);
    await registry.setActive('ev-b', false);
    expect(topicDeviceRecord(topicFor(1, 'ev-a'), registry)?.publicKey).toEqual(a.publicKey);
    expect(topicDeviceRecord(topicFor(1, 'ev-b'), registry)).toBeUndefined(); // inactive
    expect(topicDeviceRecord(topicFor(2, 'ev-a'), registry)).toBeUndefined(); // other pool
    expect(topicDeviceRecord(topicFor(1, 'ev-p2'), registry)).toBeUndefined(); // registered in pool 2
    expect(topicDeviceRecord(topicFor(1, 'ev-stranger'), registry)).toBeUndefined(); // unknown
    expect(topicDeviceRecord('fleet/1/ev-a/reading/x', registry)).toBeUndefined();
    expect(topicDeviceRecord('fleet/01/ev-a/reading', registry)).toBeUndefined();
    expect(topicDeviceRecord('other/1/ev-a/reading', registry)).toBeUndefined();
  });

  it('gives the verdict of the main-thread prevalidation for every message and topic', async () => {
    const registry = await Registry.open(await dbReady);
    const topics = [
      topicFor(1, 'ev-a'),
      topicFor(1, 'ev-b'),
      topicFor(1, 'pv-c'),
      'fleet/1/ev-a',
      topicFor(2, 'ev-a'),
    ];
    const parsed = parseAndVerifyBatch(payloads.map((payload) => ({ payload, publicKey: undefined })));
    let compared = 0;
    for (let i = 0; i < payloads.length; i++) {
      for (const topic of topics) {
        const direct = prevalidate(topic, payloads[i]!, registry);
        const split = prevalidateParsed(topic, parsed[i]!, registry);
        expect(split).toEqual(direct);
        compared++;
      }
    }
    expect(compared).toBe(400);
  });
});
