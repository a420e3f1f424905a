/**
 * Stage-1 demo: an embedded MQTT broker, a counting subscriber, and a compressed fleet of 40 EV piles
 * and 10 PV sites publishing one simulated day of signed readings (with a few faults), in about half a
 * minute. Prints a live count of readings per device kind and a summary.
 *
 *   npm run demo
 */
import mqtt from 'mqtt';
import { startEmbeddedBroker } from '../broker/embedded.ts';
import { parseReading } from '../protocol/index.ts';
import { fleetBrokerAuth } from '../simulator/broker-auth.ts';
import { parseFleetConfig } from '../simulator/config.ts';
import { FleetGenerator } from '../simulator/generator.ts';
import { runFleet } from '../simulator/runner.ts';
import { formatSummary } from '../simulator/summary.ts';

const counter = { username: 'demo-counter', password: 'demo-counter-secret' };
const config = parseFleetConfig({
  seed: 'demo',
  start: '2026-06-01T16:00:00Z', // midnight in China (UTC+8)
  durationS: 86_400,
  intervalS: 600,
  speed: 2_880, // one simulated day in 30 s
  pools: [{ poolId: 1, maxTariffMinorPerKwh: 190, ev: { piles: 40, pilesPerStation: 4 }, pv: { sites: 10 } }],
  faults: { duplicate: 0.005, tamper: 0.002, malformed: 0.002 },
});

process.stdout.write('demo: deriving 50 device keys ...\n');
const generator = new FleetGenerator(config);
const broker = await startEmbeddedBroker(
  fleetBrokerAuth(generator.keys, {
    services: [counter],
    relays: [{ username: config.mqtt.relayUsername, password: config.mqtt.relayPassword }],
  }),
);
const subscriber = await mqtt.connectAsync(broker.url, {
  clientId: 'demo-counter',
  username: counter.username,
  password: counter.password,
});
await subscriber.subscribeAsync('fleet/+/+/reading', { qos: 1 });

const received = { ev: 0, pv: 0, invalid: 0 };
subscriber.on('message', (_topic, payload) => {
  try {
    const reading = parseReading(payload);
    received[reading.kind] += 1;
  } catch {
    received.invalid += 1;
  }
});

const started = Date.now();
const summary = await runFleet({
  config,
  generator,
  brokerUrl: broker.url,
  onStart: ({ brokerUrl }) =>
    process.stdout.write(`demo: broker ${brokerUrl}; 40 EV piles + 10 PV sites, one day\n`),
  onProgress: (p) =>
    process.stdout.write(
      `demo: ${new Date(p.simNowTs * 1000).toISOString().slice(0, 16)}Z  ${String(Math.round(p.fraction * 100)).padStart(3)}%  received ev ${received.ev}  pv ${received.pv}  rejected-by-parse ${received.invalid}\n`,
    ),
});
await new Promise((resolve) => setTimeout(resolve, 300));
await subscriber.endAsync();
await broker.close();

process.stdout.write(`\ndemo: done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
process.stdout.write(formatSummary(summary.stats, summary));
process.stdout.write(
  `subscriber     ev ${received.ev}  pv ${received.pv}  unparseable ${received.invalid}\n`,
);
