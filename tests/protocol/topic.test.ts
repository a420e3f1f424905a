import { describe, expect, it } from 'vitest';
import {
  parseTopic,
  ProtocolError,
  READING_TOPIC_FILTER,
  topicDeviceId,
  topicFor,
} from '../../protocol/index.ts';

describe('topics', () => {
  it('topicFor and parseTopic are inverse', () => {
    expect(topicFor(1, 'ev-0001')).toBe('fleet/1/ev-0001/reading');
    expect(parseTopic('fleet/1/ev-0001/reading')).toEqual({ poolId: 1, deviceId: 'ev-0001' });
    expect(parseTopic(topicFor(2 ** 32 - 1, 'a'.repeat(31)))).toEqual({
      poolId: 2 ** 32 - 1,
      deviceId: 'a'.repeat(31),
    });
  });

  it('topicFor refuses invalid pool and device ids', () => {
    expect(() => topicFor(0, 'ev-1')).toThrow(ProtocolError);
    expect(() => topicFor(1.5, 'ev-1')).toThrow(ProtocolError);
    expect(() => topicFor(1, 'EV/1')).toThrow(ProtocolError);
    expect(() => topicFor(1, '+')).toThrow(ProtocolError);
  });

  it.each([
    'fleet/1/ev-0001',
    'fleet/1/ev-0001/reading/x',
    '/fleet/1/ev-0001/reading',
    'fleet/01/ev-0001/reading',
    'fleet/0/ev-0001/reading',
    'fleet/4294967296/ev-0001/reading',
    'fleet/-1/ev-0001/reading',
    'fleet/1/EV-0001/reading',
    'fleet/1//reading',
    'fleet/1/+/reading',
    'fleet/+/+/reading',
    'fleet/1/ev-0001/status',
    'Fleet/1/ev-0001/reading',
    `fleet/1/${'a'.repeat(32)}/reading`,
  ])('parseTopic rejects %s with TOPIC_MISMATCH', (topic) => {
    try {
      parseTopic(topic);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ProtocolError);
      expect((error as ProtocolError).code).toBe('TOPIC_MISMATCH');
      expect((error as ProtocolError).field).toBe('topic');
    }
  });

  it('topicDeviceId reads the device segment of reading topics only', () => {
    expect(topicDeviceId(topicFor(7, 'ev-0001'))).toBe('ev-0001');
    for (const topic of [
      'fleet/1/ev-0001',
      'fleet/1/ev-0001/status',
      'other/1/ev-0001/reading',
      'fleet/1/a/reading/x',
    ])
      expect(topicDeviceId(topic)).toBeUndefined();
  });

  it('the subscription filter is the SPEC filter of every reading topic', () => {
    expect(READING_TOPIC_FILTER).toBe('fleet/+/+/reading');
  });
});
