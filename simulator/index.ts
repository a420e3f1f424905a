/**
 * Device fleet simulator: EV charging piles and PV sites that sign their readings and publish them over
 * MQTT, with fault injection and per-message ground truth. See simulator/README.md.
 */
export { type BrokerAccount, type FleetBrokerAuthOptions, fleetBrokerAuth } from './broker-auth.ts';
export {
  FAULT_KINDS,
  type FaultConfig,
  type FaultKind,
  type FleetConfig,
  type FleetConfigInput,
  type PoolConfig,
  parseFleetConfig,
  SimulatorConfigError,
  startTsOf,
} from './config.ts';
export {
  BrokerConnectionError,
  type ConnectionMode,
  type FleetConnections,
  openConnections,
} from './connections.ts';
export { buildFleet, type DeviceSpec } from './fleet.ts';
export { FleetGenerator, type FleetGeneratorOptions, type FleetStats, type SimMessage } from './generator.ts';
export { type ExpectedOutcome, type GatewayAssumptions, GroundTruth } from './ground-truth.ts';
export { deriveDeviceKey, type KeySource, loadOrCreateFleetKeys, randomDeviceKey } from './keys.ts';
export { checkLiveClock, liveClockDefaults, maxClockDistanceS } from './live-clock.ts';
export { loadSimulatorConfig, SIMULATOR_ENV } from './load-config.ts';
export {
  ParallelFleetGenerator,
  type ParallelFleetGeneratorOptions,
  ShardWorkerError,
} from './parallel/parallel-generator.ts';
export { deriveRng, Rng } from './prng.ts';
export { type RunFleetOptions, type RunProgress, type RunSummary, runFleet } from './runner.ts';
export { SimClock } from './sim-clock.ts';
export { formatFixed, formatSummary, summaryToJson } from './summary.ts';
