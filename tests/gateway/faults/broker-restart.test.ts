import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayHandle, startGateway } from '../../../gateway/index.ts';
import type { FleetGenerator, SimMessage } from '../../../simulator/generator.ts';
import type { ServerProcess } from '../../../lib/servers/process.ts';
import { compareWithTruth, registerFleet, simulatedFleet } from '../fleet-fixture.ts';
import { connectClient, tempDir, testConfig, waitFor } from '../support.ts';
import { startPersistentMosquitto } from './persistent-mosquitto.ts';

describe('mosquitto restarted on the same port mid-stream', () => {
  let broker: ServerProcess & { url: string; dir: string };
  let gateway: GatewayHandle;
  let generator: FleetGenerator;
  let messages: SimMessage[];

  beforeAll(async () => {
    ({ generator, messages } = simulatedFleet({ seed: 'gateway-broker-restart' }));
    broker = await startPersistentMosquitto();
    gateway = await startGateway(
      testConfig(broker.url, tempDir(), {
        mqtt: { url: broker.url, clientId: 'gateway-restart', reconnectPeriodMs: 200 },
        validation: { maxClockSkewS: 3600 },
        batch: { maxSize: 50, maxDelayMs: 5 },
      }),
    );
    await registerFleet(gateway.registry, generator);
  }, 120_000);

  afterAll(async () => {
    await gateway?.close();
    await broker?.stop();
  });

  it('delivers every reading exactly once after the broker comes back', async () => {
    // The publisher also keeps a persistent session; mqtt.js queues publishes while disconnected
    // and re-sends the unacknowledged ones on reconnection.
    const publisher = await connectClient(broker.url, {
      clientId: 'fleet-publisher',
      clean: false,
      reconnectPeriod: 200,
    });
    const third = Math.floor(messages.length / 3);
    const sends: Promise<void>[] = [];
    const send = (m: SimMessage) =>
      sends.push(
        new Promise((resolve, reject) =>
          publisher.publish(m.topic, m.payload, { qos: 1 }, (e) => (e ? reject(e) : resolve())),
        ),
      );
    for (const m of messages.slice(0, third)) send(m);
    await waitFor(() => gateway.counts().received > 0, 'the gateway to receive readings');
    // Graceful stop saves sessions and queued messages; the stream goes on while the broker is down.
    await broker.stop();
    for (const m of messages.slice(third, 2 * third)) send(m);
    await waitFor(() => !gateway.mqtt.connected(), 'the gateway to notice');
    broker = await startPersistentMosquitto({ port: broker.port, dir: broker.dir });
    for (const m of messages.slice(2 * third)) send(m);
    await Promise.all(sends);
    await publisher.endAsync();
    await waitFor(() => gateway.mqtt.connected(), 'the gateway to reconnect');

    // Copies re-sent by the publisher after the restart are recognised (duplicate / same quarantined bytes).
    const expectedAtLeast = messages.length;
    await waitFor(
      () => gateway.counts().received >= expectedAtLeast,
      `${expectedAtLeast} messages at the gateway`,
      60_000,
    );
    await new Promise((r) => setTimeout(r, 500));
    await gateway.drain();
    expect(await compareWithTruth(gateway.db, messages)).toEqual([]);
    expect(gateway.queueDepth()).toBe(0);
  }, 180_000);
});
