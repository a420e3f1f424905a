/** Time-of-use period of an electricity tariff. */
export type TouPeriod = 'valley' | 'flat' | 'peak';

/** A time-of-use electricity tariff plus a charging service fee, all in minor units per kWh. */
export interface TouTariff {
  /** Electricity price per period, minor units per kWh (fen/kWh for CNY). */
  readonly electricityMinorPerKwh: Readonly<Record<TouPeriod, number>>;
  /** Period of each local hour 0..23. */
  readonly periodByHour: readonly TouPeriod[];
  /** Service fee on every kWh, minor units per kWh. */
  readonly serviceFeeMinorPerKwh: number;
  /** Local time offset from UTC, hours (China: 8). */
  readonly utcOffsetH: number;
}

const V = 'valley' as const;
const F = 'flat' as const;
const P = 'peak' as const;

/**
 * A typical mainland-China commercial schedule: valley 0-8 h, peak 10-12 h and 14-19 h, flat otherwise.
 * Prices: valley 0.30, flat 0.70, peak 1.10 CNY/kWh; service fee 0.60 CNY/kWh.
 */
export const DEFAULT_EV_TARIFF: TouTariff = {
  electricityMinorPerKwh: { valley: 30, flat: 70, peak: 110 },
  periodByHour: [V, V, V, V, V, V, V, V, F, F, P, P, F, F, P, P, P, P, P, F, F, F, F, F],
  serviceFeeMinorPerKwh: 60,
  utcOffsetH: 8,
};

/** The local hour (0..23) of a unix time, for a given UTC offset in hours. */
export function localHour(tsS: number, utcOffsetH: number): number {
  const localS = tsS + Math.round(utcOffsetH * 3600);
  return Math.floor((((localS % 86400) + 86400) % 86400) / 3600);
}

/**
 * Total price (electricity + service fee) in minor units per kWh at unix time `tsS`.
 *
 * @example
 * touPriceMinorPerKwh(DEFAULT_EV_TARIFF, 1767225600); // 00:00 UTC = 08:00 in China: flat, 70 + 60 = 130
 */
export function touPriceMinorPerKwh(tariff: TouTariff, tsS: number): number {
  const period = tariff.periodByHour[localHour(tsS, tariff.utcOffsetH)] ?? 'flat';
  return tariff.electricityMinorPerKwh[period] + tariff.serviceFeeMinorPerKwh;
}

/** The highest price the tariff ever charges, minor units per kWh. */
export function maxTouPriceMinorPerKwh(tariff: TouTariff): number {
  const prices = tariff.periodByHour.map((period) => tariff.electricityMinorPerKwh[period]);
  return Math.max(...prices) + tariff.serviceFeeMinorPerKwh;
}
