import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../broker/embedded.ts';
import { READING_TOPIC_FILTER } from '../../protocol/index.ts';
import { fleetBrokerAuth } from '../../simulator/broker-auth.ts';
import { type FleetConfigInput, parseFleetConfig } from '../../simulator/config.ts';
import { FleetGenerator, type SimMessage } from '../../simulator/generator.ts';
import { runFleet } from '../../simulator/runner.ts';
import { startMosquitto } from '../support/mosquitto.ts';
import { waitFor } from '../support/wait.ts';

const input: FleetConfigInput = {
  seed: 'runner-test',
  start: '2026-05-01T00:00:00Z',
  durationS: 2 * 3600,
  intervalS: 300,
  speed: 0,
  pools: [{ poolId: 2, ev: { piles: 4, pilesPerStation: 2 }, pv: { sites: 2 } }],
  faults: { duplicate: 0.05, malformed: 0.05, oversized: 0.05, tamper: 0.05 },
};
const counter = { username: 'counter', password: 'counter-secret' };

/** The messages the fleet must publish, from an independent generator with the same seed. */
const expected: SimMessage[] = [...new FleetGenerator(parseFleetConfig(input))];

async function subscribe(url: string, credentials?: { username: string; password: string }) {
  const client: MqttClient = await mqtt.connectAsync(url, {
    clientId: `counter-${Math.random()}`,
    ...credentials,
  });
  const received: Array<{ topic: string; payload: string }> = [];
  client.on('message', (topic, payload) => received.push({ topic, payload: payload.toString('utf8') }));
  await client.subscribeAsync(READING_TOPIC_FILTER, { qos: 1 });
  return { client, received };
}

function waitForMessages(predicate: () => boolean): Promise<void> {
  return waitFor(predicate, 'the published messages', { intervalMs: 20 });
}

/** Asserts every expected message arrived exactly as generated, in order per device. */
function expectSameStream(received: ReadonlyArray<{ topic: string; payload: string }>): void {
  expect(received).toHaveLength(expected.length);
  const byTopic = (items: ReadonlyArray<{ topic: string; payload: string }>) => {
    const map = new Map<string, string[]>();
    for (const { topic, payload } of items) map.set(topic, [...(map.get(topic) ?? []), payload]);
    return map;
  };
  expect(byTopic(received)).toEqual(byTopic(expected));
}

describe('live run through the embedded aedes broker', () => {
  let broker: EmbeddedBroker;
  beforeAll(async () => {
    const keys = new FleetGenerator(parseFleetConfig(input)).keys;
    const config = parseFleetConfig(input);
    broker = await startEmbeddedBroker(
      fleetBrokerAuth(keys, {
        services: [counter],
        relays: [{ username: config.mqtt.relayUsername, password: config.mqtt.relayPassword }],
      }),
    );
  });
  afterAll(async () => {
    await broker.close();
  });

  for (const mode of ['per-device', 'pooled'] as const) {
    it(`delivers every message byte for byte with device credentials (${mode})`, async () => {
      const { client, received } = await subscribe(broker.url, counter);
      const config = parseFleetConfig({ ...input, mqtt: { mode, poolSize: 3 } });
      const summary = await runFleet({ config, brokerUrl: broker.url });
      await waitForMessages(() => received.length >= expected.length);
      await client.endAsync();
      expect(summary.mode).toBe(mode);
      expect(summary.clients).toBe(mode === 'per-device' ? 6 : 3);
      expect(summary.published).toBe(expected.length);
      expect(summary.acked).toBe(expected.length);
      expect(summary.publishErrors).toBe(0);
      expectSameStream(received);
    });
  }

  it('refuses to run with wrong relay credentials', async () => {
    const config = parseFleetConfig({ ...input, mqtt: { mode: 'pooled', relayPassword: 'wrong' } });
    await expect(runFleet({ config, brokerUrl: broker.url })).rejects.toThrow(/refused/);
  });

  it('paces a compressed run by the simulated clock', async () => {
    // One hour at 3600x: about one wall second.
    const config = parseFleetConfig({ ...input, durationS: 3600, speed: 3600, faults: {} });
    const started = Date.now();
    const summary = await runFleet({ config, brokerUrl: broker.url });
    const elapsedMs = Date.now() - started;
    expect(summary.acked).toBe(summary.published);
    expect(elapsedMs).toBeGreaterThanOrEqual(900);
  });
});

describe('live run through mosquitto', () => {
  let mosquitto: Awaited<ReturnType<typeof startMosquitto>>;
  beforeAll(async () => {
    mosquitto = await startMosquitto();
  });
  afterAll(async () => {
    await mosquitto?.stop();
  });

  it('delivers every message byte for byte', async () => {
    const { client, received } = await subscribe(mosquitto.url);
    const summary = await runFleet({ config: parseFleetConfig({ ...input, mqtt: { url: mosquitto.url } }) });
    await waitForMessages(() => received.length >= expected.length);
    await client.endAsync();
    expect(summary.brokerUrl).toBe(mosquitto.url);
    expect(summary.acked).toBe(expected.length);
    expectSameStream(received);
  });
});

describe('live run with the embedded broker started by the runner', () => {
  it('starts, uses and stops its own broker', async () => {
    let url = '';
    const summary = await runFleet({
      config: parseFleetConfig({ ...input, durationS: 600, faults: {} }),
      onStart: ({ brokerUrl }) => {
        url = brokerUrl;
      },
    });
    expect(summary.acked).toBe(summary.published);
    expect(summary.published).toBe(6 * 3);
    const refused = await mqtt
      .connectAsync(url, { reconnectPeriod: 0, connectTimeout: 2000 })
      .then((c) => c.endAsync().then(() => 'connected'))
      .catch(() => 'closed');
    expect(refused).toBe('closed');
  });
});
