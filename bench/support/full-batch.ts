/**
 * Full batch inputs for benchmarks: every slot of an epoch batch enabled (each device's second
 * reading after a baseline epoch), or every slot of a registration batch used.
 */
import { buildEpochBatches } from '../../circuits/witness/epoch-inputs.ts';
import { PoolState } from '../../circuits/model/pool-state.ts';
import { buildRegistrationBatches } from '../../circuits/witness/registration-inputs.ts';
import { derivePublicKey, signReading } from '../../protocol/index.ts';

/** A full batch input of instance `name`: every slot enabled (epoch) or used (registration). */
export function fullBatchInput(template: string, slots: number, depth: number) {
  const keys = Array.from({ length: slots }, (_, i) => (i + 1).toString(16).padStart(64, '0'));
  const devices = keys.map((k) => ({ publicKey: derivePublicKey(k), ratedPowerW: 120_000 }));
  if (template === 'Registration')
    return buildRegistrationBatches(new PoolState(depth), 1, devices, slots).batches[0];
  const state = new PoolState(depth);
  for (const d of devices) state.register(d.publicKey, d.ratedPowerW);
  const t0 = 1_900_000_000;
  const signed = (i: number, seq: number, ts: number, e: number) =>
    signReading(
      {
        v: 1,
        kind: 'ev',
        poolId: 1,
        deviceId: `ev-${i}`,
        seq,
        ts,
        energyWh: e,
        revenueMinor: Math.floor(e / 10),
        powerW: 1000,
        sessionId: 1,
      },
      keys[i] as string,
    );
  const baseline = buildEpochBatches(
    state,
    new Map(keys.map((_, i) => [i, signed(i, 1, t0 + 10, 1000)])),
    { poolId: 1, epoch: 1, epochStart: t0, epochEnd: t0 + 3600, maxTariffMinorPerKwh: 190 },
    slots,
  );
  const next = buildEpochBatches(
    baseline.state,
    new Map(keys.map((_, i) => [i, signed(i, 2, t0 + 3600 + 10, 1000 + 50_000 + i)])),
    { poolId: 1, epoch: 2, epochStart: t0 + 3600, epochEnd: t0 + 7200, maxTariffMinorPerKwh: 190 },
    slots,
  );
  return next.batches[0];
}
