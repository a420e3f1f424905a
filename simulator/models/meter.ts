import { BaseError } from '../../lib/errors.ts';

/** A register would leave the safe-integer range; the run is too long or the device too large. */
export class RegisterOverflowError extends BaseError {
  override name = 'RegisterOverflowError';
}

/** What a meter reports when it is read. */
export interface MeterReading {
  energyWh: number;
  revenueMinor: number;
}

/**
 * An exact integer energy and revenue meter with the two guarantees the proof checks, for every pair
 * of consecutive reads (and so, by summing, for every pair of reads):
 *
 * - `energyDeltaWh * 3600 <= ratedPowerW * elapsedS`
 * - `revenueDeltaMinor * 1000 <= energyDeltaWh * maxTariffMinorPerKwh`
 *
 * Energy accrues exactly in watt-seconds; revenue accrues exactly in thousandths of a minor unit on the
 * published energy, at the price in force. A register shows `floor(exact / unit)`, held back when the
 * rounding carry would momentarily break a bound: the held-back amount is never lost, it appears in a
 * later reading (registers telescope).
 */
export class Meter {
  private energyWs = 0;
  private revenueMilli = 0;
  private publishedWh: number;
  private publishedMinor: number;
  private lastReadTs: number | undefined;

  constructor(
    readonly ratedPowerW: number,
    readonly maxTariffMinorPerKwh: number,
    initial: MeterReading = { energyWh: 0, revenueMinor: 0 },
  ) {
    this.publishedWh = initial.energyWh;
    this.publishedMinor = initial.revenueMinor;
  }

  /** Adds `powerW` delivered during `seconds` (both integers, `powerW <= ratedPowerW`). */
  addEnergy(powerW: number, seconds: number): void {
    this.energyWs += powerW * seconds;
  }

  /**
   * Reads the registers at `tsS`, accruing revenue at `priceMinorPerKwh` (<= the pool's maximum tariff)
   * on the energy that becomes visible in this read.
   */
  read(tsS: number, priceMinorPerKwh: number): MeterReading {
    const elapsedS = this.lastReadTs === undefined ? 0 : tsS - this.lastReadTs;
    this.lastReadTs = tsS;
    const availableWh = Math.floor(this.energyWs / 3600);
    const energyCapWh = Math.floor((this.ratedPowerW * elapsedS) / 3600);
    const energyDeltaWh = Math.min(availableWh, energyCapWh);
    this.energyWs -= energyDeltaWh * 3600;
    this.publishedWh += energyDeltaWh;

    this.revenueMilli += energyDeltaWh * Math.min(priceMinorPerKwh, this.maxTariffMinorPerKwh);
    const availableMinor = Math.floor(this.revenueMilli / 1000);
    const revenueCapMinor = Math.floor((energyDeltaWh * this.maxTariffMinorPerKwh) / 1000);
    const revenueDeltaMinor = Math.min(availableMinor, revenueCapMinor);
    this.revenueMilli -= revenueDeltaMinor * 1000;
    this.publishedMinor += revenueDeltaMinor;

    if (!Number.isSafeInteger(this.publishedWh * 3600) || this.publishedMinor >= 2 ** 48) {
      throw new RegisterOverflowError(`meter registers exceed the safe range at ts ${tsS}`, {
        hint: 'shorten the run or reduce rated power',
      });
    }
    return { energyWh: this.publishedWh, revenueMinor: this.publishedMinor };
  }

  /** Energy accrued but not yet shown in a register, Wh (rounded down). */
  pendingWh(): number {
    return Math.floor(this.energyWs / 3600);
  }
}
