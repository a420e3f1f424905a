import type { LedgerReading } from '../ledger/types.ts';
import type { AcceptedReading, TimeSeriesStore } from './types.ts';

/** What `rebuildFromLedger` reads: the evidence ledger's per-device query. */
export interface LedgerSource {
  readingsOfDevice(
    deviceId: string,
    fromTs?: number,
    toTs?: number,
    limit?: number,
  ): Promise<LedgerReading[]>;
}

/**
 * Re-writes the aggregates' input from the evidence ledger: every in-order accepted reading of
 * `devices` with `fromTs <= ts < toTs`, with the ledger's own deltas and session flags (late
 * readings carry no delta and were never handed over). Both adapters are idempotent per reading,
 * so this fills gaps (a full buffer, a store lost or added later) without double-counting what the
 * store already has. Returns the number of readings written.
 *
 * @example
 * const written = await rebuildFromLedger(store, gateway.ledger, gateway.registry.listDevices());
 */
export async function rebuildFromLedger(
  store: TimeSeriesStore,
  ledger: LedgerSource,
  devices: ReadonlyArray<{ deviceId: string; siteId: string }>,
  options: { fromTs?: number; toTs?: number; pageSize?: number } = {},
): Promise<number> {
  const toTs = options.toTs ?? 2 ** 32;
  const pageSize = options.pageSize ?? 10_000;
  let written = 0;
  for (const { deviceId, siteId } of devices) {
    let fromTs = options.fromTs ?? 0;
    for (;;) {
      const rows = await ledger.readingsOfDevice(deviceId, fromTs, toTs, pageSize);
      const batch: AcceptedReading[] = rows
        .filter((row) => row.inOrder)
        .map((row) => ({
          poolId: row.poolId,
          deviceId: row.deviceId,
          siteId,
          kind: row.kind,
          seq: row.seq,
          ts: row.ts,
          energyWh: BigInt(row.energyWh),
          revenueMinor: BigInt(row.revenueMinor),
          energyDeltaWh: row.energyDeltaWh,
          revenueDeltaMinor: row.revenueDeltaMinor,
          newSession: row.newSession,
        }));
      if (batch.length > 0) await store.write(batch);
      written += batch.length;
      const last = rows.at(-1);
      // a device's accepted readings increase in sequence and timestamp together
      if (rows.length < pageSize || last === undefined) break;
      fromTs = last.ts + 1;
    }
  }
  await store.flush();
  return written;
}
