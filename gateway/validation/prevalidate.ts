import {
  type PayloadResult,
  ProtocolError,
  parseReading,
  parseTopic,
  type ReasonCode,
  type SignedReading,
  topicDeviceId,
  topicFor,
} from '../../protocol/index.ts';
import type { Registry } from '../registry/registry.ts';
import type { DeviceRecord, PoolRecord } from '../registry/types.ts';

/** A message rejected by a validation step. */
export interface Rejection {
  ok: false;
  reason: ReasonCode;
  field: string | undefined;
  message: string;
  deviceId: string | undefined;
  seq: number | undefined;
}

/** A message that passed the stateless steps; its signature is still to be checked. */
export interface Prevalidated {
  ok: true;
  reading: SignedReading;
  device: DeviceRecord;
  pool: PoolRecord;
}

/** Builds a {@link Rejection}. */
export function reject(
  reason: ReasonCode,
  message: string,
  extra: { field?: string | undefined; deviceId?: string | undefined; seq?: number | undefined } = {},
): Rejection {
  return { ok: false, reason, message, field: extra.field, deviceId: extra.deviceId, seq: extra.seq };
}

/**
 * The stateless validation steps, in order: size, JSON, canonical form, schema and ranges, version and
 * signature encoding (all in `parseReading`); topic shape and agreement with the reading's pool and device;
 * device registered in that pool; device active. Cheap, so it runs on the main thread before the
 * signature is checked in a worker.
 *
 * @example
 * const result = prevalidate('fleet/1/ev-0001/reading', payload, registry);
 * if (!result.ok) console.log(result.reason);
 */
export function prevalidate(
  topic: string,
  payload: Uint8Array,
  registry: Registry,
): Prevalidated | Rejection {
  let reading: SignedReading;
  try {
    reading = parseReading(payload);
  } catch (error) {
    if (error instanceof ProtocolError) return reject(error.code, error.shortMessage, { field: error.field });
    return reject(
      'SCHEMA_INVALID',
      `reading could not be parsed: ${error instanceof Error ? error.message : error}`,
    );
  }
  return checkParsed(topic, reading, registry);
}

/**
 * The device a message's topic names, if it is registered and active in the topic's pool: the
 * only device whose key a reading on that topic can pass the later steps with. Its key is sent
 * with the raw payload to a verification worker, which parses and verifies in one go.
 */
export function topicDeviceRecord(topic: string, registry: Registry): DeviceRecord | undefined {
  const deviceId = topicDeviceId(topic);
  if (deviceId === undefined) return undefined;
  const device = registry.getDevice(deviceId);
  if (device === undefined || !device.active) return undefined;
  if (topic !== topicFor(device.poolId, device.deviceId)) return undefined;
  return device;
}

/**
 * The same steps as {@link prevalidate} for a payload a verification worker has already parsed
 * (`parseAndVerifyBatch`): the parse outcome first, then topic, registry and kind.
 */
export function prevalidateParsed(
  topic: string,
  parsed: PayloadResult,
  registry: Registry,
): Prevalidated | Rejection {
  if (!parsed.ok) return reject(parsed.code, parsed.message, { field: parsed.field });
  return checkParsed(topic, parsed.reading, registry);
}

/** Topic shape and agreement, device registered in the reading's pool, active, of the registered kind. */
function checkParsed(topic: string, reading: SignedReading, registry: Registry): Prevalidated | Rejection {
  const at = { deviceId: reading.deviceId, seq: reading.seq };
  let route: { poolId: number; deviceId: string };
  try {
    route = parseTopic(topic);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return reject(
      'TOPIC_MISMATCH',
      `topic ${JSON.stringify(topic)} is not fleet/{poolId}/{deviceId}/reading: ${message}`,
      at,
    );
  }
  if (route.poolId !== reading.poolId || route.deviceId !== reading.deviceId) {
    return reject(
      'TOPIC_MISMATCH',
      `topic ${topic} names pool ${route.poolId} device ${route.deviceId} but the reading is of pool ${reading.poolId} device ${reading.deviceId}`,
      { ...at, field: route.poolId !== reading.poolId ? 'poolId' : 'deviceId' },
    );
  }
  const device = registry.getDevice(reading.deviceId);
  const pool = registry.getPool(reading.poolId);
  if (device === undefined || pool === undefined || device.poolId !== reading.poolId) {
    return reject(
      'DEVICE_UNKNOWN',
      `device ${reading.deviceId} is not registered in pool ${reading.poolId}`,
      {
        ...at,
        field: 'deviceId',
      },
    );
  }
  if (!device.active) return reject('DEVICE_INACTIVE', `device ${reading.deviceId} is deactivated`, at);
  if (device.kind !== reading.kind) {
    return reject(
      'SCHEMA_INVALID',
      `device ${reading.deviceId} is registered as ${device.kind}, the reading says ${reading.kind}`,
      {
        ...at,
        field: 'kind',
      },
    );
  }
  return { ok: true, reading, device, pool };
}
