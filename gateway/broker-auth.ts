import { createHash, timingSafeEqual } from 'node:crypto';
import type { AuthenticateFn, AuthorizePublishFn } from '../broker/embedded.ts';
import { topicDeviceId, topicFor } from '../protocol/index.ts';
import type { Registry } from './registry/registry.ts';

/** A service account (the gateway itself, or a trusted publisher). */
export interface ServiceAccount {
  username: string;
  /** sha256 of the password, lowercase hex. */
  passwordSha256: string;
}

/** Options of {@link createBrokerAuth}. */
export interface BrokerAuthOptions {
  /** Accounts that may connect and subscribe but not publish readings (the gateways). */
  services: readonly ServiceAccount[];
  /**
   * Accounts that may publish to any `fleet/{poolId}/{deviceId}/reading` topic of a registered
   * device (e.g. a site data logger forwarding for many piles). Each reading is still checked
   * against its device's key, so such an account cannot forge readings, only relay them.
   */
  relays?: readonly ServiceAccount[];
}

/** sha256 of `text` as lowercase hex. */
export function sha256Hex(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/**
 * Authentication and topic authorisation for the embedded broker (`broker/embedded.ts`), backed by
 * the registry: a device connects with client id = username = deviceId and its MQTT password
 * (checked against the registered sha256), and may publish only to its own topic
 * `fleet/{poolId}/{deviceId}/reading`. A deactivated device cannot connect. Service accounts
 * (gateways) connect with their own credentials. Pass the registry, or a function returning it once
 * the gateway has opened it (devices are refused until then; service accounts are not).
 *
 * @example
 * const auth = createBrokerAuth(registry, { services: [{ username: 'gateway', passwordSha256: sha256Hex('secret') }] });
 * const broker = await startEmbeddedBroker(auth);
 */
export function createBrokerAuth(
  registrySource: Registry | (() => Registry | undefined),
  options: BrokerAuthOptions,
): { authenticate: AuthenticateFn; authorizePublish: AuthorizePublishFn } {
  // A function lets the broker start before the gateway that owns the registry.
  const registryOf = typeof registrySource === 'function' ? registrySource : () => registrySource;
  const services = new Map(options.services.map((s) => [s.username, s.passwordSha256]));
  const relays = new Map((options.relays ?? []).map((s) => [s.username, s.passwordSha256]));
  const authenticate: AuthenticateFn = (clientId, username, password) => {
    if (username === undefined || password === undefined) return false;
    const given = sha256Hex(password);
    const service = services.get(username) ?? relays.get(username);
    if (service !== undefined) return sameHex(given, service);
    const device = registryOf()?.getDevice(username);
    if (device === undefined || !device.active) return false;
    // SPEC section 3: client id = username = deviceId.
    if (clientId !== username) return false;
    return sameHex(given, device.mqttPasswordSha256);
  };
  const authorizePublish: AuthorizePublishFn = (_clientId, username, topic) => {
    if (username === undefined) return false;
    if (relays.has(username)) {
      const deviceId = topicDeviceId(topic);
      if (deviceId === undefined) return false;
      const device = registryOf()?.getDevice(deviceId);
      return device !== undefined && topic === topicFor(device.poolId, device.deviceId);
    }
    const device = registryOf()?.getDevice(username);
    if (device === undefined) return false;
    return topic === topicFor(device.poolId, device.deviceId);
  };
  return { authenticate, authorizePublish };
}
