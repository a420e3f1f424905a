import { z } from 'zod';
import { BaseError } from '../lib/errors.ts';

/** The simulator's configuration file or flags are invalid. */
export class SimulatorConfigError extends BaseError {
  override name = 'SimulatorConfigError';
}

const int = () => z.number().int();
const rate = () => z.number().min(0).max(1).default(0);
const range = (min: number, max: number) =>
  z
    .strictObject({ min: z.number().positive(), max: z.number().positive() })
    .refine((r) => r.min <= r.max, 'min must be <= max')
    .default({ min, max });

const touTariffSchema = z.strictObject({
  electricityMinorPerKwh: z
    .strictObject({ valley: int().nonnegative(), flat: int().nonnegative(), peak: int().nonnegative() })
    .default({ valley: 30, flat: 70, peak: 110 }),
  periodByHour: z
    .array(z.enum(['valley', 'flat', 'peak']))
    .length(24)
    .default([
      'valley',
      'valley',
      'valley',
      'valley',
      'valley',
      'valley',
      'valley',
      'valley',
      'flat',
      'flat',
      'peak',
      'peak',
      'flat',
      'flat',
      'peak',
      'peak',
      'peak',
      'peak',
      'peak',
      'flat',
      'flat',
      'flat',
      'flat',
      'flat',
    ]),
  serviceFeeMinorPerKwh: int().nonnegative().default(60),
});

const evSchema = z.strictObject({
  /** Number of charging stations (sites). */
  stations: int().nonnegative().default(0),
  /** Total piles; default `stations * pilesPerStation` (the last station may be partial). */
  piles: int().nonnegative().optional(),
  /** Piles per station. */
  pilesPerStation: int().min(1).max(64).default(4),
  /** Rated power of a station's piles, drawn per station with these weights. */
  powerMix: z
    .array(z.strictObject({ ratedPowerW: int().min(1000).max(1_000_000), share: z.number().positive() }))
    .min(1)
    .default([
      { ratedPowerW: 7_000, share: 0.3 },
      { ratedPowerW: 60_000, share: 0.2 },
      { ratedPowerW: 120_000, share: 0.4 },
      { ratedPowerW: 180_000, share: 0.1 },
    ]),
  sessionsPerDayAc: z.number().nonnegative().default(1.5),
  sessionsPerDayDc: z.number().nonnegative().default(8),
  tariff: touTariffSchema.prefault({}),
});

const pvSchema = z.strictObject({
  /** Number of PV sites (one metered inverter group each). */
  sites: int().nonnegative().default(0),
  /** DC peak power range, kWp (drawn log-uniformly). */
  peakPowerKwp: range(100, 6000),
  /** DC/AC ratio range (drawn uniformly). */
  dcAcRatio: range(1.1, 1.3),
  latitudeDeg: z.number().min(-66).max(66).default(31.2),
  longitudeDeg: z.number().min(-180).max(180).default(121.5),
  /** Feed-in (~35-45) or PPA (~50-70) price, minor units per kWh. */
  tariffMinorPerKwh: int().nonnegative().default(42),
});

const poolSchema = z.strictObject({
  poolId: int().min(1).max(0xffffffff),
  /** The pool's maximum tariff (on-chain parameter), minor units per kWh. */
  maxTariffMinorPerKwh: int().min(1).default(190),
  ev: evSchema.prefault({}),
  pv: pvSchema.prefault({}),
});

const makeFaultsSchema = (gatewaySkewToleranceS: number) =>
  z.strictObject({
    /** Probability per reading that the message is lost (never published). */
    drop: rate(),
    /** Probability per reading that the message is published twice. */
    duplicate: rate(),
    /** Probability per reading that it is held back and published after the device's next message. */
    outOfOrder: rate(),
    /** Probability per reading that the device clock is ahead by `clockSkewS`. */
    clockSkew: rate(),
    /** Probability per reading that an earlier accepted sequence number is re-signed with new content. */
    replay: rate(),
    /** Probability per reading that a field is changed after signing. */
    tamper: rate(),
    /** Probability per reading that the registers read 0 (a meter reset glitch). */
    counterReset: rate(),
    /** Probability per reading that the device goes offline for `offlineDurationS`. */
    offline: rate(),
    /** Probability per reading that the payload is cut short (not JSON). */
    malformed: rate(),
    /** Probability per reading that the payload is padded over 1024 bytes. */
    oversized: rate(),
    clockSkewS: int()
      .min(1)
      .default(3 * 3600),
    offlineDurationS: int()
      .min(1)
      .default(2 * 3600),
    /**
     * The gateway's timestamp tolerance (its `validation.maxClockSkewS`), assumed by the ground truth and by the
     * live clock check; must be below `clockSkewS`. Default 600, or the gateway's own default 300 in live runs.
     */
    gatewaySkewToleranceS: int().min(0).default(gatewaySkewToleranceS),
  });

const mqttSchema = z.strictObject({
  /** Broker URL; absent: start the embedded aedes broker. */
  url: z.string().optional(),
  /**
   * `per-device`: one client per device (client id = username = deviceId, password = mqttPassword);
   * `pooled`: `poolSize` relay clients shared by all devices (relay credentials);
   * `auto`: per-device up to `perDeviceLimit` devices, pooled above.
   */
  mode: z.enum(['auto', 'per-device', 'pooled']).default('auto'),
  perDeviceLimit: int().min(1).default(1000),
  poolSize: int().min(1).max(10_000).default(16),
  /** Credentials of relay clients in pooled mode. */
  relayUsername: z.string().default('fleet-relay'),
  relayPassword: z.string().default('fleet-relay-secret'),
  /** Most QoS 1 publishes awaiting PUBACK at once, over all clients. */
  maxInFlight: int().min(1).default(1000),
});

/** Simulated clock start of reproducible runs (dry runs, the embedded broker) when none is given. */
export const DEFAULT_START = '2026-01-01T00:00:00Z';
/** Simulated seconds per wall second of reproducible runs when none is given (a day per minute). */
export const DEFAULT_SPEED = 1440;

/**
 * The one schema of the simulator's configuration, with the clock defaults of a kind of run: reproducible
 * runs start at {@link DEFAULT_START} at {@link DEFAULT_SPEED}; live runs against a gateway start at the wall
 * clock in real time (see `liveClockDefaults`).
 */
export function makeFleetConfigSchema(clock: {
  start: number | string;
  speed: number;
  gatewaySkewToleranceS: number;
}) {
  return z
    .strictObject({
      seed: z.string().min(1).default('rwa-iot'),
      /** Simulated clock start: unix seconds or an ISO-8601 date. */
      start: z.union([int().min(1), z.iso.datetime({ offset: true })]).default(clock.start),
      durationS: int().min(0).default(86_400),
      intervalS: int().min(1).default(300),
      /** Simulated seconds per wall-clock second; 0 = as fast as possible. */
      speed: z.number().min(0).default(clock.speed),
      /** Pools and their devices; default one pool, id 1, with no devices until `--ev`/`--pv` add some. */
      pools: z
        .array(poolSchema)
        .min(1)
        .prefault([{ poolId: 1 }]),
      faults: makeFaultsSchema(clock.gatewaySkewToleranceS).prefault({}),
      mqtt: mqttSchema.prefault({}),
      /** Worker threads simulating and signing shards of the fleet in live runs (1 = in the main thread). */
      signingThreads: int().min(1).max(64).default(1),
      /** Key file (SPEC section 2): loaded if it exists and matches the fleet, otherwise written. */
      keysFile: z.string().optional(),
    })
    .refine((c) => new Set(c.pools.map((p) => p.poolId)).size === c.pools.length, 'pool ids must be unique');
}

/** The configuration schema with the reproducible clock defaults. */
export const fleetConfigSchema = makeFleetConfigSchema({
  start: DEFAULT_START,
  speed: DEFAULT_SPEED,
  gatewaySkewToleranceS: 600,
});

/** Fleet configuration as written in a file (defaults optional). */
export type FleetConfigInput = z.input<typeof fleetConfigSchema>;
/** Fleet configuration with every default filled in. */
export type FleetConfig = z.output<typeof fleetConfigSchema>;
export type PoolConfig = FleetConfig['pools'][number];
export type FaultConfig = FleetConfig['faults'];
/** Names of the fault kinds. */
export type FaultKind =
  | 'drop'
  | 'duplicate'
  | 'outOfOrder'
  | 'clockSkew'
  | 'replay'
  | 'tamper'
  | 'counterReset'
  | 'offline'
  | 'malformed'
  | 'oversized';
export const FAULT_KINDS: readonly FaultKind[] = [
  'drop',
  'duplicate',
  'outOfOrder',
  'clockSkew',
  'replay',
  'tamper',
  'counterReset',
  'offline',
  'malformed',
  'oversized',
];

/**
 * Validates a configuration object and fills in defaults; throws {@link SimulatorConfigError} naming
 * every wrong field.
 *
 * @example
 * const config = parseFleetConfig({ seed: 'x', pools: [{ poolId: 1, ev: { stations: 10 }, pv: { sites: 2 } }] });
 */
export function parseFleetConfig(input: unknown): FleetConfig {
  const result = fleetConfigSchema.safeParse(input);
  if (!result.success) {
    const details = result.error.issues
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new SimulatorConfigError('invalid simulator configuration', {
      details,
      hint: 'see simulator/README.md for the configuration format',
    });
  }
  return checkFleetConfig(result.data);
}

/**
 * The checks across fields that the schema cannot express (tariffs within the pool's maximum, a clock-skew
 * fault beyond the gateway's tolerance); returns the configuration or throws {@link SimulatorConfigError}.
 */
export function checkFleetConfig(config: FleetConfig): FleetConfig {
  for (const pool of config.pools) {
    const tariff = pool.ev.tariff;
    const maxEv = Math.max(...Object.values(tariff.electricityMinorPerKwh)) + tariff.serviceFeeMinorPerKwh;
    if ((pool.ev.piles ?? pool.ev.stations) > 0 && maxEv > pool.maxTariffMinorPerKwh) {
      throw new SimulatorConfigError(`pool ${pool.poolId}: EV tariff reaches ${maxEv} minor/kWh`, {
        details: `above the pool's maxTariffMinorPerKwh ${pool.maxTariffMinorPerKwh}`,
        hint: 'raise maxTariffMinorPerKwh or lower the tariff',
      });
    }
    if (pool.pv.sites > 0 && pool.pv.tariffMinorPerKwh > pool.maxTariffMinorPerKwh) {
      throw new SimulatorConfigError(`pool ${pool.poolId}: PV tariff above maxTariffMinorPerKwh`, {
        hint: 'raise maxTariffMinorPerKwh or lower pv.tariffMinorPerKwh',
      });
    }
  }
  if (config.faults.clockSkewS <= config.faults.gatewaySkewToleranceS) {
    throw new SimulatorConfigError('faults.clockSkewS must exceed faults.gatewaySkewToleranceS', {
      hint: 'a skew within tolerance is not a fault',
    });
  }
  return config;
}

/** The simulated start as unix seconds. */
export function startTsOf(config: FleetConfig): number {
  return typeof config.start === 'number' ? config.start : Math.floor(Date.parse(config.start) / 1000);
}
