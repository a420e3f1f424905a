/**
 * Simulator throughput: readings generated and signed per second (no MQTT), then pre-signed readings
 * published with QoS 1 into the embedded aedes broker (per-device and pooled connections) and into
 * mosquitto when installed, with a subscriber counting receipt; finally a live run signing inline.
 *
 *   npm run bench:simulator                # ~1,000 devices
 *   npm run bench:simulator -- --devices 20000 --duration 0   # 20,000 devices, baseline readings only
 *
 * Prints the figures and writes bench/results/simulator-publish.json.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import mqtt from 'mqtt';
import { startEmbeddedBroker } from '../broker/embedded.ts';
import { createProgram, parseNonNegativeInt, parsePositiveInt } from '../lib/cli/index.ts';
import { READING_TOPIC_FILTER } from '../protocol/index.ts';
import { fleetBrokerAuth } from '../simulator/broker-auth.ts';
import { type FleetConfig, parseFleetConfig } from '../simulator/config.ts';
import { type ConnectionMode, openConnections } from '../simulator/connections.ts';
import { FleetGenerator, type SimMessage } from '../simulator/generator.ts';
import { runFleet } from '../simulator/runner.ts';
import { startMosquitto } from '../tests/support/mosquitto.ts';
import { parseBenchCommandLine } from './support/cli.ts';

/** The command line of the simulator benchmark. */
export function buildSimulatorPublishBenchProgram() {
  return createProgram(
    'bench:simulator',
    'Simulator throughput: signing and publishing readings (writes bench/results/simulator-publish.json)',
  )
    .option('--devices <n>', 'fleet size', parsePositiveInt, 1000)
    .option(
      '--duration <seconds>',
      'simulated seconds of readings (0: baseline readings only)',
      parseNonNegativeInt,
      1800,
    )
    .option('--max-in-flight <n>', 'unacknowledged QoS 1 publishes per connection', parsePositiveInt, 2000);
}

const { options: values } = await parseBenchCommandLine(buildSimulatorPublishBenchProgram());
const deviceCount = values.devices;
const durationS = values.duration;
const maxInFlight = values.maxInFlight;
const pvSites = Math.max(1, Math.round(deviceCount / 10));
const counter = { username: 'bench-counter', password: 'bench-counter-secret' };

function configFor(): FleetConfig {
  return parseFleetConfig({
    seed: 'bench',
    start: '2026-06-01T00:00:00Z',
    durationS,
    intervalS: 300,
    speed: 0,
    pools: [{ poolId: 1, ev: { piles: deviceCount - pvSites }, pv: { sites: pvSites } }],
    mqtt: { maxInFlight, poolSize: 16 },
  });
}

const results: Record<string, unknown> = {
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
  devices: deviceCount,
  simulatedS: durationS,
};
const log = (line: string) => process.stdout.write(`${line}\n`);

// 1. Keys and generation + signing, no MQTT.
let started = performance.now();
const generator = new FleetGenerator(configFor());
const keysS = (performance.now() - started) / 1000;
started = performance.now();
const messages: SimMessage[] = [...generator];
const signS = (performance.now() - started) / 1000;
results.keys = { devices: deviceCount, seconds: keysS, perSecond: deviceCount / keysS };
results.generateAndSign = { messages: messages.length, seconds: signS, perSecond: messages.length / signS };
log(
  `keys             ${deviceCount} devices in ${keysS.toFixed(1)} s (${Math.round(deviceCount / keysS)}/s)`,
);
log(
  `generate + sign  ${messages.length} readings in ${signS.toFixed(1)} s (${Math.round(messages.length / signS)}/s)`,
);

// 2. Pre-signed publishing with a counting subscriber.
async function publishPresigned(url: string, mode: ConnectionMode, credentials?: typeof counter) {
  const subscriber = await mqtt.connectAsync(url, {
    clientId: `bench-sub-${mode}-${Date.now()}`,
    ...credentials,
  });
  let received = 0;
  subscriber.on('message', () => {
    received += 1;
  });
  await subscriber.subscribeAsync(READING_TOPIC_FILTER, { qos: 1 });
  const keys = generator.devices.map((d) => generator.keys.get(d.deviceId)!);
  const config = generator.config;
  const connections = await openConnections(keys, {
    url,
    mode,
    poolSize: 16,
    relayUsername: config.mqtt.relayUsername,
    relayPassword: config.mqtt.relayPassword,
    connectConcurrency: 100,
  });
  const t0 = performance.now();
  let inFlight = 0;
  let acked = 0;
  let wake: (() => void) | undefined;
  for (const m of messages) {
    while (inFlight >= maxInFlight) await new Promise<void>((r) => (wake = r));
    inFlight++;
    connections.clientFor(m.deviceId).publish(m.topic, m.payload, { qos: 1 }, () => {
      inFlight--;
      acked++;
      if (wake && inFlight < maxInFlight) {
        const w = wake;
        wake = undefined;
        w();
      }
    });
  }
  while (acked < messages.length) await new Promise((r) => setTimeout(r, 5));
  const ackedS = (performance.now() - t0) / 1000;
  const deadline = Date.now() + 60_000;
  while (received < messages.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  const receivedS = (performance.now() - t0) / 1000;
  await connections.close();
  await subscriber.endAsync();
  return {
    mode,
    clients: connections.clientCount,
    messages: messages.length,
    acked,
    received,
    publishPerSecond: messages.length / ackedS,
    receivePerSecond: received / receivedS,
  };
}

const relay = {
  username: generator.config.mqtt.relayUsername,
  password: generator.config.mqtt.relayPassword,
};
const broker = await startEmbeddedBroker(
  fleetBrokerAuth(generator.keys, { services: [counter], relays: [relay] }),
);
const aedesRuns = [];
for (const mode of (deviceCount <= 2000 ? ['per-device', 'pooled'] : ['pooled']) as ConnectionMode[]) {
  const run = await publishPresigned(broker.url, mode, counter);
  aedesRuns.push(run);
  log(
    `aedes ${mode.padEnd(10)} ${run.clients} clients: published ${Math.round(run.publishPerSecond)}/s, received ${run.received}/${run.messages} at ${Math.round(run.receivePerSecond)}/s`,
  );
}
results.aedesPresigned = aedesRuns;

// 3. Live run: generation, signing and publishing inline (the CLI path).
const live = await runFleet({ config: configFor(), brokerUrl: broker.url });
results.aedesLive = {
  messages: live.published,
  seconds: live.elapsedMs / 1000,
  perSecond: live.messagesPerSecond,
};
log(
  `aedes live       sign + publish ${live.published} in ${(live.elapsedMs / 1000).toFixed(1)} s (${Math.round(live.messagesPerSecond)}/s)`,
);
await broker.close();

// 4. mosquitto, when installed.
if (existsSync('/usr/sbin/mosquitto') || existsSync('/usr/bin/mosquitto')) {
  const mosquitto = await startMosquitto();
  try {
    const run = await publishPresigned(mosquitto.url, 'pooled');
    results.mosquittoPresigned = run;
    log(
      `mosquitto pooled ${run.clients} clients: published ${Math.round(run.publishPerSecond)}/s, received ${run.received}/${run.messages} at ${Math.round(run.receivePerSecond)}/s`,
    );
  } finally {
    await mosquitto.stop();
  }
}

mkdirSync('bench/results', { recursive: true });
const name = deviceCount === 1000 ? 'simulator-publish' : `simulator-publish-${deviceCount}`;
writeFileSync(`bench/results/${name}.json`, `${JSON.stringify(results, null, 2)}\n`);
log(`written bench/results/${name}.json`);
