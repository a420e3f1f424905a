import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { sha256Hex } from '../../gateway/broker-auth.ts';
import type { GatewayConfigInput } from '../../gateway/config.ts';
import type { DeviceRegistration } from '../../gateway/registry/types.ts';
import {
  type DeviceKey,
  derivePublicKey,
  type EvReading,
  generatePrivateKey,
  type PvReading,
  type SignedReading,
  serializeReading,
  signReading,
} from '../../protocol/index.ts';
import { waitFor as waitUntil } from '../support/wait.ts';

/** A fresh temporary directory. */
export function tempDir(prefix = 'gateway-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A device with keys, for tests. */
export function makeDevice(
  deviceId: string,
  options: { poolId?: number; kind?: 'ev' | 'pv'; siteId?: string; ratedPowerW?: number } = {},
): DeviceKey {
  const privateKey = generatePrivateKey();
  return {
    deviceId,
    poolId: options.poolId ?? 1,
    kind: options.kind ?? 'ev',
    siteId: options.siteId ?? 'site-1',
    ratedPowerW: options.ratedPowerW ?? 120_000,
    privateKey,
    publicKey: derivePublicKey(privateKey),
    mqttPassword: randomBytes(16).toString('hex'),
  };
}

/** The public record of a test device, as the registry takes it. */
export function registrationOf(device: DeviceKey): DeviceRegistration {
  return {
    deviceId: device.deviceId,
    poolId: device.poolId,
    kind: device.kind,
    siteId: device.siteId,
    ratedPowerW: device.ratedPowerW,
    publicKey: device.publicKey,
    mqttPasswordSha256: sha256Hex(device.mqttPassword),
  };
}

/** Fields of a reading that tests vary. */
export interface ReadingFields {
  seq: number;
  ts: number;
  energyWh: number;
  revenueMinor: number;
  powerW?: number;
  sessionId?: number;
  irradianceWm2?: number;
}

/** A signed reading of `device`. */
export function signed(device: DeviceKey, fields: ReadingFields): SignedReading {
  const common = {
    v: 1 as const,
    poolId: device.poolId,
    deviceId: device.deviceId,
    seq: fields.seq,
    ts: fields.ts,
    energyWh: fields.energyWh,
    revenueMinor: fields.revenueMinor,
    powerW: fields.powerW ?? 0,
  };
  if (device.kind === 'ev') {
    const reading: EvReading = { ...common, kind: 'ev', sessionId: fields.sessionId ?? 0 };
    return signReading(reading, device.privateKey);
  }
  const reading: PvReading = { ...common, kind: 'pv', irradianceWm2: fields.irradianceWm2 ?? 0 };
  return signReading(reading, device.privateKey);
}

/** The wire payload of a signed reading. */
export function payloadOf(reading: SignedReading): string {
  return serializeReading(reading);
}

/** Connects an MQTT client and waits for CONNACK. */
export async function connectClient(url: string, options: mqtt.IClientOptions = {}): Promise<MqttClient> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  return client;
}

/** Connects as `device` (client id = username = device id). */
export function connectDevice(url: string, device: DeviceKey): Promise<MqttClient> {
  return connectClient(url, {
    clientId: device.deviceId,
    username: device.deviceId,
    password: device.mqttPassword,
  });
}

/** Publishes QoS 1 and waits for the PUBACK. */
export function publish(client: MqttClient, topic: string, payload: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    client.publish(topic, payload, { qos: 1 }, (error) => (error ? reject(error) : resolve()));
  });
}

/**
 * Waits until `condition()` is true; fails with `what` after `timeoutMs` scaled by `TEST_TIME_FACTOR`
 * (tests/support/wait.ts), so that a loaded machine does not fail the test.
 */
export function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  return waitUntil(condition, what, { timeoutMs });
}

/** A gateway configuration for tests: free HTTP port, quiet logs, main-thread verification. */
export function testConfig(
  brokerUrl: string,
  dir: string,
  extra: Partial<GatewayConfigInput> = {},
): GatewayConfigInput {
  return {
    mqtt: { url: brokerUrl, clientId: 'gateway-test', username: 'gateway', password: 'gateway-secret' },
    ledgerPath: join(dir, 'gateway.duckdb'),
    http: { host: '127.0.0.1', port: 0 },
    verify: { threads: 0 },
    batch: { maxSize: 500, maxDelayMs: 10 },
    logLevel: 'silent',
    ...extra,
  };
}

/** The gateway's service account used in tests. */
export const GATEWAY_ACCOUNT = { username: 'gateway', passwordSha256: sha256Hex('gateway-secret') };

/** Test pool 1: CNY, max tariff 190 fen/kWh. */
export const POOL_1 = {
  poolId: 1,
  currency: 'CNY',
  decimals: 2,
  maxTariffMinorPerKwh: 190n,
  epochLengthS: 86_400,
  genesisTs: 1_767_225_600,
};
