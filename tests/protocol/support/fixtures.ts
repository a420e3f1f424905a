/** Readings and keys shared by the protocol tests. */
import { testPrivateKey } from '../../../protocol/generate-test-vectors.ts';
import { derivePublicKey, type EvReading, type PvReading, signReading } from '../../../protocol/index.ts';

export const PRIVATE_KEY = testPrivateKey(0);
export const PUBLIC_KEY = derivePublicKey(PRIVATE_KEY);

export const EV: EvReading = {
  v: 1,
  kind: 'ev',
  poolId: 1,
  deviceId: 'ev-0001',
  seq: 12,
  ts: 1_767_225_600,
  energyWh: 123_456,
  revenueMinor: 98_765,
  powerW: 60_000,
  sessionId: 42,
};

export const PV: PvReading = {
  v: 1,
  kind: 'pv',
  poolId: 2,
  deviceId: 'pv-site-0001',
  seq: 7,
  ts: 1_767_225_600,
  energyWh: 5_000,
  revenueMinor: 2_000,
  powerW: 1_000,
  irradianceWm2: 500,
};

export const SIGNED_EV = signReading(EV, PRIVATE_KEY);
export const SIGNED_PV = signReading(PV, PRIVATE_KEY);
