import { createHash } from 'node:crypto';
import {
  derivePublicKey,
  type EvReading,
  type PublicKey,
  type SignedReading,
  signReading,
} from '../../../protocol/index.ts';
import type { ReadingSource } from '../../../oracle/sources.ts';

/** A test device: deterministic key, cumulative registers like a real meter. */
export interface TestDevice {
  deviceId: string;
  privateKey: string;
  publicKey: PublicKey;
  ratedPowerW: number;
  seq: number;
  energyWh: number;
  revenueMinor: number;
}

/** Deterministic devices (key = sha256 of a seed): `count` EV piles of 120 kW. */
export function makeDevices(prefix: string, count: number): TestDevice[] {
  return Array.from({ length: count }, (_, i) => {
    const privateKey = createHash('sha256').update(`oracle-test-${prefix}-${i}`).digest('hex');
    return {
      deviceId: `${prefix}-${i}`,
      privateKey,
      publicKey: derivePublicKey(privateKey),
      ratedPowerW: 120_000,
      seq: 0,
      energyWh: 0,
      revenueMinor: 0,
    };
  });
}

/** Signs the device's next reading at `ts`, adding `energyWh` at 100 fen/kWh (below the 190 cap). */
export function nextReading(device: TestDevice, poolId: number, ts: number, energyWh: number): SignedReading {
  device.seq += 1;
  device.energyWh += energyWh;
  device.revenueMinor += energyWh / 10;
  const reading: EvReading = {
    v: 1,
    kind: 'ev',
    poolId,
    deviceId: device.deviceId,
    seq: device.seq,
    ts,
    energyWh: device.energyWh,
    revenueMinor: device.revenueMinor,
    powerW: 60_000,
    sessionId: device.seq,
  };
  return signReading(reading, device.privateKey);
}

/**
 * The evidence the oracle reads, held in memory with the ledger's closing-reading rule (highest sequence with
 * `startTs <= ts < endTs`); the gateway-backed source is exercised in the gateway-source test.
 */
export class MemoryReadingSource implements ReadingSource {
  readonly readings: SignedReading[] = [];
  private readonly keys = new Map<string, PublicKey>();
  addDevices(devices: readonly TestDevice[]): void {
    for (const d of devices) this.keys.set(d.deviceId, d.publicKey);
  }
  add(reading: SignedReading): void {
    this.readings.push(reading);
  }
  async closingReadings(poolId: number, startTs: number, endTs: number): Promise<SignedReading[]> {
    const best = new Map<string, SignedReading>();
    for (const r of this.readings) {
      if (r.poolId !== poolId || r.ts < startTs || r.ts >= endTs) continue;
      const current = best.get(r.deviceId);
      if (!current || r.seq > current.seq) best.set(r.deviceId, r);
    }
    return [...best.values()].sort((a, b) => a.deviceId.localeCompare(b.deviceId));
  }
  publicKeyOf(deviceId: string): PublicKey | undefined {
    return this.keys.get(deviceId);
  }
}
