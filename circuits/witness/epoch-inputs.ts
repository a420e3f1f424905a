import { BaseError } from '../../lib/errors.ts';
import { DEVICE_KIND_CODE, deviceIdToField, type SignedReading } from '../../protocol/index.ts';
import type { PoolState } from '../model/pool-state.ts';
import { applyClosingReading, type EpochParams, type TransitionRuleError } from '../model/rules.ts';

/** Circuit input as snarkjs takes it: decimal strings, arrays of them. */
export type CircuitInput = Record<string, string | string[] | string[][]>;

/** Thrown when batch parameters do not fit the state (batch size, slots). */
export class EpochInputError extends BaseError {
  override name = 'EpochInputError';
}

/** Inputs and public values of one epoch batch proof. */
export interface EpochBatchWitness {
  /** Aligned block: slots [blockIndex * B, (blockIndex + 1) * B). */
  readonly blockIndex: number;
  /** Slots updated by this batch. */
  readonly slots: readonly number[];
  readonly input: CircuitInput;
  /** The public signals in SPEC order, as the proof will carry them. */
  readonly publicSignals: readonly string[];
  readonly oldRoot: bigint;
  readonly newRoot: bigint;
  readonly totalEnergyWh: bigint;
  readonly totalRevenueMinor: bigint;
  readonly reportingCount: number;
}

/** Per-slot input arrays of EpochBatch, in the circuit's order. */
export const SLOT_FIELDS = [
  'enabled',
  'oldLeaf',
  'Ax',
  'Ay',
  'ratedPowerW',
  'lastSeq',
  'lastTs',
  'lastEnergyWh',
  'lastRevenueMinor',
  'deviceIdField',
  'kind',
  'seq',
  'ts',
  'energyWh',
  'revenueMinor',
  'extras',
  'R8x',
  'R8y',
  'S',
] as const;

function checkBatchSize(batchSize: number, depth: number): number {
  const log = Math.log2(batchSize);
  if (!Number.isInteger(log) || log >= depth) {
    throw new EpochInputError(`batch size ${batchSize} must be a power of two below 2^${depth}`);
  }
  return log;
}

/**
 * Builds the circuit input of the batch over block `blockIndex` for the closing `readings` (slot ->
 * signed reading) of the slots in that block, and applies the transition to `state` (mutated).
 * Every reading is first checked by the reference model; a rule violation throws a
 * {@link TransitionRuleError} (the circuit would reject it).
 *
 * @example
 * const batch = buildEpochBatch(state, 0, new Map([[0, reading]]), params, 4);
 */
export function buildEpochBatch(
  state: PoolState,
  blockIndex: number,
  readings: ReadonlyMap<number, SignedReading>,
  params: EpochParams,
  batchSize: number,
): EpochBatchWitness {
  const blockLog = checkBatchSize(batchSize, state.depth);
  if (!Number.isInteger(blockIndex) || blockIndex < 0 || blockIndex >= 2 ** (state.depth - blockLog)) {
    throw new EpochInputError(
      `block ${blockIndex} is outside a tree of depth ${state.depth} with batches of ${batchSize}`,
    );
  }
  const oldRoot = state.root;
  const siblings = state.tree.siblings(blockIndex, blockLog);
  const columns: Record<(typeof SLOT_FIELDS)[number], string[]> = Object.fromEntries(
    SLOT_FIELDS.map((f) => [f, [] as string[]]),
  ) as Record<(typeof SLOT_FIELDS)[number], string[]>;
  let totalEnergyWh = 0n;
  let totalRevenueMinor = 0n;
  const slots: number[] = [];
  const updates: Array<[number, ReturnType<typeof applyClosingReading>['leaf']]> = [];
  for (let i = 0; i < batchSize; i++) {
    const slot = blockIndex * batchSize + i;
    const reading = readings.get(slot);
    const row: Record<(typeof SLOT_FIELDS)[number], bigint> = Object.fromEntries(
      SLOT_FIELDS.map((f) => [f, 0n]),
    ) as Record<(typeof SLOT_FIELDS)[number], bigint>;
    row.oldLeaf = state.tree.leaf(slot);
    if (reading) {
      const leaf = state.leaf(slot);
      const transition = applyClosingReading(leaf, reading, params, { slot });
      const aux = reading.kind === 'ev' ? reading.sessionId : reading.irradianceWm2;
      Object.assign(row, {
        enabled: 1n,
        Ax: leaf.Ax,
        Ay: leaf.Ay,
        ratedPowerW: leaf.ratedPowerW,
        lastSeq: leaf.lastSeq,
        lastTs: leaf.lastTs,
        lastEnergyWh: leaf.lastEnergyWh,
        lastRevenueMinor: leaf.lastRevenueMinor,
        deviceIdField: deviceIdToField(reading.deviceId),
        kind: BigInt(DEVICE_KIND_CODE[reading.kind]),
        seq: BigInt(reading.seq),
        ts: BigInt(reading.ts),
        energyWh: BigInt(reading.energyWh),
        revenueMinor: BigInt(reading.revenueMinor),
        extras: BigInt(reading.powerW) + (BigInt(aux) << 32n),
        R8x: BigInt(reading.sig.R8x),
        R8y: BigInt(reading.sig.R8y),
        S: BigInt(reading.sig.S),
      });
      totalEnergyWh += transition.countedEnergyWh;
      totalRevenueMinor += transition.countedRevenueMinor;
      slots.push(slot);
      updates.push([slot, transition.leaf]);
    }
    for (const f of SLOT_FIELDS) columns[f].push(row[f].toString());
  }
  for (const [slot, leaf] of updates) state.update(slot, leaf);
  const newRoot = state.root;
  const publicValues = {
    poolId: BigInt(params.poolId),
    epoch: BigInt(params.epoch),
    epochStart: BigInt(params.epochStart),
    epochEnd: BigInt(params.epochEnd),
    maxTariffMinorPerKwh: BigInt(params.maxTariffMinorPerKwh),
    oldRoot,
    newRoot,
    totalEnergyWh,
    totalRevenueMinor,
    reportingCount: BigInt(slots.length),
  };
  const publicSignals = Object.values(publicValues).map((v) => v.toString());
  const input: CircuitInput = {
    ...Object.fromEntries(Object.entries(publicValues).map(([k, v]) => [k, v.toString()])),
    blockIndex: String(blockIndex),
    siblings: siblings.map(String),
    ...columns,
  };
  return {
    blockIndex,
    slots,
    input,
    publicSignals,
    oldRoot,
    newRoot,
    totalEnergyWh,
    totalRevenueMinor,
    reportingCount: slots.length,
  };
}

/** Result of {@link buildEpochBatches}. */
export interface EpochBatches {
  readonly batches: readonly EpochBatchWitness[];
  /** The pool state after every batch (the input state is left untouched). */
  readonly state: PoolState;
  readonly totalEnergyWh: bigint;
  readonly totalRevenueMinor: bigint;
  readonly reportingCount: number;
  /** Readings left out because the reference model rejected them (only with `skipInvalid`). */
  readonly skipped: readonly TransitionRuleError[];
}

/**
 * Splits an epoch's closing readings (slot -> reading) into batches over aligned blocks of
 * `batchSize` slots, in block order, skipping blocks without readings. Batches chain: each
 * batch's old root is the previous batch's new root.
 *
 * @example
 * const { batches, state: next } = buildEpochBatches(state, closingReadings, params, 16);
 */
export function buildEpochBatches(
  state: PoolState,
  readings: ReadonlyMap<number, SignedReading>,
  params: EpochParams,
  batchSize: number,
  options: { skipInvalid?: boolean } = {},
): EpochBatches {
  checkBatchSize(batchSize, state.depth);
  const next = state.clone();
  const skipped: TransitionRuleError[] = [];
  const blocks = new Map<number, Map<number, SignedReading>>();
  for (const [slot, reading] of [...readings].sort((a, b) => a[0] - b[0])) {
    if (slot >= next.count)
      throw new EpochInputError(`slot ${slot} has no registered device (count ${next.count})`);
    if (options.skipInvalid) {
      try {
        applyClosingReading(next.leaf(slot), reading, params, { slot });
      } catch (error) {
        if ((error as TransitionRuleError).rule === undefined) throw error;
        skipped.push(error as TransitionRuleError);
        continue;
      }
    }
    const block = Math.floor(slot / batchSize);
    if (!blocks.has(block)) blocks.set(block, new Map());
    blocks.get(block)?.set(slot, reading);
  }
  const batches: EpochBatchWitness[] = [];
  for (const [block, blockReadings] of blocks)
    batches.push(buildEpochBatch(next, block, blockReadings, params, batchSize));
  return {
    batches,
    state: next,
    totalEnergyWh: batches.reduce((s, b) => s + b.totalEnergyWh, 0n),
    totalRevenueMinor: batches.reduce((s, b) => s + b.totalRevenueMinor, 0n),
    reportingCount: batches.reduce((s, b) => s + b.reportingCount, 0),
    skipped,
  };
}
