import type { Reading } from '../protocol/index.ts';
import type { DeviceSpec } from './fleet.ts';
import { EvPile } from './models/ev-pile.ts';
import { PvSite } from './models/pv-site.ts';
import type { Rng } from './prng.ts';

/**
 * A simulated device: its physical model and its sequence counter. `readAt(ts)` advances the model to
 * `ts` and returns the next unsigned reading (the sequence number increments on every read, whether or
 * not the message then reaches the broker).
 */
export class SimulatedDevice {
  private seq = 0;
  private lastTs: number | undefined;
  private readonly model: EvPile | PvSite;

  constructor(
    readonly spec: DeviceSpec,
    physicsRng: Rng,
  ) {
    if (spec.kind === 'ev') {
      if (!spec.ev) throw new TypeError(`device ${spec.deviceId}: EV parameters missing`);
      this.model = new EvPile(
        {
          ratedPowerW: spec.ratedPowerW,
          sessionsPerDay: spec.ev.sessionsPerDay,
          tariff: spec.ev.tariff,
          maxTariffMinorPerKwh: spec.maxTariffMinorPerKwh,
        },
        physicsRng,
      );
    } else {
      if (!spec.pv) throw new TypeError(`device ${spec.deviceId}: PV parameters missing`);
      this.model = new PvSite(
        {
          peakPowerWp: spec.pv.peakPowerWp,
          ratedPowerW: spec.ratedPowerW,
          latitudeDeg: spec.pv.latitudeDeg,
          longitudeDeg: spec.pv.longitudeDeg,
          tariffMinorPerKwh: spec.pv.tariffMinorPerKwh,
          maxTariffMinorPerKwh: spec.maxTariffMinorPerKwh,
        },
        physicsRng,
      );
    }
  }

  /** Advances the physics to `tsS` and reads the registers as the next reading. */
  readAt(tsS: number): Reading {
    if (this.lastTs !== undefined) {
      if (tsS <= this.lastTs) throw new RangeError(`device ${this.spec.deviceId}: time must increase`);
      this.model.advance(this.lastTs, tsS);
    }
    this.lastTs = tsS;
    this.seq += 1;
    const base = {
      v: 1 as const,
      poolId: this.spec.poolId,
      deviceId: this.spec.deviceId,
      seq: this.seq,
      ts: tsS,
    };
    if (this.model instanceof EvPile) {
      const sample = this.model.read(tsS);
      return {
        ...base,
        kind: 'ev',
        energyWh: sample.energyWh,
        revenueMinor: sample.revenueMinor,
        powerW: sample.powerW,
        sessionId: sample.sessionId,
      };
    }
    const sample = this.model.read(tsS);
    return {
      ...base,
      kind: 'pv',
      energyWh: sample.energyWh,
      revenueMinor: sample.revenueMinor,
      powerW: sample.powerW,
      irradianceWm2: sample.irradianceWm2,
    };
  }
}
