import type { DeviceKind } from '../protocol/index.ts';
import type { FleetConfig, PoolConfig } from './config.ts';
import type { TouTariff } from './models/tariff.ts';
import { deriveRng, type Rng } from './prng.ts';

/** One simulated device: identity, grouping and the parameters of its physical model. */
export interface DeviceSpec {
  readonly deviceId: string;
  readonly poolId: number;
  readonly kind: DeviceKind;
  readonly siteId: string;
  readonly ratedPowerW: number;
  readonly maxTariffMinorPerKwh: number;
  /** EV piles only. */
  readonly ev?: { readonly sessionsPerDay: number; readonly tariff: TouTariff };
  /** PV sites only. */
  readonly pv?: {
    readonly peakPowerWp: number;
    readonly latitudeDeg: number;
    readonly longitudeDeg: number;
    readonly tariffMinorPerKwh: number;
  };
}

/** China standard time; the tariff schedules are local. */
const UTC_OFFSET_H = 8;

/**
 * Expands a configuration into its devices, deterministically from the seed. Ids:
 * `ev-{poolId}-{nnnnn}` grouped into stations `st-{poolId}-{nnnn}`, and `pv-{poolId}-{nnnn}` (a PV site is
 * its own site).
 *
 * @example
 * const devices = buildFleet(parseFleetConfig({ pools: [{ poolId: 1, ev: { stations: 2 }, pv: { sites: 1 } }] }));
 * devices.length; // 9
 */
export function buildFleet(config: FleetConfig): DeviceSpec[] {
  const devices: DeviceSpec[] = [];
  for (const pool of config.pools) {
    const rng = deriveRng(config.seed, 'fleet', String(pool.poolId));
    devices.push(...buildEvPiles(pool, rng), ...buildPvSites(pool, rng));
  }
  return devices;
}

function buildEvPiles(pool: PoolConfig, rng: Rng): DeviceSpec[] {
  const { ev } = pool;
  const totalShare = ev.powerMix.reduce((sum, entry) => sum + entry.share, 0);
  const tariff: TouTariff = { ...ev.tariff, utcOffsetH: UTC_OFFSET_H };
  const piles: DeviceSpec[] = [];
  const totalPiles = ev.piles ?? ev.stations * ev.pilesPerStation;
  let entry = ev.powerMix[0]!;
  for (let index = 1; index <= totalPiles; index++) {
    const station = Math.floor((index - 1) / ev.pilesPerStation) + 1;
    if ((index - 1) % ev.pilesPerStation === 0) {
      const draw = rng.next() * totalShare;
      let cumulative = 0;
      entry =
        ev.powerMix.find((candidate) => {
          cumulative += candidate.share;
          return draw < cumulative;
        }) ?? ev.powerMix.at(-1)!;
    }
    piles.push({
      deviceId: `ev-${pool.poolId}-${String(index).padStart(5, '0')}`,
      poolId: pool.poolId,
      kind: 'ev',
      siteId: `st-${pool.poolId}-${String(station).padStart(4, '0')}`,
      ratedPowerW: entry.ratedPowerW,
      maxTariffMinorPerKwh: pool.maxTariffMinorPerKwh,
      ev: {
        sessionsPerDay: entry.ratedPowerW > 22_000 ? ev.sessionsPerDayDc : ev.sessionsPerDayAc,
        tariff,
      },
    });
  }
  return piles;
}

function buildPvSites(pool: PoolConfig, rng: Rng): DeviceSpec[] {
  const { pv } = pool;
  const sites: DeviceSpec[] = [];
  for (let site = 1; site <= pv.sites; site++) {
    const logMin = Math.log(pv.peakPowerKwp.min);
    const logMax = Math.log(pv.peakPowerKwp.max);
    const peakPowerWp = Math.round(Math.exp(rng.uniform(logMin, logMax)) * 1000);
    const dcAcRatio = rng.uniform(pv.dcAcRatio.min, pv.dcAcRatio.max);
    const deviceId = `pv-${pool.poolId}-${String(site).padStart(4, '0')}`;
    sites.push({
      deviceId,
      poolId: pool.poolId,
      kind: 'pv',
      siteId: deviceId,
      ratedPowerW: Math.max(1, Math.floor(peakPowerWp / dcAcRatio)),
      maxTariffMinorPerKwh: pool.maxTariffMinorPerKwh,
      pv: {
        peakPowerWp,
        // Sites of a pool spread over ~100 km.
        latitudeDeg: pv.latitudeDeg + rng.uniform(-0.5, 0.5),
        longitudeDeg: pv.longitudeDeg + rng.uniform(-0.5, 0.5),
        tariffMinorPerKwh: pv.tariffMinorPerKwh,
      },
    });
  }
  return sites;
}
