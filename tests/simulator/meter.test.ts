import { describe, expect, it } from 'vitest';
import { Meter } from '../../simulator/models/meter.ts';
import { deriveRng } from '../../simulator/prng.ts';

describe('exact integer meter', () => {
  it('holds both proof bounds on every pair of reads and loses no energy, over random load', () => {
    for (let trial = 0; trial < 40; trial++) {
      const rng = deriveRng('meter', String(trial));
      const ratedPowerW = rng.pick([7000, 60_000, 120_000, 180_000, 1_234_567]);
      const maxTariff = rng.int(1, 250);
      const meter = new Meter(ratedPowerW, maxTariff);
      let ts = 1_767_225_600;
      let prev = meter.read(ts, maxTariff);
      let deliveredWs = 0;
      for (let step = 0; step < 400; step++) {
        const elapsedS = rng.int(1, 900);
        // Often exactly at rated power, to exercise the rounding carry.
        const powerW = rng.chance(0.5) ? ratedPowerW : rng.int(0, ratedPowerW);
        meter.addEnergy(powerW, elapsedS);
        deliveredWs += powerW * elapsedS;
        ts += elapsedS;
        const price = rng.chance(0.5) ? maxTariff : rng.int(0, maxTariff);
        const next = meter.read(ts, price);
        const dE = BigInt(next.energyWh - prev.energyWh);
        const dR = BigInt(next.revenueMinor - prev.revenueMinor);
        expect(dE >= 0n && dR >= 0n).toBe(true);
        expect(dE * 3600n <= BigInt(ratedPowerW) * BigInt(elapsedS)).toBe(true);
        expect(dR * 1000n <= dE * BigInt(maxTariff)).toBe(true);
        expect(Number.isSafeInteger(next.energyWh) && Number.isSafeInteger(next.revenueMinor)).toBe(true);
        prev = next;
      }
      // Published energy + what is still pending equals the delivered energy, to the watt-hour.
      expect(prev.energyWh + meter.pendingWh()).toBe(Math.floor(deliveredWs / 3600));
    }
  });

  it('charges exactly the tariff on whole kWh at a constant price', () => {
    const meter = new Meter(100_000, 190);
    meter.read(0, 130);
    meter.addEnergy(100_000, 3600); // 100 kWh
    expect(meter.read(3600, 130)).toEqual({ energyWh: 100_000, revenueMinor: 13_000 });
  });

  it('holds back energy over the rated bound and releases it later', () => {
    const meter = new Meter(3600, 100);
    meter.read(0, 100);
    meter.addEnergy(3600, 10); // 10 Wh
    meter.addEnergy(3600, 10); // reported as if over 10 s: 20 Wh would break the bound
    expect(meter.read(10, 100).energyWh).toBe(10);
    expect(meter.read(20, 100).energyWh).toBe(20);
  });
});
