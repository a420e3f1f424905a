import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../broker/embedded.ts';
import { type DeviceKey, topicFor } from '../../protocol/index.ts';
import { fleetBrokerAuth } from '../../simulator/broker-auth.ts';

const key = (deviceId: string, mqttPassword: string): DeviceKey => ({
  deviceId,
  poolId: 7,
  kind: 'ev',
  siteId: 'st-7-0001',
  ratedPowerW: 7000,
  privateKey: '00'.repeat(32),
  publicKey: { Ax: '1', Ay: '2' },
  mqttPassword,
});

const keys = new Map([
  ['ev-7-00001', key('ev-7-00001', 'a'.repeat(32))],
  ['ev-7-00002', key('ev-7-00002', 'b'.repeat(32))],
]);
const watcher = { username: 'watcher', password: 'watcher-secret' };
const relay = { username: 'relay', password: 'relay-secret' };

let broker: EmbeddedBroker;
let subscriber: MqttClient;
const received: string[] = [];
const clients: MqttClient[] = [];

function connect(clientId: string, username: string, password: string): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(broker.url, {
      clientId,
      username,
      password,
      reconnectPeriod: 0,
      connectTimeout: 5000,
    });
    clients.push(client);
    client.once('connect', () => resolve(client));
    client.once('error', reject);
  });
}

/** Publishes with QoS 1 and resolves with the outcome: acknowledged, or refused (connection closed). */
function publishOutcome(client: MqttClient, topic: string, payload: string): Promise<'acked' | 'refused'> {
  return new Promise((resolve) => {
    client.once('close', () => resolve('refused'));
    client.publish(topic, payload, { qos: 1 }, (error) => resolve(error ? 'refused' : 'acked'));
  });
}

async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 200));
}

beforeAll(async () => {
  broker = await startEmbeddedBroker(fleetBrokerAuth(keys, { services: [watcher], relays: [relay] }));
  subscriber = await connect('watcher-1', watcher.username, watcher.password);
  await subscriber.subscribeAsync('#', { qos: 1 });
  subscriber.on('message', (topic, payload) => received.push(`${topic} ${payload.toString()}`));
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true)));
  await broker.close();
});

describe('embedded broker authentication', () => {
  it('accepts a device with client id = username = deviceId and its password', async () => {
    const client = await connect('ev-7-00001', 'ev-7-00001', 'a'.repeat(32));
    expect(client.connected).toBe(true);
  });

  it('refuses a wrong password with CONNACK code 4', async () => {
    const error = await connect('ev-7-00002', 'ev-7-00002', 'a'.repeat(32)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as { code?: number }).code).toBe(4);
  });

  it('refuses a device whose client id differs from its user name', async () => {
    const error = await connect('someone-else', 'ev-7-00002', 'b'.repeat(32)).catch((e: unknown) => e);
    expect((error as { code?: number }).code).toBe(4);
  });

  it('refuses an unknown user and a missing password', async () => {
    expect(await connect('x', 'nobody', 'pw').catch((e: unknown) => (e as { code?: number }).code)).toBe(4);
    const anonymous = await new Promise<unknown>((resolve) => {
      const client = mqtt.connect(broker.url, { clientId: 'anon', reconnectPeriod: 0 });
      clients.push(client);
      client.once('connect', () => resolve('connected'));
      client.once('error', (e) => resolve((e as { code?: number }).code));
    });
    expect(anonymous).toBe(4);
  });
});

describe('embedded broker topic authorisation', () => {
  it('delivers a device publish on its own topic', async () => {
    const client = await connect('ev-7-00002', 'ev-7-00002', 'b'.repeat(32));
    expect(await publishOutcome(client, topicFor(7, 'ev-7-00002'), 'own')).toBe('acked');
    await settle();
    expect(received).toContain(`${topicFor(7, 'ev-7-00002')} own`);
  });

  it("stops a device publishing to another device's topic", async () => {
    const client = await connect('ev-7-00001', 'ev-7-00001', 'a'.repeat(32));
    const outcome = await publishOutcome(client, topicFor(7, 'ev-7-00002'), 'forged');
    await settle();
    expect(outcome).toBe('refused');
    expect(received.some((line) => line.endsWith(' forged'))).toBe(false);
  });

  it('stops a device publishing to its own id under another pool', async () => {
    const client = await connect('ev-7-00001', 'ev-7-00001', 'a'.repeat(32));
    const outcome = await publishOutcome(client, topicFor(8, 'ev-7-00001'), 'wrong-pool');
    await settle();
    expect(outcome).toBe('refused');
    expect(received.some((line) => line.endsWith(' wrong-pool'))).toBe(false);
  });

  it('lets a relay publish to fleet device topics only', async () => {
    const client = await connect('relay-0', relay.username, relay.password);
    expect(await publishOutcome(client, topicFor(7, 'ev-7-00001'), 'relayed')).toBe('acked');
    expect(await publishOutcome(client, topicFor(7, 'ev-7-99999'), 'unknown-device')).toBe('refused');
    await settle();
    expect(received).toContain(`${topicFor(7, 'ev-7-00001')} relayed`);
    expect(received.some((line) => line.endsWith(' unknown-device'))).toBe(false);
  });

  it('stops a service account from publishing', async () => {
    const client = await connect('watcher-2', watcher.username, watcher.password);
    const outcome = await publishOutcome(client, topicFor(7, 'ev-7-00001'), 'from-service');
    await settle();
    expect(outcome).toBe('refused');
    expect(received.some((line) => line.endsWith(' from-service'))).toBe(false);
  });
});
