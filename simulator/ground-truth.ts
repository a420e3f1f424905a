import type { ReasonCode, SignedReading } from '../protocol/index.ts';
import type { FaultKind } from './config.ts';

/** What a correct gateway must do with one published message. */
export type ExpectedOutcome =
  | { readonly status: 'accepted' }
  /** Identical to an accepted reading (same device, sequence and signature): acknowledged, not counted. */
  | { readonly status: 'duplicate' }
  | { readonly status: 'rejected'; readonly reason: ReasonCode };

/** Assumptions the ground truth makes about the gateway that will receive the stream. */
export interface GatewayAssumptions {
  /** Largest accepted |ts - gateway time| in seconds; gateway time = the message's simulated publish time. */
  readonly skewToleranceS: number;
}

/** Per-device view of what a correct gateway has accepted so far. */
interface DeviceTruth {
  readonly ratedPowerW: number;
  readonly maxTariffMinorPerKwh: number;
  last: SignedReading | undefined;
  /** The most recent accepted readings (bounded), for duplicate detection and replays. */
  readonly recent: SignedReading[];
}

const RECENT_LIMIT = 16;

/** Totals of what a correct gateway accepts: sums of register deltas between accepted readings. */
export interface AcceptedTotals {
  energyWh: bigint;
  revenueMinor: bigint;
  accepted: number;
}

/**
 * A reference model of a correct gateway's decisions (SPEC section 4), applied in publish order,
 * with the check order schema -> signature -> sequence -> timestamp -> registers -> plausibility. The
 * simulator uses it to label every message it publishes; size, JSON and signature faults are labelled
 * by construction (the simulator knows what it broke), everything else by applying the checks to the
 * content against the device's last accepted reading (energy checked with margin 1).
 *
 * Out-of-order policy assumed: strict. A genuine reading delivered after a later one of the same
 * device has a lower sequence number with different content, so it is `SEQUENCE_REPLAY`; its energy
 * and revenue are not lost because the later reading's registers include them.
 */
export class GroundTruth {
  private readonly devices = new Map<string, DeviceTruth>();
  readonly totals: AcceptedTotals = { energyWh: 0n, revenueMinor: 0n, accepted: 0 };

  constructor(private readonly assumptions: GatewayAssumptions) {}

  /** Registers a device before any of its messages are judged. */
  register(deviceId: string, ratedPowerW: number, maxTariffMinorPerKwh: number): void {
    this.devices.set(deviceId, { ratedPowerW, maxTariffMinorPerKwh, last: undefined, recent: [] });
  }

  /** The device's last accepted reading, if any. */
  lastAccepted(deviceId: string): SignedReading | undefined {
    return this.device(deviceId).last;
  }

  /** The device's recent accepted readings, oldest first (at most 16). */
  recentAccepted(deviceId: string): readonly SignedReading[] {
    return this.device(deviceId).recent;
  }

  /**
   * Decides the outcome of one published message and updates the accepted state.
   * `brokenBy` names a fault that makes the message fail before any stateful check.
   */
  judge(
    reading: SignedReading,
    publishTs: number,
    brokenBy?: Extract<FaultKind, 'malformed' | 'oversized' | 'tamper'>,
  ): ExpectedOutcome {
    if (brokenBy === 'oversized') return { status: 'rejected', reason: 'PAYLOAD_TOO_LARGE' };
    if (brokenBy === 'malformed') return { status: 'rejected', reason: 'JSON_MALFORMED' };
    if (brokenBy === 'tamper') return { status: 'rejected', reason: 'SIGNATURE_INVALID' };
    const device = this.device(reading.deviceId);
    const last = device.last;
    if (last !== undefined && reading.seq <= last.seq) {
      const same = device.recent.find((r) => r.seq === reading.seq);
      if (same !== undefined && sameSignature(same, reading)) return { status: 'duplicate' };
      return { status: 'rejected', reason: 'SEQUENCE_REPLAY' };
    }
    if (Math.abs(reading.ts - publishTs) > this.assumptions.skewToleranceS) {
      return { status: 'rejected', reason: 'TIMESTAMP_SKEW' };
    }
    if (last !== undefined) {
      if (reading.ts <= last.ts) return { status: 'rejected', reason: 'TIMESTAMP_NOT_INCREASING' };
      if (reading.energyWh < last.energyWh || reading.revenueMinor < last.revenueMinor) {
        return { status: 'rejected', reason: 'REGISTER_DECREASED' };
      }
      const energyDeltaWh = BigInt(reading.energyWh - last.energyWh);
      const revenueDeltaMinor = BigInt(reading.revenueMinor - last.revenueMinor);
      if (energyDeltaWh * 3600n > BigInt(device.ratedPowerW) * BigInt(reading.ts - last.ts)) {
        return { status: 'rejected', reason: 'ENERGY_IMPLAUSIBLE' };
      }
      if (revenueDeltaMinor * 1000n > energyDeltaWh * BigInt(device.maxTariffMinorPerKwh)) {
        return { status: 'rejected', reason: 'REVENUE_IMPLAUSIBLE' };
      }
      this.totals.energyWh += energyDeltaWh;
      this.totals.revenueMinor += revenueDeltaMinor;
    }
    this.totals.accepted += 1;
    device.last = reading;
    device.recent.push(reading);
    if (device.recent.length > RECENT_LIMIT) device.recent.shift();
    return { status: 'accepted' };
  }

  private device(deviceId: string): DeviceTruth {
    const device = this.devices.get(deviceId);
    if (device === undefined) throw new RangeError(`ground truth: device ${deviceId} not registered`);
    return device;
  }
}

function sameSignature(a: SignedReading, b: SignedReading): boolean {
  return a.sig.R8x === b.sig.R8x && a.sig.R8y === b.sig.R8y && a.sig.S === b.sig.S;
}
