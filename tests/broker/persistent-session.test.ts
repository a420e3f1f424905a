import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../broker/embedded.ts';
import { waitFor } from '../support/wait.ts';
import { READING_TOPIC_FILTER, topicFor } from '../../protocol/index.ts';

let broker: EmbeddedBroker;

beforeAll(async () => {
  broker = await startEmbeddedBroker();
});
afterAll(async () => {
  await broker.close();
});

describe('embedded broker sessions', () => {
  it('lets anyone connect and publish when no hooks are given', async () => {
    const client = await mqtt.connectAsync(broker.url, { clientId: 'open-1' });
    await client.publishAsync('anything/at/all', 'x', { qos: 1 });
    await client.endAsync();
  });

  it('queues QoS 1 messages for a persistent session while its client is away', async () => {
    const options = { clientId: 'gateway-1', clean: false, reconnectPeriod: 0 } as const;
    const first = await mqtt.connectAsync(broker.url, options);
    await first.subscribeAsync(READING_TOPIC_FILTER, { qos: 1 });
    await first.endAsync();

    const publisher = await mqtt.connectAsync(broker.url, { clientId: 'ev-1-00001' });
    for (let i = 1; i <= 5; i++)
      await publisher.publishAsync(topicFor(1, 'ev-1-00001'), `m${i}`, { qos: 1 });
    await publisher.endAsync();

    const received: string[] = [];
    const second = mqtt.connect(broker.url, options);
    second.on('message', (_topic, payload) => received.push(payload.toString()));
    await new Promise((resolve) => second.once('connect', resolve));
    await waitFor(() => received.length >= 5, 'the five queued messages', {
      timeoutMs: 5000,
      intervalMs: 20,
    });
    await second.endAsync();
    expect(received).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
  });

  it('does not queue for a clean session', async () => {
    const first = await mqtt.connectAsync(broker.url, { clientId: 'clean-1', clean: true });
    await first.subscribeAsync(READING_TOPIC_FILTER, { qos: 1 });
    await first.endAsync();
    const publisher = await mqtt.connectAsync(broker.url, { clientId: 'ev-1-00002' });
    await publisher.publishAsync(topicFor(1, 'ev-1-00002'), 'lost', { qos: 1 });
    await publisher.endAsync();
    const received: string[] = [];
    const second = mqtt.connect(broker.url, { clientId: 'clean-1', clean: true });
    second.on('message', (_topic, payload) => received.push(payload.toString()));
    await new Promise((resolve) => second.once('connect', resolve));
    await new Promise((r) => setTimeout(r, 300));
    await second.endAsync();
    expect(received).toEqual([]);
  });
});

describe('embedded broker with only a publish hook', () => {
  it('passes the CONNECT user name to authorizePublish', async () => {
    const seen: Array<string | undefined> = [];
    const restricted = await startEmbeddedBroker({
      authorizePublish: (_clientId, username, topic) => {
        seen.push(username);
        return username !== undefined && topic === topicFor(1, username);
      },
    });
    try {
      const client = await mqtt.connectAsync(restricted.url, {
        clientId: 'ev-1-00003',
        username: 'ev-1-00003',
        password: 'x',
      });
      await client.publishAsync(topicFor(1, 'ev-1-00003'), 'ok', { qos: 1 });
      await client.endAsync();
      expect(seen).toEqual(['ev-1-00003']);
    } finally {
      await restricted.close();
    }
  });
});
