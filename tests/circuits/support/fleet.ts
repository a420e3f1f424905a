import { createHash } from 'node:crypto';
import {
  derivePublicKey,
  type EvReading,
  type PublicKey,
  type PvReading,
  type SignedReading,
  signReading,
} from '../../../protocol/index.ts';

/** A test device: deterministic key from a label. */
export interface TestDevice {
  readonly deviceId: string;
  readonly privateKey: string;
  readonly publicKey: PublicKey;
  readonly ratedPowerW: number;
  readonly kind: 'ev' | 'pv';
}

/** Deterministic device `index` of a test fleet. */
export function testDevice(index: number, ratedPowerW = 120_000, kind: 'ev' | 'pv' = 'ev'): TestDevice {
  const privateKey = createHash('sha256').update(`circuits-test-device-${index}`).digest('hex');
  return {
    deviceId: `${kind}-${String(index).padStart(4, '0')}`,
    privateKey,
    publicKey: derivePublicKey(privateKey),
    ratedPowerW,
    kind,
  };
}

/** A signed reading of `device` with the given register values. */
export function reading(
  device: TestDevice,
  fields: {
    poolId?: number;
    seq: number;
    ts: number;
    energyWh: number;
    revenueMinor: number;
    powerW?: number;
  },
  signer: TestDevice = device,
): SignedReading {
  const common = {
    v: 1 as const,
    poolId: fields.poolId ?? 1,
    deviceId: device.deviceId,
    seq: fields.seq,
    ts: fields.ts,
    energyWh: fields.energyWh,
    revenueMinor: fields.revenueMinor,
    powerW: fields.powerW ?? 7000,
  };
  const unsigned: EvReading | PvReading =
    device.kind === 'ev'
      ? { ...common, kind: 'ev', sessionId: 7 }
      : { ...common, kind: 'pv', irradianceWm2: 800 };
  return signReading(unsigned, signer.privateKey);
}

/** Small seeded PRNG (mulberry32) for property tests. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
