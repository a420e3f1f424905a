/** Canonical JSON of a signed reading, in the field order of SPEC section 2. */
import type { SignedReading } from './types.ts';
import { validateReading } from './validate.ts';

/**
 * Canonical JSON text of a signed reading: field order of SPEC section 2 (`v, kind, poolId, deviceId, seq, ts,
 * energyWh, revenueMinor, powerW, sessionId|irradianceWm2, sig{R8x, R8y, S}`), no whitespace. The reading is
 * validated first, so the output always parses back with {@link parseReading}.
 *
 * @example
 * client.publish(topicFor(r.poolId, r.deviceId), serializeReading(signReading(r, key)), { qos: 1 });
 */
export function serializeReading(reading: SignedReading): string {
  const r = validateReading(reading);
  const aux = r.kind === 'ev' ? `"sessionId":${r.sessionId}` : `"irradianceWm2":${r.irradianceWm2}`;
  return (
    `{"v":${r.v},"kind":"${r.kind}","poolId":${r.poolId},"deviceId":"${r.deviceId}","seq":${r.seq},"ts":${r.ts},` +
    `"energyWh":${r.energyWh},"revenueMinor":${r.revenueMinor},"powerW":${r.powerW},${aux},` +
    `"sig":{"R8x":"${r.sig.R8x}","R8y":"${r.sig.R8y}","S":"${r.sig.S}"}}`
  );
}
