/** MQTT topics of readings (SPEC section 3): `fleet/{poolId}/{deviceId}/reading`. */
import { DEVICE_ID_PATTERN, MAX_UINT32 } from './constants.ts';
import { TopicMismatchError } from './errors.ts';
import { checkDeviceId, checkIntegerField } from './validate.ts';

/**
 * Topic of a device's readings.
 *
 * @example
 * topicFor(1, 'ev-0001'); // 'fleet/1/ev-0001/reading'
 */
export function topicFor(poolId: number, deviceId: string): string {
  checkIntegerField({ poolId }, 'poolId');
  checkDeviceId(deviceId);
  return `fleet/${poolId}/${deviceId}/reading`;
}

const POOL_ID_TEXT = /^[1-9][0-9]{0,9}$/;

/**
 * Splits a reading topic into pool and device; throws {@link TopicMismatchError} (TOPIC_MISMATCH) when
 * the topic is not exactly `fleet/{poolId}/{deviceId}/reading` with a canonical pool id and a valid device id.
 *
 * @example
 * parseTopic('fleet/1/ev-0001/reading'); // { poolId: 1, deviceId: 'ev-0001' }
 */
export function parseTopic(topic: string): { poolId: number; deviceId: string } {
  const parts = topic.split('/');
  if (parts.length !== 4 || parts[0] !== 'fleet' || parts[3] !== 'reading') {
    throw new TopicMismatchError(topic, 'is not of the form fleet/{poolId}/{deviceId}/reading');
  }
  const poolText = parts[1]!;
  const deviceId = parts[2]!;
  if (!POOL_ID_TEXT.test(poolText) || Number(poolText) > MAX_UINT32) {
    throw new TopicMismatchError(
      topic,
      `pool id ${JSON.stringify(poolText)} is not an integer in 1..${MAX_UINT32}`,
    );
  }
  if (!DEVICE_ID_PATTERN.test(deviceId)) {
    throw new TopicMismatchError(
      topic,
      `device id ${JSON.stringify(deviceId)} does not match ${DEVICE_ID_PATTERN.source}`,
    );
  }
  return { poolId: Number(poolText), deviceId };
}

/** MQTT subscription filter matching every reading topic. */
export const READING_TOPIC_FILTER = 'fleet/+/+/reading';

/**
 * The device id segment of a topic shaped `fleet/{poolId}/{deviceId}/reading`, or undefined; the ids are
 * not validated (compare with {@link topicFor} of the registered device for an exact match). For hot
 * paths that must not throw.
 *
 * @example
 * topicDeviceId('fleet/1/ev-0001/reading'); // 'ev-0001'
 */
export function topicDeviceId(topic: string): string | undefined {
  const parts = topic.split('/');
  return parts.length === 4 && parts[0] === 'fleet' && parts[3] === 'reading' ? parts[2] : undefined;
}
