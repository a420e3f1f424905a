import { keyHash } from '../../protocol/index.ts';
import { readDevices } from '../chain.ts';
import type { EpochJob } from '../stage-store.ts';
import { planEpoch } from './plan.ts';
import type { EpochJobContext, EpochRun, SelectionEntry } from './types.ts';

/** The epoch's durable record and its stored selection. */
export interface EpochSelection {
  job: EpochJob;
  entries: SelectionEntry[];
  /** Readings whose device is unknown to the registry or not registered on-chain in this pool (this run). */
  unregistered: string[];
}

/**
 * Stage "select": stores, once, the devices registered on-chain since the persisted tree and each reporting
 * device's closing reading in the epoch, with the number of batches they plan into, so that a resumed job
 * proves exactly the same batches. A job already past selection reads the stored selection back.
 */
export async function selectEpoch(ctx: EpochJobContext, run: EpochRun): Promise<EpochSelection> {
  const { poolId, epoch } = run;
  let job = await ctx.stages.epoch(poolId, epoch);
  const unregistered: string[] = [];
  if (!job) job = await storeSelection(ctx, run, unregistered);
  const entries = await ctx.stages.selection<SelectionEntry>(poolId, epoch);
  return { job, entries, unregistered };
}

/** Reads the chain and the readings, stores the selection (stage "selected") and returns its record. */
async function storeSelection(
  ctx: EpochJobContext,
  run: EpochRun,
  unregistered: string[],
): Promise<EpochJob> {
  const { poolId, epoch, bounds, before } = run;
  const log = ctx.onLog ?? (() => undefined);
  const devices = (await readDevices(ctx.publicClient, ctx.contracts, poolId, ctx.fromBlock)).filter(
    (d) => d.slot >= before.count,
  );
  const registeredCount = before.count + devices.length;
  const slotOf = new Map<string, number>();
  for (const [slot, leaf] of before.leaves().entries())
    slotOf.set(keyHash({ Ax: String(leaf.Ax), Ay: String(leaf.Ay) }).toString(), slot);
  for (const d of devices) slotOf.set(d.keyHash.toString(), d.slot);
  const entries: SelectionEntry[] = devices.map((d) => ({
    type: 'device',
    slot: d.slot,
    Ax: d.Ax.toString(),
    Ay: d.Ay.toString(),
    ratedPowerW: d.ratedPowerW,
  }));
  for (const reading of await ctx.readings.closingReadings(poolId, bounds.startTs, bounds.endTs)) {
    const publicKey = ctx.readings.publicKeyOf(reading.deviceId);
    const slot = publicKey ? slotOf.get(keyHash(publicKey).toString()) : undefined;
    if (slot === undefined || slot >= registeredCount) {
      unregistered.push(reading.deviceId);
      continue;
    }
    entries.push({ type: 'reading', slot, reading });
  }
  entries.sort((a, b) => (a.type === b.type ? a.slot - b.slot : a.type === 'device' ? -1 : 1));
  const planned = planEpoch(run, entries);
  const job = await ctx.stages.selectEpoch(
    {
      poolId,
      epoch,
      registeredCount,
      registrationBatches: planned.registrations.length,
      epochBatches: planned.epochBatches.length,
    },
    entries,
  );
  log('epoch selected', {
    poolId,
    epoch,
    readings: entries.length - devices.length,
    newDevices: devices.length,
  });
  await ctx.faults?.({ at: 'selected' });
  return job;
}
