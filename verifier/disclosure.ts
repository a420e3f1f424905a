import { leafHash } from '../circuits/model/leaf.ts';
import type { PoolState } from '../circuits/model/pool-state.ts';
import { rootFromPath } from '../circuits/model/state-tree.ts';
import { epochBounds, type PoolSchedule } from '../oracle/epochs.ts';
import { type PublicKey, type SignedReading, verifyReading } from '../protocol/index.ts';
import type { Finding } from './checks.ts';

/**
 * A closing reading disclosed to an auditor: enough to check its device signature and that its leaf is in the
 * state root attested for that epoch, revealing nothing about other devices.
 */
export interface Disclosure {
  version: 1;
  poolId: number;
  epoch: number;
  slot: number;
  reading: SignedReading;
  publicKey: PublicKey;
  ratedPowerW: number;
  /** Merkle siblings of the slot, bottom-up, in the root finalised for `epoch` (decimal strings). */
  siblings: string[];
}

/**
 * Builds the disclosure of `slot`'s closing reading from the pool state right after `epoch` was finalised.
 *
 * @example
 * const disclosure = createDisclosure(state, 1, 3, 0, reading);
 * writeFileSync('ev-0001-epoch-3.json', JSON.stringify(disclosure));
 */
export function createDisclosure(
  state: PoolState,
  poolId: number,
  epoch: number,
  slot: number,
  reading: SignedReading,
): Disclosure {
  const leaf = state.leaf(slot);
  return {
    version: 1,
    poolId,
    epoch,
    slot,
    reading,
    publicKey: { Ax: leaf.Ax.toString(), Ay: leaf.Ay.toString() },
    ratedPowerW: Number(leaf.ratedPowerW),
    siblings: state.tree.siblings(slot).map(String),
  };
}

/**
 * Checks a disclosed closing reading: its signature by the disclosed key, that it lies in the epoch, and that the
 * leaf it produces (key, rated power, and the reading's sequence, time and registers) is in `attestedRoot`.
 */
export function verifyDisclosure(
  disclosure: Disclosure,
  pool: PoolSchedule,
  attestedRoot: bigint,
): Finding[] {
  const subject = `disclosed reading ${disclosure.reading.deviceId} seq ${disclosure.reading.seq} (epoch ${disclosure.epoch})`;
  const findings: Finding[] = [];
  let signed = false;
  try {
    signed = verifyReading(disclosure.reading, disclosure.publicKey);
  } catch {
    signed = false;
  }
  findings.push({
    check: 'disclosure',
    subject,
    ok: signed,
    message: signed ? 'device signature valid' : 'device signature INVALID for the disclosed key',
  });
  const bounds = epochBounds(pool, disclosure.epoch);
  const inEpoch =
    disclosure.reading.poolId === pool.poolId &&
    disclosure.reading.ts >= bounds.startTs &&
    disclosure.reading.ts < bounds.endTs;
  findings.push({
    check: 'disclosure',
    subject,
    ok: inEpoch,
    message: inEpoch
      ? `reading of pool ${pool.poolId} inside [${bounds.startTs}, ${bounds.endTs})`
      : `reading (pool ${disclosure.reading.poolId}, ts ${disclosure.reading.ts}) is not in pool ${pool.poolId} epoch ${disclosure.epoch} [${bounds.startTs}, ${bounds.endTs})`,
  });
  let included = false;
  try {
    const leaf = leafHash({
      Ax: BigInt(disclosure.publicKey.Ax),
      Ay: BigInt(disclosure.publicKey.Ay),
      ratedPowerW: BigInt(disclosure.ratedPowerW),
      lastSeq: BigInt(disclosure.reading.seq),
      lastTs: BigInt(disclosure.reading.ts),
      lastEnergyWh: BigInt(disclosure.reading.energyWh),
      lastRevenueMinor: BigInt(disclosure.reading.revenueMinor),
    });
    included = rootFromPath(leaf, disclosure.slot, disclosure.siblings.map(BigInt)) === attestedRoot;
  } catch {
    included = false;
  }
  findings.push({
    check: 'disclosure',
    subject,
    ok: included,
    message: included
      ? `leaf of slot ${disclosure.slot} is in the attested root ${attestedRoot}`
      : `leaf of slot ${disclosure.slot} is NOT in the attested root ${attestedRoot}`,
  });
  return findings;
}
