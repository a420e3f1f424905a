import type { DeviceKind, Signature, SignedReading } from '../../protocol/index.ts';

/** One accepted reading as kept in the evidence ledger. */
export interface LedgerReading {
  deviceId: string;
  seq: number;
  poolId: number;
  kind: DeviceKind;
  ts: number;
  energyWh: number;
  revenueMinor: number;
  powerW: number;
  /** EV only. */
  sessionId: number | undefined;
  /** PV only. */
  irradianceWm2: number | undefined;
  sig: Signature;
  /** Delta vs the previous reading of the device's in-order chain; 0n for its first reading and for late readings. */
  energyDeltaWh: bigint;
  revenueDeltaMinor: bigint;
  /**
   * false for a late reading: genuine, valid between its accepted neighbours, but received after a
   * reading with a higher sequence; its energy and revenue are already in that reading's delta.
   */
  inOrder: boolean;
  newSession: boolean;
  receivedAtMs: number;
  /** The MQTT payload exactly as received. */
  payload: string;
}

/** Rebuilds the signed wire reading of a ledger row (what the oracle and auditors verify). */
export function toSignedReading(row: LedgerReading): SignedReading {
  const common = {
    v: 1 as const,
    poolId: row.poolId,
    deviceId: row.deviceId,
    seq: row.seq,
    ts: row.ts,
    energyWh: row.energyWh,
    revenueMinor: row.revenueMinor,
    powerW: row.powerW,
  };
  return row.kind === 'ev'
    ? { ...common, kind: 'ev', sessionId: row.sessionId ?? 0, sig: { ...row.sig } }
    : { ...common, kind: 'pv', irradianceWm2: row.irradianceWm2 ?? 0, sig: { ...row.sig } };
}
