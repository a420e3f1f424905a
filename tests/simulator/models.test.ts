import { describe, expect, it } from 'vitest';
import { EvPile } from '../../simulator/models/ev-pile.ts';
import { PvSite } from '../../simulator/models/pv-site.ts';
import { clearSkyIrradianceWm2 } from '../../simulator/models/solar.ts';
import {
  DEFAULT_EV_TARIFF,
  maxTouPriceMinorPerKwh,
  touPriceMinorPerKwh,
} from '../../simulator/models/tariff.ts';
import { deriveRng } from '../../simulator/prng.ts';

const JAN_1_2026 = 1_767_225_600;
const DAY_S = 86_400;

describe('solar geometry', () => {
  it('gives ~1000 W/m2 at a summer solar noon in Shanghai and nothing at midnight', () => {
    const noon = Date.UTC(2026, 5, 21, 3, 55) / 1000; // ~11:55 local
    expect(clearSkyIrradianceWm2(noon, 31.2, 121.5)).toBeGreaterThan(900);
    expect(clearSkyIrradianceWm2(noon, 31.2, 121.5)).toBeLessThan(1100);
    expect(clearSkyIrradianceWm2(noon + 12 * 3600, 31.2, 121.5)).toBe(0);
  });

  it('gives a lower winter noon than summer noon', () => {
    const winter = Date.UTC(2026, 11, 21, 3, 55) / 1000;
    const summer = Date.UTC(2026, 5, 21, 3, 55) / 1000;
    expect(clearSkyIrradianceWm2(winter, 31.2, 121.5)).toBeLessThan(
      clearSkyIrradianceWm2(summer, 31.2, 121.5),
    );
  });
});

describe('PV site', () => {
  it('yields 900..1500 kWh per kWp over a year, clips at the inverter, nothing at night', () => {
    const peakPowerWp = 1_000_000;
    const ratedPowerW = Math.floor(peakPowerWp / 1.3);
    const site = new PvSite(
      {
        peakPowerWp,
        ratedPowerW,
        latitudeDeg: 31.2,
        longitudeDeg: 121.5,
        tariffMinorPerKwh: 42,
        maxTariffMinorPerKwh: 190,
      },
      deriveRng('pv-year'),
    );
    let ts = JAN_1_2026;
    site.read(ts);
    let clippedReadings = 0;
    let nightReadings = 0;
    let last = { energyWh: 0, revenueMinor: 0 };
    for (let step = 0; step < (365 * DAY_S) / 900; step++) {
      site.advance(ts, ts + 900);
      ts += 900;
      const sample = site.read(ts);
      expect(sample.powerW).toBeLessThanOrEqual(ratedPowerW);
      if (sample.powerW === ratedPowerW) clippedReadings++;
      const hour = Math.floor(((ts + 8 * 3600) % DAY_S) / 3600);
      if (hour >= 21 || hour < 4) {
        nightReadings++;
        expect(sample.powerW).toBe(0);
        expect(sample.irradianceWm2).toBe(0);
      }
      last = sample;
    }
    const kwhPerKwp = last.energyWh / 1000 / (peakPowerWp / 1000);
    expect(kwhPerKwp).toBeGreaterThan(900);
    expect(kwhPerKwp).toBeLessThan(1500);
    expect(clippedReadings).toBeGreaterThan(50);
    expect(nightReadings).toBeGreaterThan(10_000);
    // Feed-in revenue is the tariff times energy, to within the held-back remainder.
    expect(Math.abs(last.revenueMinor - Math.floor((last.energyWh * 42) / 1000))).toBeLessThanOrEqual(1);
  });
});

describe('EV pile', () => {
  function simulateDays(ratedPowerW: number, sessionsPerDay: number, days: number) {
    const pile = new EvPile(
      { ratedPowerW, sessionsPerDay, tariff: DEFAULT_EV_TARIFF, maxTariffMinorPerKwh: 190 },
      deriveRng('ev', String(ratedPowerW)),
    );
    let ts = JAN_1_2026;
    pile.read(ts);
    const sessions = new Set<number>();
    let busyReadings = 0;
    let readings = 0;
    let last = { energyWh: 0, revenueMinor: 0 };
    for (let step = 0; step < (days * DAY_S) / 300; step++) {
      pile.advance(ts, ts + 300);
      ts += 300;
      const sample = pile.read(ts);
      expect(sample.powerW).toBeLessThanOrEqual(ratedPowerW);
      readings++;
      if (sample.sessionId !== 0) {
        sessions.add(sample.sessionId);
        busyReadings++;
        expect(sample.powerW).toBeGreaterThan(0);
      } else {
        expect(sample.powerW).toBe(0);
      }
      last = sample;
    }
    return {
      kwhPerDay: last.energyWh / 1000 / days,
      sessions: sessions.size,
      utilisation: busyReadings / readings,
      last,
    };
  }

  it('a busy 120 kW DC pile delivers 150..450 kWh a day at 5..30 % utilisation', () => {
    const { kwhPerDay, utilisation, sessions, last } = simulateDays(120_000, 8, 30);
    expect(kwhPerDay).toBeGreaterThan(150);
    expect(kwhPerDay).toBeLessThan(450);
    expect(utilisation).toBeGreaterThan(0.05);
    expect(utilisation).toBeLessThan(0.3);
    expect(sessions).toBeGreaterThan(100);
    // Average price between valley and peak (plus service fee).
    const averagePrice = (last.revenueMinor * 1000) / last.energyWh;
    expect(averagePrice).toBeGreaterThan(90);
    expect(averagePrice).toBeLessThan(170);
  });

  it('a 7 kW AC pile never exceeds its rating and charges for hours', () => {
    const { kwhPerDay, utilisation } = simulateDays(7_000, 1.5, 30);
    expect(kwhPerDay).toBeGreaterThan(5);
    expect(kwhPerDay).toBeLessThan(7 * 24);
    expect(utilisation).toBeGreaterThan(0.1);
  });

  it('prices by time of use: valley at night, peak in the afternoon', () => {
    const localMidnight = JAN_1_2026 - 8 * 3600;
    expect(touPriceMinorPerKwh(DEFAULT_EV_TARIFF, localMidnight + 3 * 3600)).toBe(30 + 60);
    expect(touPriceMinorPerKwh(DEFAULT_EV_TARIFF, localMidnight + 15 * 3600)).toBe(110 + 60);
    expect(touPriceMinorPerKwh(DEFAULT_EV_TARIFF, localMidnight + 9 * 3600)).toBe(70 + 60);
    expect(maxTouPriceMinorPerKwh(DEFAULT_EV_TARIFF)).toBe(170);
  });
});
