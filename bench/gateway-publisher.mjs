// Publisher worker for bench/gateway-ingest.ts: publishes pre-signed messages with QoS 1 and a
// bounded number in flight, so the publisher does not sign or serialise while the gateway is timed.
import { parentPort, workerData } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import mqtt from 'mqtt';

const { url, file, maxInFlight, username, password } = workerData;
const messages = JSON.parse(readFileSync(file, 'utf8'));
const client = mqtt.connect(url, {
  clientId: `bench-publisher-${process.pid}`,
  username,
  password,
  reconnectPeriod: 0,
});
client.on('connect', () => {
  const startedMs = Date.now();
  let next = 0;
  let inFlight = 0;
  let done = 0;
  const pump = () => {
    while (inFlight < maxInFlight && next < messages.length) {
      const [topic, payload] = messages[next++];
      inFlight++;
      client.publish(topic, payload, { qos: 1 }, (error) => {
        if (error) throw error;
        inFlight--;
        done++;
        if (done === messages.length) {
          parentPort.postMessage({ publishedMs: Date.now() - startedMs, startedMs });
          client.end();
        } else pump();
      });
    }
  };
  pump();
});
