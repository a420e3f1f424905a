import { timingSafeEqual } from 'node:crypto';
import type { AuthenticateFn, AuthorizePublishFn } from '../broker/embedded.ts';
import { type DeviceKey, topicFor } from '../protocol/index.ts';

/** A non-device account of the broker. */
export interface BrokerAccount {
  readonly username: string;
  readonly password: string;
}

/** Options of {@link fleetBrokerAuth}. */
export interface FleetBrokerAuthOptions {
  /** Accounts that may connect and subscribe, never publish (gateways, counters). */
  readonly services?: readonly BrokerAccount[];
  /** Accounts that may publish to the topic of any device in the key set (pooled connection mode). */
  readonly relays?: readonly BrokerAccount[];
}

function samePassword(given: Buffer, expected: string): boolean {
  const wanted = Buffer.from(expected, 'utf8');
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/**
 * Broker hooks for the embedded broker built from a fleet's keys, for runs without a gateway registry
 * (the demo, tests, benchmarks): a device connects with client id = username = deviceId and its
 * `mqttPassword`, and may publish only to `fleet/{poolId}/{deviceId}/reading` (SPEC section 3); relay
 * accounts may publish to any fleet device's topic; service accounts may not publish.
 *
 * @example
 * const broker = await startEmbeddedBroker(fleetBrokerAuth(keys, { services: [{ username: 'gw', password: 's' }] }));
 */
export function fleetBrokerAuth(
  keys: ReadonlyMap<string, DeviceKey>,
  options: FleetBrokerAuthOptions = {},
): { authenticate: AuthenticateFn; authorizePublish: AuthorizePublishFn } {
  const services = new Map((options.services ?? []).map((a) => [a.username, a.password]));
  const relays = new Map((options.relays ?? []).map((a) => [a.username, a.password]));
  const topics = new Set<string>();
  for (const key of keys.values()) topics.add(topicFor(key.poolId, key.deviceId));
  const authenticate: AuthenticateFn = (clientId, username, password) => {
    if (username === undefined || password === undefined) return false;
    const account = services.get(username) ?? relays.get(username);
    if (account !== undefined) return samePassword(password, account);
    const device = keys.get(username);
    if (device === undefined || clientId !== username) return false;
    return samePassword(password, device.mqttPassword);
  };
  const authorizePublish: AuthorizePublishFn = (_clientId, username, topic) => {
    if (username === undefined) return false;
    if (relays.has(username)) return topics.has(topic);
    const device = keys.get(username);
    return device !== undefined && topic === topicFor(device.poolId, device.deviceId);
  };
  return { authenticate, authorizePublish };
}
