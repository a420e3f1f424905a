import { DEVICE_KIND_CODE, type SignedReading, verifyReading } from '../../protocol/index.ts';
import { BaseError } from '../../lib/errors.ts';
import { type LeafState, leafPublicKey } from './leaf.ts';

/** Public parameters of an epoch batch (docs/SPEC.md sections 5 and 6). */
export interface EpochParams {
  readonly poolId: number;
  /** 1-based epoch number (= feed round id). */
  readonly epoch: number;
  /** Unix seconds, inclusive. */
  readonly epochStart: number;
  /** Unix seconds, exclusive. */
  readonly epochEnd: number;
  readonly maxTariffMinorPerKwh: number;
}

/** A transition rule of docs/SPEC.md section 6, as named by the reference model. */
export type TransitionRule =
  | 'FIELD_OUT_OF_RANGE'
  | 'POOL_MISMATCH'
  | 'SIGNATURE_INVALID'
  | 'SEQUENCE_NOT_INCREASING'
  | 'LAST_TIMESTAMP_NOT_BEFORE_EPOCH'
  | 'TIMESTAMP_OUTSIDE_EPOCH'
  | 'REGISTER_DECREASED'
  | 'ENERGY_IMPLAUSIBLE'
  | 'REVENUE_IMPLAUSIBLE';

/** A closing reading that the epoch circuit would reject; `rule` says which rule it breaks. */
export class TransitionRuleError extends BaseError {
  override name = 'TransitionRuleError';
  readonly rule: TransitionRule;
  readonly slot: number | undefined;
  constructor(rule: TransitionRule, message: string, options: { slot?: number; details?: string } = {}) {
    super(`${options.slot === undefined ? '' : `slot ${options.slot}: `}${message}`, {
      details: options.details,
      hint: 'leave this device out of the epoch (its leaf stays unchanged) or pick another closing reading',
    });
    this.rule = rule;
    this.slot = options.slot;
  }
}

/** Result of applying one closing reading to a leaf. */
export interface SlotTransition {
  readonly leaf: LeafState;
  readonly countedEnergyWh: bigint;
  readonly countedRevenueMinor: bigint;
  /** First reading ever of the device: registers taken as the baseline, nothing counted. */
  readonly baseline: boolean;
}

const MAX_U32 = 2n ** 32n - 1n;
const MAX_U48 = 2n ** 48n - 1n;

function inRange(value: number, max: bigint): boolean {
  return Number.isSafeInteger(value) && value >= 0 && BigInt(value) <= max;
}

/**
 * Reference model of the epoch transition of one slot (plain TypeScript, no circuit): checks every
 * rule of docs/SPEC.md section 6 in the order the circuit does and returns the new leaf and the
 * counted deltas, or throws a {@link TransitionRuleError} naming the broken rule.
 *
 * @example
 * const { leaf, countedEnergyWh } = applyClosingReading(state.leaf(slot), reading, params);
 */
export function applyClosingReading(
  leaf: LeafState,
  reading: SignedReading,
  params: EpochParams,
  options: { slot?: number; checkSignature?: boolean } = {},
): SlotTransition {
  const slot = options.slot;
  const fail = (rule: TransitionRule, message: string): never => {
    throw new TransitionRuleError(rule, message, { slot });
  };
  if (!inRange(reading.seq, MAX_U32) || !inRange(reading.ts, MAX_U32))
    fail('FIELD_OUT_OF_RANGE', 'seq or ts is not a 32-bit integer');
  if (!inRange(reading.energyWh, MAX_U48) || !inRange(reading.revenueMinor, MAX_U48)) {
    fail('FIELD_OUT_OF_RANGE', 'a register is not a 48-bit integer');
  }
  if (DEVICE_KIND_CODE[reading.kind] === undefined || reading.v !== 1)
    fail('FIELD_OUT_OF_RANGE', 'unknown version or kind');
  if (reading.poolId !== params.poolId)
    fail('POOL_MISMATCH', `reading of pool ${reading.poolId} in pool ${params.poolId}`);
  if (options.checkSignature !== false && !verifyReading(reading, leafPublicKey(leaf))) {
    fail('SIGNATURE_INVALID', 'the reading is not signed by the key of this slot');
  }
  const seq = BigInt(reading.seq);
  const ts = BigInt(reading.ts);
  const energyWh = BigInt(reading.energyWh);
  const revenueMinor = BigInt(reading.revenueMinor);
  if (seq <= leaf.lastSeq) fail('SEQUENCE_NOT_INCREASING', `seq ${seq} <= last seq ${leaf.lastSeq}`);
  if (leaf.lastTs >= BigInt(params.epochStart)) {
    fail(
      'LAST_TIMESTAMP_NOT_BEFORE_EPOCH',
      `the leaf was already updated at ${leaf.lastTs} >= epoch start ${params.epochStart}`,
    );
  }
  if (ts < BigInt(params.epochStart) || ts >= BigInt(params.epochEnd)) {
    fail('TIMESTAMP_OUTSIDE_EPOCH', `ts ${ts} outside [${params.epochStart}, ${params.epochEnd})`);
  }
  const next: LeafState = {
    ...leaf,
    lastSeq: seq,
    lastTs: ts,
    lastEnergyWh: energyWh,
    lastRevenueMinor: revenueMinor,
  };
  if (leaf.lastSeq === 0n)
    return { leaf: next, countedEnergyWh: 0n, countedRevenueMinor: 0n, baseline: true };
  const energyDeltaWh = energyWh - leaf.lastEnergyWh;
  const revenueDeltaMinor = revenueMinor - leaf.lastRevenueMinor;
  if (energyDeltaWh < 0n || revenueDeltaMinor < 0n) fail('REGISTER_DECREASED', 'a register decreased');
  if (energyDeltaWh * 3600n > leaf.ratedPowerW * (ts - leaf.lastTs)) {
    fail('ENERGY_IMPLAUSIBLE', `${energyDeltaWh} Wh in ${ts - leaf.lastTs} s exceeds ${leaf.ratedPowerW} W`);
  }
  if (revenueDeltaMinor * 1000n > energyDeltaWh * BigInt(params.maxTariffMinorPerKwh)) {
    fail(
      'REVENUE_IMPLAUSIBLE',
      `${revenueDeltaMinor} minor for ${energyDeltaWh} Wh exceeds ${params.maxTariffMinorPerKwh}/kWh`,
    );
  }
  return {
    leaf: next,
    countedEnergyWh: energyDeltaWh,
    countedRevenueMinor: revenueDeltaMinor,
    baseline: false,
  };
}
