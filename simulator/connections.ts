import mqtt, { type MqttClient } from 'mqtt';
import type { DeviceKey } from '../protocol/index.ts';
import { BaseError } from '../lib/errors.ts';

/** A device or relay client could not connect to the broker. */
export class BrokerConnectionError extends BaseError {
  override name = 'BrokerConnectionError';
}

/** How devices reach the broker. */
export type ConnectionMode = 'per-device' | 'pooled';

/** Options of {@link openConnections}. */
export interface ConnectionOptions {
  readonly url: string;
  readonly mode: ConnectionMode;
  /** Pooled mode: number of relay clients. */
  readonly poolSize: number;
  readonly relayUsername: string;
  readonly relayPassword: string;
  /** Client connections opened at once. Default 50. */
  readonly connectConcurrency?: number;
  /** Connect timeout per client, ms. Default 15 000. */
  readonly connectTimeoutMs?: number;
}

/** Open MQTT clients of a fleet and the client each device publishes through. */
export interface FleetConnections {
  readonly mode: ConnectionMode;
  readonly clientCount: number;
  /** The client of a device (always the same one, so its messages stay in order). */
  clientFor(deviceId: string): MqttClient;
  /** Ends every client gracefully (waits for in-flight QoS 1 messages). */
  close(): Promise<void>;
}

function connectClient(
  url: string,
  clientId: string,
  username: string,
  password: string,
  timeoutMs: number,
): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, {
      clientId,
      username,
      password,
      clean: true,
      protocolVersion: 4,
      reconnectPeriod: 1000,
      connectTimeout: timeoutMs,
      keepalive: 60,
    });
    const timer = setTimeout(() => {
      client.end(true);
      reject(new BrokerConnectionError(`client ${clientId} did not connect to ${url} in ${timeoutMs} ms`));
    }, timeoutMs);
    client.once('connect', () => {
      clearTimeout(timer);
      // Later connection errors are retried by mqtt.js (QoS 1 messages are resent on reconnection);
      // without a listener an 'error' event would end the process.
      client.on('error', () => {});
      resolve(client);
    });
    client.once('error', (error) => {
      clearTimeout(timer);
      client.end(true);
      reject(
        new BrokerConnectionError(`client ${clientId} refused by ${url}`, {
          cause: error,
          hint: 'check the broker URL and the credentials (key file mqttPassword or relay account)',
        }),
      );
    });
  });
}

/**
 * Opens the fleet's MQTT clients.
 *
 * - `per-device`: one client per device, client id = username = `deviceId`, password = `mqttPassword`
 *   (SPEC section 3); the broker can restrict each to its own topic.
 * - `pooled`: `poolSize` clients `{relayUsername}-{k}` authenticated as a relay account (a station data
 *   logger or edge gateway forwarding for many devices); device `i` always uses client `i mod poolSize`.
 *   The broker must let the relay publish to device topics; authenticity then rests on each reading's
 *   device signature, which the gateway checks anyway.
 *
 * @example
 * const connections = await openConnections(keys, { url: broker.url, mode: 'pooled', poolSize: 8,
 *   relayUsername: 'fleet-relay', relayPassword: 'secret' });
 * connections.clientFor('ev-1-00001').publish(topic, payload, { qos: 1 });
 */
export async function openConnections(
  keys: readonly DeviceKey[],
  options: ConnectionOptions,
): Promise<FleetConnections> {
  const concurrency = options.connectConcurrency ?? 50;
  const timeoutMs = options.connectTimeoutMs ?? 15_000;
  const byDevice = new Map<string, MqttClient>();
  const clients: MqttClient[] = [];
  const specs =
    options.mode === 'per-device'
      ? keys.map((k) => ({ clientId: k.deviceId, username: k.deviceId, password: k.mqttPassword }))
      : Array.from({ length: Math.min(options.poolSize, Math.max(1, keys.length)) }, (_, k) => ({
          clientId: `${options.relayUsername}-${k}`,
          username: options.relayUsername,
          password: options.relayPassword,
        }));
  try {
    for (let i = 0; i < specs.length; i += concurrency) {
      const batch = specs.slice(i, i + concurrency);
      const settled = await Promise.allSettled(
        batch.map((s) => connectClient(options.url, s.clientId, s.username, s.password, timeoutMs)),
      );
      for (const result of settled) {
        if (result.status === 'fulfilled') clients.push(result.value);
      }
      const failed = settled.find((r) => r.status === 'rejected');
      if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
    }
  } catch (error) {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    throw error;
  }
  keys.forEach((key, i) => {
    byDevice.set(key.deviceId, clients[options.mode === 'per-device' ? i : i % clients.length]!);
  });
  return {
    mode: options.mode,
    clientCount: clients.length,
    clientFor(deviceId) {
      const client = byDevice.get(deviceId);
      if (client === undefined) throw new BrokerConnectionError(`no MQTT client for device ${deviceId}`);
      return client;
    },
    async close() {
      await Promise.all(clients.map((c) => c.endAsync(false)));
    },
  };
}
