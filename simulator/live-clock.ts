/**
 * Live runs against a gateway: the gateway quarantines a reading whose timestamp is more than its
 * `validation.maxClockSkewS` (`GATEWAY_MAX_CLOCK_SKEW_S`, default 300 s) from its wall clock. A live run
 * therefore starts at the wall clock in real time by default, and a start or a time compression that would
 * put readings outside that window is refused before anything is published, with the settings that fit.
 */
import { type FleetConfig, SimulatorConfigError, startTsOf } from './config.ts';

/** The gateway's default timestamp window (`GATEWAY_MAX_CLOCK_SKEW_S`). */
export const GATEWAY_DEFAULT_MAX_CLOCK_SKEW_S = 300;

/** Clock defaults of a live run: the wall clock now, real time, the gateway's default window. */
export function liveClockDefaults(nowS: number): {
  start: number;
  speed: number;
  gatewaySkewToleranceS: number;
} {
  return { start: nowS, speed: 1, gatewaySkewToleranceS: GATEWAY_DEFAULT_MAX_CLOCK_SKEW_S };
}

/**
 * The largest distance, in seconds, between a reading's timestamp and the wall clock when it is published,
 * over the whole run, if publishing starts at `nowS` and keeps pace.
 */
export function maxClockDistanceS(config: FleetConfig, nowS: number): number {
  const startOffsetS = startTsOf(config) - nowS;
  // speed 0 publishes everything at once; otherwise the reading at start + d goes out at now + d / speed
  const endOffsetS =
    config.speed === 0
      ? startOffsetS + config.durationS
      : startOffsetS + (config.durationS * (config.speed - 1)) / config.speed;
  return Math.ceil(Math.max(Math.abs(startOffsetS), Math.abs(endOffsetS)));
}

/**
 * Refuses a live run whose readings would fall outside the gateway's timestamp window
 * (`faults.gatewaySkewToleranceS`, which must equal the gateway's `GATEWAY_MAX_CLOCK_SKEW_S`).
 */
export function checkLiveClock(config: FleetConfig, nowS: number): void {
  const toleranceS = config.faults.gatewaySkewToleranceS;
  const distanceS = maxClockDistanceS(config, nowS);
  if (distanceS <= toleranceS) return;
  const pace = config.speed === 0 ? 'as fast as possible (--fast)' : `at ${config.speed}x`;
  throw new SimulatorConfigError(
    `readings would be up to ${distanceS} s from the wall clock; a gateway quarantines them (TIMESTAMP_SKEW)`,
    {
      details:
        `start ${new Date(startTsOf(config) * 1000).toISOString()}, ${config.durationS} s simulated ${pace}; ` +
        `the gateway's window is ${toleranceS} s (--skew-tolerance-s)`,
      hint:
        'drop --start and --speed (a live run starts now in real time), or shorten --duration, or run the ' +
        `gateway with GATEWAY_MAX_CLOCK_SKEW_S=${distanceS} and pass --skew-tolerance-s ${distanceS}`,
    },
  );
}
