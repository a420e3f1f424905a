/**
 * Fleet key files (`*.keys.json`, SPEC section 2): every device's private key, public key and MQTT password.
 * The gateway and the on-chain registry only ever receive {@link DevicePublicRecord}s.
 */
import { createHash } from 'node:crypto';
import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { DEVICE_ID_PATTERN, MAX_UINT32 } from './constants.ts';
import { KeyFileError } from './errors.ts';
import { derivePublicKey } from './keys.ts';
import type { DeviceKind, PublicKey } from './types.ts';

/** One device of a fleet key file, with its secrets. */
export interface DeviceKey {
  deviceId: string;
  poolId: number;
  kind: DeviceKind;
  /** Station or plant the device belongs to (same pattern as deviceId). */
  siteId: string;
  ratedPowerW: number;
  /** 64 hex characters. */
  privateKey: string;
  publicKey: PublicKey;
  /** 32 hex characters. */
  mqttPassword: string;
}

/** A fleet key file. */
export interface FleetKeyFile {
  version: 1;
  devices: DeviceKey[];
}

/** What the gateway and the registry receive about a device: everything but secrets, plus sha256(mqttPassword). */
export interface DevicePublicRecord {
  deviceId: string;
  poolId: number;
  kind: DeviceKind;
  siteId: string;
  ratedPowerW: number;
  publicKey: PublicKey;
  /** sha256 of the UTF-8 MQTT password, 64 lowercase hex characters. */
  mqttPasswordSha256: string;
}

const decimal = z.string().regex(/^(0|[1-9][0-9]{0,76})$/, 'must be a canonical decimal string');
const deviceKeySchema = z.strictObject({
  deviceId: z.string().regex(DEVICE_ID_PATTERN, 'must be 1..31 of a-z, 0-9, - (not starting with -)'),
  poolId: z.number().int().min(1).max(MAX_UINT32),
  kind: z.enum(['ev', 'pv']),
  siteId: z.string().regex(DEVICE_ID_PATTERN, 'must be 1..31 of a-z, 0-9, - (not starting with -)'),
  ratedPowerW: z.number().int().min(1).max(MAX_UINT32),
  privateKey: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters'),
  publicKey: z.strictObject({ Ax: decimal, Ay: decimal }),
  mqttPassword: z.string().regex(/^[0-9a-f]{32}$/, 'must be 32 lowercase hex characters'),
});
const fleetKeyFileSchema = z.strictObject({
  version: z.literal(1),
  devices: z.array(deviceKeySchema),
});

/**
 * Validates a fleet key file's content: schema, unique device ids and keys, and that every public key is
 * the one derived from its private key. Throws {@link KeyFileError} naming the first problem.
 */
export function validateFleetKeyFile(value: unknown, source = 'key file'): FleetKeyFile {
  const parsed = fleetKeyFileSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.join('.') || '(root)' : '(root)';
    throw new KeyFileError(`${source} is invalid at ${where}: ${issue?.message ?? 'unknown problem'}`, {
      details: z.prettifyError(parsed.error),
      hint: 'see SPEC section 2, "Fleet key file"',
    });
  }
  const file = parsed.data as FleetKeyFile;
  const ids = new Set<string>();
  const keys = new Set<string>();
  file.devices.forEach((device, i) => {
    if (ids.has(device.deviceId)) {
      throw new KeyFileError(`${source}: device id ${device.deviceId} appears twice (devices.${i})`);
    }
    ids.add(device.deviceId);
    const derived = derivePublicKey(device.privateKey);
    if (derived.Ax !== device.publicKey.Ax || derived.Ay !== device.publicKey.Ay) {
      throw new KeyFileError(
        `${source}: public key of ${device.deviceId} does not match its private key (devices.${i})`,
        {
          hint: 'regenerate the public key with derivePublicKey(privateKey)',
        },
      );
    }
    const keyId = `${device.publicKey.Ax}:${device.publicKey.Ay}`;
    if (keys.has(keyId))
      throw new KeyFileError(`${source}: key of ${device.deviceId} is used by another device`);
    keys.add(keyId);
  });
  return file;
}

/**
 * Reads and validates a fleet key file.
 *
 * @example
 * const fleet = readFleetKeyFile('fleet.keys.json');
 */
export function readFleetKeyFile(path: string): FleetKeyFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new KeyFileError(`cannot read key file ${path}`, { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new KeyFileError(`key file ${path} is not JSON`, { cause: error });
  }
  return validateFleetKeyFile(value, `key file ${path}`);
}

/**
 * Validates and writes a fleet key file readable by its owner only (mode 0600), atomically (temp file + rename).
 *
 * @example
 * writeFleetKeyFile('fleet.keys.json', { version: 1, devices });
 */
export function writeFleetKeyFile(path: string, file: FleetKeyFile): void {
  const valid = validateFleetKeyFile(file, 'fleet key file to write');
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(valid, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/**
 * The public part of a device key: no private key, no MQTT password, but its sha256.
 *
 * @example
 * const records = fleet.devices.map(publicRecord);
 */
export function publicRecord(key: DeviceKey): DevicePublicRecord {
  return {
    deviceId: key.deviceId,
    poolId: key.poolId,
    kind: key.kind,
    siteId: key.siteId,
    ratedPowerW: key.ratedPowerW,
    publicKey: { Ax: key.publicKey.Ax, Ay: key.publicKey.Ay },
    mqttPasswordSha256: createHash('sha256').update(key.mqttPassword, 'utf8').digest('hex'),
  };
}
