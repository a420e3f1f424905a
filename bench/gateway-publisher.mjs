// Publisher process of bench/gateway-ingest.ts (forked with an IPC channel and `--import tsx`): the
// simulator's side of the link. It publishes pre-signed messages with QoS 1 and a bounded number in
// flight, so it neither signs nor serialises while the gateway is timed, and for the aedes path it
// also hosts the embedded broker with the fleet's authentication, as the simulator does
// (simulator/runner.ts), so the broker does not share the gateway's process.
//
// Messages from the parent, in order:
//   { file, fleetFile, maxInFlight, username, password, broker?: { services, relays } }
//     -> { ready: true, brokerUrl? }        (brokerUrl when it started the embedded broker)
//   { publish: url, ratePerS? }  -> { publishedMs, startedMs }
//     (with ratePerS, messages are released at that steady rate instead of as fast as possible)
//   { stop: true }    -> closes the broker and exits
import { readFileSync } from 'node:fs';
import mqtt from 'mqtt';

let options;
let broker;

async function init(message) {
  options = message;
  let brokerUrl;
  if (options.broker !== undefined) {
    const { startEmbeddedBroker } = await import('../broker/embedded.ts');
    const { fleetBrokerAuth } = await import('../simulator/broker-auth.ts');
    const devices = JSON.parse(readFileSync(options.fleetFile, 'utf8'));
    const keys = new Map(
      devices.map((d) => [
        d.deviceId,
        {
          deviceId: d.deviceId,
          poolId: 1,
          kind: 'ev',
          siteId: 'site-1',
          ratedPowerW: 120_000,
          privateKey: d.privateKey,
          publicKey: d.publicKey,
          mqttPassword: `pw-${d.deviceId}`,
        },
      ]),
    );
    broker = await startEmbeddedBroker(fleetBrokerAuth(keys, options.broker));
    brokerUrl = broker.url;
  }
  process.send({ ready: true, brokerUrl });
}

function publish(url, ratePerS) {
  const messages = JSON.parse(readFileSync(options.file, 'utf8')).map(([topic, payload]) => [
    topic,
    Buffer.from(payload),
  ]);
  const client = mqtt.connect(url, {
    clientId: `bench-publisher-${process.pid}`,
    username: options.username,
    password: options.password,
    reconnectPeriod: 0,
  });
  client.on('error', (error) => {
    process.stderr.write(`publisher: ${error.stack ?? error}\n`);
    process.exit(1);
  });
  client.on('connect', () => {
    const startedMs = Date.now();
    let next = 0;
    let inFlight = 0;
    let done = 0;
    // Paced: at most the messages due by now (rate x elapsed time) are released.
    let due = messages.length;
    if (ratePerS) {
      due = 0;
      const timer = setInterval(() => {
        due = Math.min(messages.length, Math.floor(((Date.now() - startedMs) / 1000) * ratePerS));
        if (due >= messages.length) clearInterval(timer);
        pump();
      }, 5);
    }
    const pump = () => {
      while (inFlight < options.maxInFlight && next < due) {
        const [topic, payload] = messages[next++];
        inFlight++;
        client.publish(topic, payload, { qos: 1 }, (error) => {
          if (error) throw error;
          inFlight--;
          done++;
          if (done === messages.length) {
            process.send({ publishedMs: Date.now() - startedMs, startedMs });
            client.end();
          } else pump();
        });
      }
    };
    pump();
  });
}

process.on('message', (message) => {
  if (message.publish !== undefined) publish(message.publish, message.ratePerS);
  else if (message.stop) {
    const exit = () => process.exit(0);
    if (broker) broker.close().then(exit, exit);
    else exit();
  } else
    init(message).catch((error) => {
      process.stderr.write(`publisher: ${error.stack ?? error}\n`);
      process.exit(1);
    });
});
