/**
 * Types shared by the stages of an epoch job (`select.ts`, `plan.ts`, `prove.ts`, `post.ts`, `finalise.ts`)
 * and its driver (`../epoch-job.ts`).
 */
import type { PublicClient } from 'viem';
import type { PoolState } from '../../circuits/model/pool-state.ts';
import type { SignedReading } from '../../protocol/index.ts';
import type { BundleStore } from '../bundles.ts';
import type { ChainPool, OracleContracts } from '../chain.ts';
import type { EpochBounds } from '../epochs.ts';
import type { ProverPool } from '../prover-pool.ts';
import type { ReadingSource } from '../sources.ts';
import type { BatchKey, StageStore } from '../stage-store.ts';
import type { TxSender } from '../tx-sender.ts';

/** Circuit instances a pool is proven with (names in `circuits/circuits.json`). */
export interface PoolCircuits {
  epoch: string;
  registration: string;
}

/** Points at which a test can inject a crash (the hook throws). */
export type FaultPoint =
  | { at: 'selected' }
  | { at: 'proved' }
  | { at: 'signed'; key: BatchKey }
  | { at: 'mined'; key: BatchKey }
  | { at: 'confirmed'; key: BatchKey }
  | { at: 'finalised-on-chain' };

/** Everything an epoch job needs. */
export interface EpochJobContext {
  publicClient: PublicClient;
  sender: TxSender;
  contracts: OracleContracts;
  stages: StageStore;
  bundles: BundleStore;
  prover: ProverPool;
  readings: ReadingSource;
  circuitsOf(poolId: number): PoolCircuits;
  /** First block to scan for registry events (the deployment block). */
  fromBlock?: bigint;
  onLog?: (message: string, fields: Record<string, unknown>) => void;
  /** Crash injection for tests. */
  faults?: (point: FaultPoint) => void | Promise<void>;
}

/** What one run of an epoch job is about, fixed before its first stage: checked against the chain. */
export interface EpochRun {
  poolId: number;
  epoch: number;
  bounds: EpochBounds;
  /** The pool as the registry has it. */
  chainPool: ChainPool;
  circuits: PoolCircuits;
  /** Readings per epoch batch and devices per registration batch of the pool's circuit instances. */
  batchSize: number;
  registrationSize: number;
  /** The persisted state tree at the start of the epoch. */
  before: PoolState;
}

/** One entry of an epoch's stored selection. */
export type SelectionEntry =
  | { type: 'device'; slot: number; Ax: string; Ay: string; ratedPowerW: number }
  | { type: 'reading'; slot: number; reading: SignedReading };

/** One batch to prove and post: its circuit input, expected public signals and roots. */
export interface PlannedBatch {
  key: BatchKey;
  bundleKey: { kind: 'registration' | 'epoch'; poolId: number; epoch: number; batchIndex: number };
  instance: string;
  input: Record<string, unknown>;
  publicSignals: readonly string[];
  oldRoot: bigint;
  newRoot: bigint;
  /** Epoch batches: the private closing readings of its slots. */
  privateReadings?: Array<{ slot: number; reading: SignedReading; leafAfter: Record<string, string> }>;
  /** Registration: attested count after it. */
  newCount?: number;
}

/** The deterministic plan of an epoch: its batches in posting order and the state and totals after them. */
export interface EpochPlan {
  registrations: PlannedBatch[];
  epochBatches: PlannedBatch[];
  state: PoolState;
  totalEnergyWh: bigint;
  totalRevenueMinor: bigint;
  reportingCount: number;
  skipped: Array<{ slot: number | undefined; rule: string }>;
}
