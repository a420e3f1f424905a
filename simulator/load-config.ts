/**
 * The simulator's one configuration path: a JSON file (`--config`), then `SIMULATOR_*` variables, then
 * flags, validated by the simulator's schema through the project's `loadConfig`. Live runs (to an external
 * broker, not `--dry-run`) take the live clock defaults and are checked against the gateway's window.
 */
import { type EnvBinding, loadConfig } from '../lib/config.ts';
import {
  checkFleetConfig,
  type FleetConfig,
  fleetConfigSchema,
  makeFleetConfigSchema,
  type PoolConfig,
} from './config.ts';
import { checkLiveClock, liveClockDefaults } from './live-clock.ts';

/** Environment variables of the simulator (credentials and deployment settings, not fleet shape). */
export const SIMULATOR_ENV: readonly EnvBinding[] = [
  ['SIMULATOR_BROKER_URL', 'mqtt.url', 'string'],
  ['SIMULATOR_RELAY_USERNAME', 'mqtt.relayUsername', 'string'],
  ['SIMULATOR_RELAY_PASSWORD', 'mqtt.relayPassword', 'string'],
  ['SIMULATOR_MAX_IN_FLIGHT', 'mqtt.maxInFlight', 'int'],
  ['SIMULATOR_KEYS_FILE', 'keysFile', 'string'],
  ['SIMULATOR_THREADS', 'signingThreads', 'int'],
  ['SIMULATOR_SKEW_TOLERANCE_S', 'faults.gatewaySkewToleranceS', 'int'],
];

/** Flags that shape the first pool (they edit `pools[0]` of the file, or the default pool). */
export interface PoolFlags {
  poolId?: number;
  evPiles?: number;
  pilesPerStation?: number;
  pvSites?: number;
}

/** Sources of {@link loadSimulatorConfig}. */
export interface SimulatorConfigSources {
  /** `--config` file. */
  file?: string;
  /** Environment (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Flag values by dotted configuration path (`durationS`, `mqtt.url`, `faults.drop`, ...). */
  flags: Record<string, unknown>;
  /** Flags of the first pool. */
  pool?: PoolFlags;
  /** A dry run publishes nothing: the reproducible clock defaults apply. */
  dryRun?: boolean;
  /** Wall clock, unix seconds (default now). */
  nowS?: number;
}

function withPoolFlags(pools: readonly PoolConfig[], flags: PoolFlags): PoolConfig[] {
  const [first, ...rest] = structuredClone([...pools]) as [PoolConfig, ...PoolConfig[]];
  if (flags.poolId !== undefined) first.poolId = flags.poolId;
  if (flags.evPiles !== undefined) first.ev.piles = flags.evPiles;
  if (flags.pilesPerStation !== undefined) first.ev.pilesPerStation = flags.pilesPerStation;
  if (flags.pvSites !== undefined) first.pv.sites = flags.pvSites;
  return [first, ...rest];
}

/**
 * Loads the simulator's configuration: file < `SIMULATOR_*` variables < flags, every wrong field named with
 * its source. A live run (an external broker, no dry run) starts at the wall clock in real time unless the
 * configuration says otherwise, and is refused when its readings would fall outside the gateway's window.
 *
 * @example
 * const config = loadSimulatorConfig({ file: 'fleet.json', flags: { durationS: 3600 }, pool: { evPiles: 40 } });
 */
export function loadSimulatorConfig(sources: SimulatorConfigSources): FleetConfig {
  const nowS = sources.nowS ?? Math.floor(Date.now() / 1000);
  const common = {
    service: 'simulator',
    file: sources.file,
    env: sources.env,
    envBindings: SIMULATOR_ENV,
    docs: 'simulator/README.md',
  };
  const first = loadConfig({ ...common, schema: fleetConfigSchema, flags: sources.flags });
  const live = sources.dryRun !== true && first.mqtt.url !== undefined;
  const pool = sources.pool ?? {};
  const poolFlagsGiven = Object.values(pool).some((value) => value !== undefined);
  if (!live && !poolFlagsGiven) return checkFleetConfig(first);
  const pools = poolFlagsGiven ? withPoolFlags(first.pools, pool) : undefined;
  const schema = live ? makeFleetConfigSchema(liveClockDefaults(nowS)) : fleetConfigSchema;
  const config = checkFleetConfig(loadConfig({ ...common, schema, flags: { ...sources.flags, pools } }));
  if (live) checkLiveClock(config, nowS);
  return config;
}
