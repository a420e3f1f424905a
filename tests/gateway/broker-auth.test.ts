import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../broker/embedded.ts';
import { createBrokerAuth, sha256Hex } from '../../gateway/broker-auth.ts';
import { type GatewayHandle, startGateway } from '../../gateway/index.ts';
import { topicFor } from '../../protocol/index.ts';
import { capturedLogger } from '../lib/log-capture.ts';
import {
  connectClient,
  connectDevice,
  GATEWAY_ACCOUNT,
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

const a = makeDevice('ev-a');
const b = makeDevice('ev-b');
const off = makeDevice('ev-off');

describe('broker authentication and topic authorisation from the registry', () => {
  let broker: EmbeddedBroker;
  let gateway: GatewayHandle;
  const clients: MqttClient[] = [];
  const log = capturedLogger('info');

  beforeAll(async () => {
    broker = await startEmbeddedBroker({
      ...createBrokerAuth(() => gateway?.registry, { services: [GATEWAY_ACCOUNT] }),
      logger: log.logger.child({ service: 'broker' }),
    });
    gateway = await startGateway(testConfig(broker.url, tempDir()), {
      logger: log.logger.child({ service: 'gateway' }),
    });
    await gateway.registry.addPool(POOL_1);
    await gateway.registry.registerDevices([a, b, off].map(registrationOf));
    await gateway.registry.setActive('ev-off', false);
  });

  afterAll(async () => {
    for (const c of clients) c.end(true);
    await gateway?.close();
    await broker?.close();
  });

  it('refuses a wrong password, a client id other than the device id, a deactivated device and an unknown user', async () => {
    await expect(
      connectClient(broker.url, { clientId: 'ev-a', username: 'ev-a', password: b.mqttPassword }),
    ).rejects.toThrow();
    await expect(
      connectClient(broker.url, { clientId: 'not-ev-a', username: 'ev-a', password: a.mqttPassword }),
    ).rejects.toThrow();
    await expect(connectDevice(broker.url, off)).rejects.toThrow();
    await expect(
      connectClient(broker.url, { clientId: 'x', username: 'nobody', password: 'x' }),
    ).rejects.toThrow();
    await expect(connectClient(broker.url, { clientId: 'anon' })).rejects.toThrow();
    await expect(
      connectClient(broker.url, { clientId: 'gw-2', username: 'gateway', password: 'wrong' }),
    ).rejects.toThrow();
    // each refusal is logged by the broker's component logger, before the client hears of it
    const refused = log.lines.filter(
      (l) => l.component === 'broker' && String(l.msg).startsWith('mqtt client refused'),
    );
    expect(refused.map((l) => l.clientId)).toEqual(
      expect.arrayContaining(['ev-a', 'not-ev-a', 'ev-off', 'x', 'anon', 'gw-2']),
    );
    expect(refused.every((l) => l.service === 'broker' && l.level === 'warn')).toBe(true);
    expect(log.lines).toContainEqual(
      expect.objectContaining({ service: 'gateway', component: 'mqtt', msg: 'mqtt connected' }),
    );
    expect(log.lines).toContainEqual(expect.objectContaining({ service: 'gateway', msg: 'gateway started' }));
  });

  it('lets a device publish to its own topic only; a forged topic never reaches the gateway', async () => {
    const clientA = await connectDevice(broker.url, a);
    clients.push(clientA);
    const T = Math.floor(Date.now() / 1000);
    // ev-a tries to publish into ev-b's topic: aedes refuses it and drops the connection.
    const forged = publish(
      clientA,
      topicFor(1, 'ev-b'),
      payloadOf(signed(a, { seq: 1, ts: T, energyWh: 0, revenueMinor: 0 })),
    );
    await Promise.race([forged.catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
    await waitFor(() => !clientA.connected, 'the broker to drop the offending client', 5000);
    const clientA2 = await connectDevice(broker.url, a);
    clients.push(clientA2);
    await publish(
      clientA2,
      topicFor(1, 'ev-a'),
      payloadOf(signed(a, { seq: 1, ts: T, energyWh: 0, revenueMinor: 0 })),
    );
    await waitFor(() => gateway.counts().received >= 1, 'the legitimate reading');
    await gateway.drain();
    await new Promise((r) => setTimeout(r, 200));
    expect(gateway.counts().received).toBe(1);
    expect(await gateway.ledger.count()).toBe(1);
    expect((await gateway.ledger.readingsOfDevice('ev-a'))[0]?.seq).toBe(1);
    expect(log.lines).toContainEqual(
      expect.objectContaining({
        component: 'broker',
        msg: 'mqtt publish refused',
        clientId: 'ev-a',
        topic: topicFor(1, 'ev-b'),
      }),
    );
  });

  it('checks passwords against the registered sha256 only', () => {
    const auth = createBrokerAuth(gateway.registry, { services: [] });
    expect(auth.authenticate('ev-b', 'ev-b', Buffer.from(b.mqttPassword))).toBe(true);
    expect(auth.authenticate('ev-b', 'ev-b', Buffer.from(sha256Hex(b.mqttPassword)))).toBe(false);
    expect(auth.authorizePublish('ev-b', 'ev-b', topicFor(1, 'ev-b'))).toBe(true);
    expect(auth.authorizePublish('ev-b', 'ev-b', topicFor(2, 'ev-b'))).toBe(false);
    expect(auth.authorizePublish('ev-b', 'ev-b', topicFor(1, 'ev-a'))).toBe(false);
    expect(auth.authorizePublish('gateway', 'gateway', topicFor(1, 'ev-a'))).toBe(false);
  });
});
