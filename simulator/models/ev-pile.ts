import type { Rng } from '../prng.ts';
import { Meter, type MeterReading } from './meter.ts';
import { localHour, type TouTariff, touPriceMinorPerKwh } from './tariff.ts';

/**
 * Relative arrival rate per local hour (mean 1): ride-hailing and taxis at night in the valley tariff,
 * commuter peaks 8-10 h and 17-20 h.
 */
export const EV_ARRIVAL_PROFILE: readonly number[] = normalise([
  1.2, 1.3, 1.2, 1.0, 0.8, 0.6, 0.6, 0.9, 1.6, 1.7, 1.2, 1.0, 1.0, 0.9, 0.8, 0.8, 1.0, 1.5, 1.7, 1.5, 1.0,
  0.8, 0.9, 1.1,
]);

function normalise(weights: number[]): number[] {
  const mean = weights.reduce((a, b) => a + b, 0) / weights.length;
  return weights.map((w) => w / mean);
}

/** Static parameters of one charging pile. */
export interface EvPileSpec {
  readonly ratedPowerW: number;
  /** Mean charging sessions per day (before arrivals lost to a busy pile). */
  readonly sessionsPerDay: number;
  readonly tariff: TouTariff;
  readonly maxTariffMinorPerKwh: number;
}

interface Session {
  readonly id: number;
  readonly targetWs: number;
  readonly vehicleMaxW: number;
  deliveredWs: number;
}

/** What an EV pile reports at a reading. */
export interface EvSample extends MeterReading {
  powerW: number;
  /** Current charging session id; 0 when idle. */
  sessionId: number;
}

const CHUNK_S = 60;

/**
 * A charging pile: vehicles arrive by a non-homogeneous Poisson process following
 * {@link EV_ARRIVAL_PROFILE}; a session charges a log-normal amount of energy (DC 15-70 kWh, median
 * 35; AC 5-45 kWh, median 20) at the lower of the pile's rating and the vehicle's acceptance, tapering
 * over the last 20 % of the session. Arrivals while the pile is busy are lost. Power is integer watts
 * and energy integer watt-seconds, so the registers carry no float drift.
 */
export class EvPile {
  private readonly meter: Meter;
  private session: Session | undefined;
  private nextSessionId = 1;
  private powerW = 0;
  private readonly isDc: boolean;

  constructor(
    readonly spec: EvPileSpec,
    private readonly rng: Rng,
  ) {
    this.meter = new Meter(spec.ratedPowerW, spec.maxTariffMinorPerKwh);
    this.isDc = spec.ratedPowerW > 22_000;
  }

  /** Simulates the pile from `fromTs` to `toTs` (unix seconds, integers). */
  advance(fromTs: number, toTs: number): void {
    let t = fromTs;
    while (t < toTs) {
      if (this.session === undefined) {
        this.powerW = 0;
        const spanS = Math.min(CHUNK_S * 5, toTs - t);
        const hour = localHour(t, this.spec.tariff.utcOffsetH);
        const ratePerS = (this.spec.sessionsPerDay / 86400) * (EV_ARRIVAL_PROFILE[hour] ?? 1);
        if (this.rng.chance(1 - Math.exp(-ratePerS * spanS))) {
          t += this.rng.int(0, spanS - 1);
          this.session = this.newSession();
        } else {
          t += spanS;
        }
        continue;
      }
      const session = this.session;
      const chunkS = Math.min(CHUNK_S, toTs - t);
      const powerW = this.sessionPowerW(session);
      const remainingWs = session.targetWs - session.deliveredWs;
      const seconds = Math.min(chunkS, Math.ceil(remainingWs / powerW));
      this.meter.addEnergy(powerW, seconds);
      session.deliveredWs += powerW * seconds;
      this.powerW = powerW;
      t += seconds;
      if (session.deliveredWs >= session.targetWs) {
        this.session = undefined;
        this.powerW = 0;
      }
    }
  }

  /** Reads the registers at `tsS` (call after `advance(..., tsS)`). */
  read(tsS: number): EvSample {
    const registers = this.meter.read(tsS, touPriceMinorPerKwh(this.spec.tariff, tsS));
    return { ...registers, powerW: this.powerW, sessionId: this.session?.id ?? 0 };
  }

  private newSession(): Session {
    const rng = this.rng;
    const kwh = this.isDc
      ? Math.min(70, Math.max(15, rng.logNormal(35, 0.3)))
      : Math.min(45, Math.max(5, rng.logNormal(20, 0.4)));
    const vehicleMaxW = this.isDc ? rng.int(50, 200) * 1000 : rng.int(3300, 11000);
    const id = this.nextSessionId;
    this.nextSessionId = id >= 0xffffffff ? 1 : id + 1;
    return { id, targetWs: Math.round(kwh * 3_600_000), vehicleMaxW, deliveredWs: 0 };
  }

  private sessionPowerW(session: Session): number {
    const peakW = Math.min(this.spec.ratedPowerW, session.vehicleMaxW);
    const fraction = session.deliveredWs / session.targetWs;
    const taper = fraction < 0.8 ? 1 : 1 - (0.6 * (fraction - 0.8)) / 0.2;
    return Math.max(1000, Math.min(this.spec.ratedPowerW, Math.floor(peakW * taper)));
  }
}
