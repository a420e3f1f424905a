/** The oracle: scheduled epoch proving, on-chain posting, crash-safe resumption, and the investor verifier. */
export { createAttestationViews, type AttestationViewsOptions } from './attestation-views.ts';
export { serveBundles, type BundleServer } from './bundle-server.ts';
export { createBundleStore, openBundleSource, type BundleSource, type ProofBundle } from './bundles.ts';
export { type Clock, offsetClock, systemClock } from './clock.ts';
export { epochBounds, lastClosableEpoch, type PoolSchedule } from './epochs.ts';
export { nextEpochOf, runEpochJob, type EpochJobContext, type EpochOutcome } from './epoch-job.ts';
export * from './errors.ts';
export { createOracleMetrics, type OracleMetrics } from './metrics.ts';
export { createProverPool, type ProverPool } from './prover-pool.ts';
export { startRegistrySync, syncRegistry, type RegistrySyncReport } from './registry-sync.ts';
export { createEpochScheduler, type EpochScheduler } from './scheduler.ts';
export {
  startOracle,
  type OracleConfig,
  type OracleEvent,
  type OracleHandle,
  type StartOracleOptions,
} from './service.ts';
export { gatewayReadingSource, type ReadingSource } from './sources.ts';
export { openStageStore, type StageStore } from './stage-store.ts';
export { createTxSender, type TxSender, type TxSenderEvent } from './tx-sender.ts';
export { createDisclosure, type Disclosure, verifyDisclosure } from '../verifier/disclosure.ts';
export { verifyPool, type VerifyReport } from '../verifier/verify-pool.ts';
