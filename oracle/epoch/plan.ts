import { leafStateToJson } from '../../circuits/model/leaf.ts';
import type { PoolState } from '../../circuits/model/pool-state.ts';
import { buildEpochBatches } from '../../circuits/witness/epoch-inputs.ts';
import { buildRegistrationBatch } from '../../circuits/witness/registration-inputs.ts';
import type { SignedReading } from '../../protocol/index.ts';
import { JobStateError } from '../errors.ts';
import type { EpochPlan, EpochRun, PlannedBatch, SelectionEntry } from './types.ts';

/**
 * Stage "plan": the deterministic batch plan of an epoch from the persisted state at its start and its stored
 * selection: registration batches of the new devices (in slot order), then the epoch's batches of closing
 * readings (readings the reference model rejects are skipped and listed). The same inputs give the same plan,
 * which is what lets a resumed job prove exactly the batches it selected.
 *
 * @throws JobStateError when the new devices' slots do not follow the persisted tree.
 */
export function planEpoch(run: EpochRun, entries: readonly SelectionEntry[]): EpochPlan {
  const next = run.before.clone();
  const registrations = planRegistrations(run, next, entries);
  const readings = new Map<number, SignedReading>();
  for (const e of entries) if (e.type === 'reading') readings.set(e.slot, e.reading);
  const { poolId, epoch, bounds, chainPool, circuits, batchSize } = run;
  const result = buildEpochBatches(
    next,
    readings,
    {
      poolId,
      epoch,
      epochStart: bounds.startTs,
      epochEnd: bounds.endTs,
      maxTariffMinorPerKwh: chainPool.maxTariffMinorPerKwh,
    },
    batchSize,
    { skipInvalid: true },
  );
  const epochBatches: PlannedBatch[] = result.batches.map((b, index) => ({
    key: { poolId, epoch, kind: 'epoch', index },
    bundleKey: { kind: 'epoch', poolId, epoch, batchIndex: index },
    instance: circuits.epoch,
    input: b.input,
    publicSignals: b.publicSignals,
    oldRoot: b.oldRoot,
    newRoot: b.newRoot,
    privateReadings: b.slots.map((slot) => ({
      slot,
      reading: readings.get(slot)!,
      leafAfter: leafStateToJson(result.state.leaf(slot)),
    })),
  }));
  return {
    registrations,
    epochBatches,
    state: result.state,
    totalEnergyWh: result.totalEnergyWh,
    totalRevenueMinor: result.totalRevenueMinor,
    reportingCount: result.reportingCount,
    skipped: result.skipped.map((e) => ({ slot: e.slot, rule: e.rule })),
  };
}

/** Registration batches of the selection's new devices, applied to `next` (the state being planned). */
function planRegistrations(
  run: EpochRun,
  next: PoolState,
  entries: readonly SelectionEntry[],
): PlannedBatch[] {
  const { poolId, epoch, circuits, registrationSize } = run;
  const registrations: PlannedBatch[] = [];
  const devices = entries.filter(
    (e): e is Extract<SelectionEntry, { type: 'device' }> => e.type === 'device',
  );
  for (let i = 0; i < devices.length; i += registrationSize) {
    const chunk = devices.slice(i, i + registrationSize);
    if (chunk[0]!.slot !== next.count)
      throw new JobStateError(
        `pool ${poolId}: registration of slot ${chunk[0]!.slot} does not follow slot ${next.count - 1}`,
      );
    const witness = buildRegistrationBatch(
      next,
      poolId,
      chunk.map((d) => ({ publicKey: { Ax: d.Ax, Ay: d.Ay }, ratedPowerW: d.ratedPowerW })),
      registrationSize,
    );
    registrations.push({
      key: { poolId, epoch, kind: 'registration', index: registrations.length },
      bundleKey: { kind: 'registration', poolId, epoch, batchIndex: witness.newCount },
      instance: circuits.registration,
      input: witness.input,
      publicSignals: witness.publicSignals,
      oldRoot: witness.oldRoot,
      newRoot: witness.newRoot,
      newCount: witness.newCount,
    });
  }
  return registrations;
}
