import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { startEmbeddedBroker } from '../../broker/embedded.ts';
import { IndexedMemoryPersistence } from '../../broker/indexed-persistence.ts';
import { topicFor } from '../../protocol/index.ts';

const require = createRequire(import.meta.url);
const MemoryPersistence = require('aedes-persistence/asyncPersistence.js') as new () => Persistence;

interface Persistence {
  outgoingEnqueue(sub: { clientId: string }, packet: object): Promise<void>;
  outgoingEnqueueCombi(subs: { clientId: string }[], packet: object): Promise<void>;
  outgoingUpdate(client: { id: string }, packet: object): Promise<void>;
  outgoingClearMessageId(client: { id: string }, packet: object): Promise<object | undefined>;
  outgoingStream(client: { id: string }): Readable;
}

async function drain(stream: Readable): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const item of stream) out.push({ ...item });
  return out;
}

/** Deterministic pseudo-random integers. */
function rng(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
}

/** Runs the same operation on aedes-persistence and on the indexed version; both must agree. */
async function both<T>(
  ref: Persistence,
  mine: Persistence,
  op: (p: Persistence) => Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; message: string }> {
  const settle = async (p: Persistence) => {
    try {
      return { ok: true as const, value: await op(p) };
    } catch (error) {
      return { ok: false as const, message: (error as Error).message };
    }
  };
  const [a, b] = [await settle(ref), await settle(mine)];
  expect(JSON.parse(JSON.stringify(b))).toEqual(JSON.parse(JSON.stringify(a)));
  return a;
}

describe('indexed outgoing queues: same results as aedes-persistence', () => {
  it('random enqueue / update / acknowledge / stream sequences, one broker and then a second one', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const ref = new MemoryPersistence();
      const mine = new IndexedMemoryPersistence() as unknown as Persistence;
      const next = rng(seed);
      const clients = ['gateway', 'watcher'];
      let counter = 0;
      let messageId = 0;
      const sent: Array<{ client: string; brokerId: string; brokerCounter: number; messageId: number }> = [];
      for (let step = 0; step < 3000; step++) {
        const client = clients[next(clients.length)]!;
        const foreign = step > 2000 && next(4) === 0; // a second broker's packets late in the sequence
        const brokerId = foreign ? 'broker-b' : 'broker-a';
        const action = next(10);
        if (action < 4) {
          // usually a new message; sometimes the same one again (one counter queued twice for a client)
          if (next(12) !== 0 || counter === 0) counter++;
          const packet = {
            cmd: 'publish',
            topic: topicFor(1, `ev-${counter}`),
            payload: Buffer.from(`m${counter}`),
            qos: 1,
            brokerId,
            brokerCounter: counter,
          };
          if (next(5) === 0)
            await both(ref, mine, (p) =>
              p.outgoingEnqueueCombi([{ clientId: 'gateway' }, { clientId: 'watcher' }], packet),
            );
          else await both(ref, mine, (p) => p.outgoingEnqueue({ clientId: client }, packet));
          // deliver: the broker assigns a message id (ids wrap, so repeats happen)
          messageId = (messageId % 40) + 1;
          const update = { ...packet, messageId };
          await both(ref, mine, (p) => p.outgoingUpdate({ id: client }, update));
          sent.push({ client, brokerId, brokerCounter: counter, messageId });
        } else if (action < 8) {
          // acknowledge: mostly the oldest, sometimes any, sometimes an unknown id
          const pick = next(4) === 0 ? next(Math.max(1, sent.length)) : 0;
          const target = sent[pick];
          const id = next(10) === 0 || target === undefined ? 1000 + next(5) : target.messageId;
          const who = target?.client ?? client;
          await both(ref, mine, (p) => p.outgoingClearMessageId({ id: who }, { messageId: id }));
          if (target !== undefined && id === target.messageId) sent.splice(pick, 1);
        } else if (action < 9) {
          // an update for a packet that is not there, or with a foreign broker id and a reused message id
          const packet = {
            cmd: 'publish',
            topic: 't',
            payload: Buffer.from('x'),
            qos: 1,
            brokerId: next(2) === 0 ? 'broker-a' : 'broker-c',
            brokerCounter: 10_000_000 + step,
            messageId: 1 + next(40),
          };
          await both(ref, mine, (p) => p.outgoingUpdate({ id: client }, packet));
        } else {
          await both(ref, mine, async (p) => drain(p.outgoingStream({ id: client })));
        }
      }
      for (const client of clients)
        await both(ref, mine, async (p) => drain(p.outgoingStream({ id: client })));
    }
  });

  it('a backlog of 20,000 unacknowledged deliveries: each is updated, then acknowledged in order, and the queue empties', async () => {
    const mine = new IndexedMemoryPersistence() as unknown as Persistence;
    for (let i = 1; i <= 20_000; i++) {
      const packet = {
        cmd: 'publish',
        topic: 't',
        payload: Buffer.from('x'),
        qos: 1,
        brokerId: 'a',
        brokerCounter: i,
      };
      await mine.outgoingEnqueue({ clientId: 'gateway' }, packet);
      await mine.outgoingUpdate({ id: 'gateway' }, { ...packet, messageId: ((i - 1) % 65535) + 1 });
    }
    expect((await drain(mine.outgoingStream({ id: 'gateway' }))).length).toBe(20_000);
    for (let i = 1; i <= 20_000; i++) {
      const cleared = (await mine.outgoingClearMessageId({ id: 'gateway' }, { messageId: i })) as {
        brokerCounter: number;
      };
      expect(cleared.brokerCounter).toBe(i);
    }
    expect(await drain(mine.outgoingStream({ id: 'gateway' }))).toEqual([]);
  });
});

describe('embedded broker with indexed persistence', () => {
  it('a persistent QoS 1 session gets what was published while it was away, in order, exactly once', async () => {
    const broker = await startEmbeddedBroker();
    try {
      const connect = (clean: boolean) =>
        mqtt.connectAsync(broker.url, { clientId: 'sub-1', clean, reconnectPeriod: 0, protocolVersion: 4 });
      const subscriber = await connect(false);
      await subscriber.subscribeAsync('fleet/#', { qos: 1 });
      await subscriber.endAsync();
      const publisher = await mqtt.connectAsync(broker.url, { clientId: 'pub-1', reconnectPeriod: 0 });
      for (let i = 0; i < 500; i++) await publisher.publishAsync(topicFor(1, 'ev-1'), `m${i}`, { qos: 1 });
      await publisher.endAsync();
      const received: string[] = [];
      const back = await connect(false);
      await new Promise<void>((resolve) => {
        back.on('message', (_topic, payload) => {
          received.push(payload.toString());
          if (received.length === 500) resolve();
        });
      });
      await new Promise((r) => setTimeout(r, 200)); // nothing more arrives
      expect(received).toEqual(Array.from({ length: 500 }, (_, i) => `m${i}`));
      await back.endAsync();
    } finally {
      await broker.close();
    }
  });
});
