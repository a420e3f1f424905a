import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
  type DeviceKey,
  derivePublicKey,
  type FleetKeyFile,
  generatePrivateKey,
  readFleetKeyFile,
  writeFleetKeyFile,
} from '../protocol/index.ts';
import type { DeviceSpec } from './fleet.ts';
import { deriveRng } from './prng.ts';

/**
 * Where new device keys come from: `seed` derives them from the run seed (reproducible simulations only:
 * anyone who knows the seed, whose default is public, knows the keys); `random` draws them from node:crypto
 * (a key file meant for real devices or a long-lived gateway).
 */
export type KeySource = 'seed' | 'random';

/**
 * The key of one device, derived deterministically from the run seed and the device id: the private
 * key from the stream `key/{deviceId}`, the MQTT password (32 hex) from `mqtt/{deviceId}`.
 */
export function deriveDeviceKey(seed: string, device: DeviceSpec): DeviceKey {
  const keyRng = deriveRng(seed, 'key', device.deviceId);
  const privateKey = generatePrivateKey((n) => keyRng.bytes(n));
  const mqttPassword = Buffer.from(deriveRng(seed, 'mqtt', device.deviceId).bytes(16)).toString('hex');
  return keyOf(device, privateKey, mqttPassword);
}

/** A device key from the operating system's secure random source (node:crypto). */
export function randomDeviceKey(device: DeviceSpec): DeviceKey {
  return keyOf(device, generatePrivateKey(randomBytes), randomBytes(16).toString('hex'));
}

function keyOf(device: DeviceSpec, privateKey: string, mqttPassword: string): DeviceKey {
  return {
    deviceId: device.deviceId,
    poolId: device.poolId,
    kind: device.kind,
    siteId: device.siteId,
    ratedPowerW: device.ratedPowerW,
    privateKey,
    publicKey: derivePublicKey(privateKey),
    mqttPassword,
  };
}

/** Whether a key file entry describes the same device as the fleet specification. */
function matches(key: DeviceKey, device: DeviceSpec): boolean {
  return (
    key.poolId === device.poolId &&
    key.kind === device.kind &&
    key.siteId === device.siteId &&
    key.ratedPowerW === device.ratedPowerW
  );
}

/**
 * Keys for every device of the fleet. With `keysFile`: devices already in the file keep their keys
 * (so a fleet can be re-run against a gateway that registered it); missing ones are made from `source`
 * (derived from the seed by default, or random) and the file is rewritten (mode 0600). Without: all derived
 * from the seed, nothing written.
 *
 * @example
 * const keys = loadOrCreateFleetKeys(config.seed, buildFleet(config), 'fleet.keys.json');
 */
export function loadOrCreateFleetKeys(
  seed: string,
  devices: readonly DeviceSpec[],
  keysFile?: string,
  source: KeySource = 'seed',
): Map<string, DeviceKey> {
  const existing = new Map<string, DeviceKey>();
  if (keysFile !== undefined && existsSync(keysFile)) {
    for (const key of readFleetKeyFile(keysFile).devices) existing.set(key.deviceId, key);
  }
  const keys = new Map<string, DeviceKey>();
  let changed = keysFile !== undefined && !existsSync(keysFile);
  for (const device of devices) {
    const known = existing.get(device.deviceId);
    if (known !== undefined && matches(known, device)) {
      keys.set(device.deviceId, known);
    } else {
      keys.set(
        device.deviceId,
        source === 'random' ? randomDeviceKey(device) : deriveDeviceKey(seed, device),
      );
      changed = true;
    }
  }
  if (keysFile !== undefined && changed) {
    const merged = new Map(existing);
    for (const [deviceId, key] of keys) merged.set(deviceId, key);
    const file: FleetKeyFile = { version: 1, devices: [...merged.values()] };
    writeFleetKeyFile(keysFile, file);
  }
  return keys;
}
