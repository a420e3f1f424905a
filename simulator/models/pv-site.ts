import type { Rng } from '../prng.ts';
import { Meter, type MeterReading } from './meter.ts';
import { clearSkyIrradianceWm2 } from './solar.ts';

/** Static parameters of one PV site. */
export interface PvSiteSpec {
  /** DC peak power of the modules, W. */
  readonly peakPowerWp: number;
  /** Inverter AC rating, W: the meter's rated power (peak / DC-AC ratio). */
  readonly ratedPowerW: number;
  readonly latitudeDeg: number;
  readonly longitudeDeg: number;
  /** Feed-in or PPA price, minor units per kWh. */
  readonly tariffMinorPerKwh: number;
  readonly maxTariffMinorPerKwh: number;
}

/** What a PV site reports at a reading. */
export interface PvSample extends MeterReading {
  powerW: number;
  irradianceWm2: number;
}

/** Performance ratio from plane-of-array irradiance to DC power (temperature, soiling, wiring). */
const PERFORMANCE_RATIO = 0.85;
const INVERTER_EFFICIENCY = 0.97;
const CHUNK_S = 60;

/** Weather of one day: clear, broken cloud or overcast, as a mean clearness and its variability. */
interface DayWeather {
  readonly dayIndex: number;
  readonly meanClearness: number;
  readonly variability: number;
}

/**
 * A PV site: clear-sky irradiance by latitude, longitude and day of year, times a cloud clearness
 * (a weather type drawn per day: 40 % clear, 35 % broken cloud, 25 % overcast; within the day an AR(1)
 * process per minute), converted to DC power with a performance ratio and clipped at the inverter's AC
 * rating (DC/AC ratio above 1 clips around noon on clear days). Nothing at night.
 */
export class PvSite {
  private readonly meter: Meter;
  private weather: DayWeather | undefined;
  private clearness = 1;
  private powerW = 0;
  private irradianceWm2 = 0;

  constructor(
    readonly spec: PvSiteSpec,
    private readonly rng: Rng,
  ) {
    this.meter = new Meter(spec.ratedPowerW, spec.maxTariffMinorPerKwh);
  }

  /** Simulates the site from `fromTs` to `toTs` (unix seconds, integers). */
  advance(fromTs: number, toTs: number): void {
    let t = fromTs;
    while (t < toTs) {
      const seconds = Math.min(CHUNK_S, toTs - t);
      this.sample(t + seconds);
      this.meter.addEnergy(this.powerW, seconds);
      t += seconds;
    }
  }

  /** Reads the registers at `tsS` (call after `advance(..., tsS)`). */
  read(tsS: number): PvSample {
    if (this.weather === undefined) this.sample(tsS);
    const registers = this.meter.read(tsS, this.spec.tariffMinorPerKwh);
    return { ...registers, powerW: this.powerW, irradianceWm2: this.irradianceWm2 };
  }

  private sample(tsS: number): void {
    const dayIndex = Math.floor(tsS / 86400);
    if (this.weather?.dayIndex !== dayIndex) {
      this.weather = this.drawWeather(dayIndex);
      this.clearness = this.weather.meanClearness;
    }
    const weather = this.weather;
    const clear = clearSkyIrradianceWm2(tsS, this.spec.latitudeDeg, this.spec.longitudeDeg);
    if (clear <= 0) {
      this.irradianceWm2 = 0;
      this.powerW = 0;
      return;
    }
    // AR(1) around the day's mean clearness, bounded to [0.05, 1.05] (cloud-edge enhancement allowed).
    this.clearness =
      weather.meanClearness +
      0.9 * (this.clearness - weather.meanClearness) +
      weather.variability * this.rng.normal();
    this.clearness = Math.min(1.05, Math.max(0.05, this.clearness));
    const irradiance = Math.min(2000, Math.round(clear * this.clearness));
    const dcW = (this.spec.peakPowerWp * irradiance * PERFORMANCE_RATIO) / 1000;
    this.irradianceWm2 = irradiance;
    this.powerW = Math.min(this.spec.ratedPowerW, Math.floor(dcW * INVERTER_EFFICIENCY));
  }

  private drawWeather(dayIndex: number): DayWeather {
    const draw = this.rng.next();
    if (draw < 0.4) return { dayIndex, meanClearness: 0.95, variability: 0.02 };
    if (draw < 0.75) return { dayIndex, meanClearness: 0.65, variability: 0.12 };
    return { dayIndex, meanClearness: 0.25, variability: 0.05 };
  }
}
