import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../broker/embedded.ts';
import { createBrokerAuth, sha256Hex } from '../../gateway/broker-auth.ts';
import { type GatewayHandle, startGateway } from '../../gateway/index.ts';
import type { SimMessage } from '../../simulator/generator.ts';
import type { FleetGenerator } from '../../simulator/generator.ts';
import { compareWithTruth, expectedOutcomes, registerFleet, simulatedFleet } from './fleet-fixture.ts';
import { connectClient, GATEWAY_ACCOUNT, publish, tempDir, testConfig, waitFor } from './support.ts';

describe('every simulator fault kind through the embedded broker with authentication', () => {
  let broker: EmbeddedBroker;
  let gateway: GatewayHandle;
  let generator: FleetGenerator;
  let messages: SimMessage[];

  beforeAll(async () => {
    ({ generator, messages } = simulatedFleet());
    const relay = { username: 'fleet-relay', passwordSha256: sha256Hex('fleet-relay-secret') };
    broker = await startEmbeddedBroker(
      createBrokerAuth(() => gateway?.registry, { services: [GATEWAY_ACCOUNT], relays: [relay] }),
    );
    const dir = tempDir();
    gateway = await startGateway(
      testConfig(broker.url, dir, { validation: { maxClockSkewS: 3600 }, verify: { threads: 2 } }),
    );
    await registerFleet(gateway.registry, generator);
    const client = await connectClient(broker.url, {
      clientId: 'relay-1',
      username: 'fleet-relay',
      password: 'fleet-relay-secret',
    });
    for (const m of messages) await publish(client, m.topic, m.payload);
    await client.endAsync();
    await waitFor(
      () => gateway.counts().received === messages.length,
      `${messages.length} messages at the gateway`,
      60_000,
    );
    await gateway.drain();
  }, 180_000);

  afterAll(async () => {
    await gateway?.close();
    await broker?.close();
  });

  it('the stream contains every fault kind', () => {
    for (const [kind, count] of Object.entries(generator.stats.faults))
      expect(count, kind).toBeGreaterThan(0);
  });

  it('matches the ground truth exactly: ledger, quarantine and duplicates', async () => {
    expect(await compareWithTruth(gateway.db, messages)).toEqual([]);
    const expected = expectedOutcomes(messages);
    expect(gateway.counts().duplicates).toBe(expected.duplicate);
    expect(gateway.counts().accepted).toBe(expected.accepted);
  });
});
