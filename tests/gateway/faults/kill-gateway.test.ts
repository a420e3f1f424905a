import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openGatewayDb } from '../../../gateway/db.ts';
import { Registry } from '../../../gateway/registry/registry.ts';
import type { FleetGenerator, SimMessage } from '../../../simulator/generator.ts';
import { startMosquitto } from '../../support/mosquitto.ts';
import { freePort } from '../../../lib/servers/ports.ts';
import type { ServerProcess } from '../../../lib/servers/process.ts';
import { type ChildGateway, startChildGateway } from '../child-gateway.ts';
import { compareWithTruth, expectedOutcomes, registerFleet, simulatedFleet } from '../fleet-fixture.ts';
import { connectClient, publish, tempDir, testConfig, waitFor } from '../support.ts';

async function stats(apiUrl: string): Promise<{ readings: number; quarantined: number } | undefined> {
  try {
    const res = await fetch(`${apiUrl}/ledger/stats`);
    const body = (await res.json()) as { readings: number; quarantineByReason: Record<string, number> };
    return {
      readings: body.readings,
      quarantined: Object.values(body.quarantineByReason).reduce((a, b) => a + b, 0),
    };
  } catch {
    return undefined;
  }
}

describe('gateway killed with SIGKILL mid-stream and restarted', () => {
  let mosquitto: ServerProcess & { url: string };
  let gateway: ChildGateway | undefined;
  let generator: FleetGenerator;
  let messages: SimMessage[];
  let dir: string;

  beforeAll(async () => {
    ({ generator, messages } = simulatedFleet({ seed: 'gateway-kill' }));
    mosquitto = await startMosquitto();
    dir = tempDir();
    const db = await openGatewayDb(join(dir, 'gateway.duckdb'));
    await registerFleet(await Registry.open(db), generator);
    db.close();
  }, 120_000);

  afterAll(async () => {
    await gateway?.kill('SIGTERM');
    await mosquitto?.stop();
  });

  it('loses no acknowledged reading and counts none twice', async () => {
    const httpPort = await freePort();
    const config = testConfig(mosquitto.url, dir, {
      http: { host: '127.0.0.1', port: httpPort },
      validation: { maxClockSkewS: 3600 },
      verify: { threads: 1 },
      batch: { maxSize: 50, maxDelayMs: 5 },
      logLevel: 'warn',
    });
    gateway = await startChildGateway(dir, config);
    const publisher = await connectClient(mosquitto.url, { clientId: 'fleet-publisher' });
    const half = Math.floor(messages.length / 2);
    for (const m of messages.slice(0, half)) await publish(publisher, m.topic, m.payload);
    // Kill while the first half is still being processed.
    await waitFor(
      async () => ((await stats(gateway?.apiUrl ?? ''))?.readings ?? 0) > 0,
      'first readings in the ledger',
    );
    const before = await stats(gateway.apiUrl);
    await gateway.kill('SIGKILL');
    // The rest is published while the gateway is down: the broker keeps it in the gateway's session.
    for (const m of messages.slice(half)) await publish(publisher, m.topic, m.payload);
    await publisher.endAsync();

    gateway = await startChildGateway(dir, config);
    const expected = expectedOutcomes(messages);
    const rejectedTotal = Object.values(expected.rejected).reduce((a, b) => a + b, 0);
    await waitFor(
      async () => {
        const s = await stats(gateway?.apiUrl ?? '');
        return s !== undefined && s.readings >= expected.accepted && s.quarantined >= rejectedTotal;
      },
      'every message to be processed after the restart',
      90_000,
    );
    await new Promise((r) => setTimeout(r, 500)); // anything beyond the expected counts would show now
    await gateway.kill('SIGTERM');
    gateway = undefined;

    expect(before?.readings).toBeLessThan(expected.accepted);
    const db = await openGatewayDb(join(dir, 'gateway.duckdb'));
    try {
      expect(await compareWithTruth(db, messages)).toEqual([]);
    } finally {
      db.close();
    }
  }, 240_000);
});
