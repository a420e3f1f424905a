import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../../broker/embedded.ts';
import { connectMqttSource, type IncomingMessage } from '../../../gateway/ingest/mqtt-source.ts';
import { silentLogger } from '../../../lib/log.ts';
import { READING_TOPIC_FILTER, topicFor } from '../../../protocol/index.ts';
import { connectClient, publish, waitFor } from '../support.ts';

function source(url: string, received: IncomingMessage[]) {
  return connectMqttSource({
    url,
    clientId: 'gateway-ack-test',
    topic: READING_TOPIC_FILTER,
    reconnectPeriodMs: 100,
    logger: silentLogger(),
    now: Date.now,
    onMessage: (m) => received.push(m),
  });
}

describe('deferred PUBACK with a persistent session', () => {
  let broker: EmbeddedBroker;
  beforeAll(async () => {
    broker = await startEmbeddedBroker();
  });
  afterAll(async () => {
    await broker?.close();
  });

  it('redelivers every message not acknowledged, and nothing once acknowledged', async () => {
    const first: IncomingMessage[] = [];
    const a = source(broker.url, first);
    await a.ready;
    const publisher = await connectClient(broker.url, { clientId: 'publisher' });
    for (let i = 1; i <= 5; i++) await publish(publisher, topicFor(1, `ev-${i}`), `m${i}`);
    await waitFor(() => first.length === 5, 'five messages');
    expect(first.every((m) => !m.dup)).toBe(true);
    // Acknowledge only the first two, then go away (as if killed before committing the rest).
    first[0]?.ack();
    first[1]?.ack();
    await new Promise((r) => setTimeout(r, 100));
    a.client.end(true);

    const second: IncomingMessage[] = [];
    const b = source(broker.url, second);
    await b.ready;
    // While b was away nothing else was published; the broker re-sends the three unacknowledged ones.
    await waitFor(() => second.length === 3, 'three redelivered messages');
    expect(second.map((m) => m.payload.toString())).toEqual(['m3', 'm4', 'm5']);
    // (aedes does not set DUP on these redeliveries; the pipeline does not rely on it.)
    // An ack from the old connection must not be sent on the new one (it is a no-op).
    first[2]?.ack();
    for (const m of second) m.ack();
    await new Promise((r) => setTimeout(r, 100));
    b.client.end(true);

    const third: IncomingMessage[] = [];
    const c = source(broker.url, third);
    await c.ready;
    await publish(publisher, topicFor(1, 'ev-9'), 'm9');
    await waitFor(() => third.length >= 1, 'the new message');
    await new Promise((r) => setTimeout(r, 200));
    expect(third.map((m) => m.payload.toString())).toEqual(['m9']);
    await c.close();
    await publisher.endAsync();
  }, 60_000);
});
