import {
  type DeviceKey,
  type DeviceKind,
  type ReasonCode,
  type Reading,
  type SignedReading,
  serializeReading,
  signReading,
  topicFor,
} from '../protocol/index.ts';
import { FAULT_KINDS, type FaultKind, type FleetConfig, SimulatorConfigError, startTsOf } from './config.ts';
import { SimulatedDevice } from './device.ts';
import { buildFleet, type DeviceSpec } from './fleet.ts';
import { type ExpectedOutcome, GroundTruth } from './ground-truth.ts';
import { loadOrCreateFleetKeys } from './keys.ts';
import { deriveRng, type Rng } from './prng.ts';

/** One MQTT message of the simulated fleet, with the ground truth a gateway is judged against. */
export interface SimMessage {
  /** Position in the stream, 0-based: the order in which the messages must be published. */
  readonly index: number;
  readonly topic: string;
  /** UTF-8 payload exactly as it must be published. */
  readonly payload: string;
  readonly deviceId: string;
  /** Position of the device in the fleet (`FleetGenerator.devices`). */
  readonly deviceIndex: number;
  readonly poolId: number;
  readonly kind: DeviceKind;
  /** True for a held out-of-order message released when the run ends (after every slot). */
  readonly endOfRun: boolean;
  /** Simulated unix time at which the message is published (the gateway's clock, in simulated time). */
  readonly publishTs: number;
  /** The fault applied to this message, if any. */
  readonly fault: FaultKind | undefined;
  /** What a correct gateway must do with it. */
  readonly expected: ExpectedOutcome;
  /** The reading it carries (for `malformed`: the reading before truncation). */
  readonly reading: SignedReading;
  /** Whether it is the device's genuine, correctly signed reading (out-of-order and duplicates are). */
  readonly genuine: boolean;
}

/** Counters of a run, filled while the stream is generated. */
export interface FleetStats {
  devices: Record<DeviceKind, number>;
  /** Device readings taken (published or not). */
  readings: Record<DeviceKind, number>;
  /** Messages in the stream. */
  messages: number;
  /** Faults applied, per kind (`offline` counts offline periods). */
  faults: Record<FaultKind, number>;
  /** Reading slots skipped because the device was offline. */
  offlineSkippedReadings: number;
  /** Expected gateway outcomes. */
  expected: { accepted: number; duplicate: number; rejected: Partial<Record<ReasonCode, number>> };
  /** Energy and revenue metered over the run per kind (last register minus first), exact. */
  meteredEnergyWh: Record<DeviceKind, bigint>;
  meteredRevenueMinor: Record<DeviceKind, bigint>;
  /** Sums of register deltas between readings a correct gateway accepts. */
  acceptedEnergyWh: bigint;
  acceptedRevenueMinor: bigint;
}

/** Options of {@link FleetGenerator}. */
export interface FleetGeneratorOptions {
  /** Device keys by id; default: loaded from / written to `config.keysFile`, or derived from the seed. */
  keys?: Map<string, DeviceKey>;
  /**
   * Simulate only the devices whose fleet index is `index` modulo `count` (parallel generation); the
   * stats then cover those devices, and the streams of all shards merged by
   * (publishTs, endOfRun, deviceIndex) equal the unsharded stream.
   */
  shard?: { readonly index: number; readonly count: number };
}

interface DeviceState {
  readonly spec: DeviceSpec;
  readonly deviceIndex: number;
  readonly key: DeviceKey;
  readonly sim: SimulatedDevice;
  readonly faultRng: Rng;
  readonly offsetS: number;
  offlineUntilTs: number;
  held: SignedReading | undefined;
  firstRead: Reading | undefined;
  lastRead: Reading | undefined;
}

/**
 * The fleet as a synchronous stream of signed MQTT messages with ground truth, without any broker:
 * for tests and gateway benchmarks. Each device reads at the start of the run, then every
 * `intervalS` at its own phase offset, in global time order; faults are drawn per reading from a
 * per-device stream, so a run is reproducible byte for byte from its seed.
 *
 * @example
 * const generator = new FleetGenerator(parseFleetConfig({ seed: 's', durationS: 3600,
 *   pools: [{ poolId: 1, ev: { stations: 2 }, pv: { sites: 1 } }], faults: { duplicate: 0.05 } }));
 * for (const message of generator) publish(message.topic, message.payload);
 * generator.stats.expected; // { accepted, duplicate, rejected: { ... } }
 */
export class FleetGenerator implements Iterable<SimMessage> {
  readonly devices: readonly DeviceSpec[];
  readonly keys: Map<string, DeviceKey>;
  readonly startTs: number;
  readonly endTs: number;
  readonly truth: GroundTruth;
  readonly stats: FleetStats;
  private readonly states: DeviceState[];
  private readonly faultThresholds: Array<[FaultKind, number]>;
  private index = 0;
  private started = false;

  constructor(
    readonly config: FleetConfig,
    options: FleetGeneratorOptions = {},
  ) {
    this.devices = buildFleet(config);
    this.keys = options.keys ?? loadOrCreateFleetKeys(config.seed, this.devices, config.keysFile);
    this.startTs = startTsOf(config);
    this.endTs = this.startTs + config.durationS;
    this.truth = new GroundTruth({ skewToleranceS: config.faults.gatewaySkewToleranceS });
    let cumulative = 0;
    this.faultThresholds = [];
    for (const kind of FAULT_KINDS) {
      const rate = config.faults[kind];
      if (rate <= 0) continue;
      cumulative += rate;
      this.faultThresholds.push([kind, cumulative]);
    }
    if (cumulative > 1) {
      throw new SimulatorConfigError(`fault rates sum to ${cumulative}`, {
        hint: 'keep the sum of rates <= 1',
      });
    }
    const shard = options.shard ?? { index: 0, count: 1 };
    const owned = this.devices
      .map((spec, deviceIndex) => ({ spec, deviceIndex }))
      .filter(({ deviceIndex }) => deviceIndex % shard.count === shard.index);
    this.states = owned.map(({ spec, deviceIndex }) => {
      const key = this.keys.get(spec.deviceId);
      if (key === undefined) throw new SimulatorConfigError(`no key for device ${spec.deviceId}`);
      this.truth.register(spec.deviceId, spec.ratedPowerW, spec.maxTariffMinorPerKwh);
      return {
        spec,
        deviceIndex,
        key,
        sim: new SimulatedDevice(spec, deriveRng(config.seed, 'physics', spec.deviceId)),
        faultRng: deriveRng(config.seed, 'faults', spec.deviceId),
        offsetS: deriveRng(config.seed, 'phase', spec.deviceId).int(1, config.intervalS),
        offlineUntilTs: 0,
        held: undefined,
        firstRead: undefined,
        lastRead: undefined,
      };
    });
    const zero = () => ({ ev: 0n, pv: 0n });
    this.stats = {
      devices: {
        ev: this.states.filter((s) => s.spec.kind === 'ev').length,
        pv: this.states.filter((s) => s.spec.kind === 'pv').length,
      },
      readings: { ev: 0, pv: 0 },
      messages: 0,
      faults: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>,
      offlineSkippedReadings: 0,
      expected: { accepted: 0, duplicate: 0, rejected: {} },
      meteredEnergyWh: zero(),
      meteredRevenueMinor: zero(),
      acceptedEnergyWh: 0n,
      acceptedRevenueMinor: 0n,
    };
  }

  /** Total reading slots of the run (an upper bound on device readings), for progress display. */
  plannedReadings(): number {
    const slots = this.states.reduce(
      (sum, s) =>
        sum + 1 + Math.max(0, Math.floor((this.config.durationS - s.offsetS) / this.config.intervalS) + 1),
      0,
    );
    return slots;
  }

  *[Symbol.iterator](): Iterator<SimMessage> {
    if (this.started)
      throw new SimulatorConfigError('a FleetGenerator can be iterated once', { hint: 'create a new one' });
    this.started = true;
    const interval = this.config.intervalS;
    for (const state of this.states) yield* this.slot(state, this.startTs, true);
    const byOffset = [...this.states].sort((a, b) => a.offsetS - b.offsetS);
    for (let windowStart = this.startTs; windowStart < this.endTs; windowStart += interval) {
      for (const state of byOffset) {
        const ts = windowStart + state.offsetS;
        if (ts > this.endTs) break;
        yield* this.slot(state, ts, false);
      }
    }
    for (const state of this.states) {
      if (state.held !== undefined) yield this.emitHeld(state, this.endTs, true);
    }
    this.finish();
  }

  private *slot(state: DeviceState, ts: number, first: boolean): Generator<SimMessage> {
    const heldBefore = state.held;
    if (ts < state.offlineUntilTs) {
      this.stats.offlineSkippedReadings += 1;
      if (heldBefore !== undefined) yield this.emitHeld(state, ts);
      return;
    }
    // No fault on the first reading (every device gets a baseline) nor right after a held one.
    let fault = first || heldBefore !== undefined ? undefined : this.drawFault(state.faultRng);
    if (fault === 'offline') {
      state.offlineUntilTs = ts + this.config.faults.offlineDurationS;
      this.stats.faults.offline += 1;
      this.stats.offlineSkippedReadings += 1;
      return;
    }
    const reading = state.sim.readAt(ts);
    state.firstRead ??= reading;
    state.lastRead = reading;
    this.stats.readings[reading.kind] += 1;
    const signed = signReading(reading, state.key.privateKey);
    const faultRng = state.faultRng;

    if (fault === 'counterReset') {
      const last = this.truth.lastAccepted(state.spec.deviceId);
      if (last === undefined || (last.energyWh === 0 && last.revenueMinor === 0)) fault = undefined;
    }
    const replayOf = fault === 'replay' ? this.pickReplay(state, faultRng) : undefined;
    if (fault === 'replay' && replayOf === undefined) fault = undefined;
    if (fault !== undefined) this.stats.faults[fault] += 1;

    switch (fault) {
      case undefined:
        yield this.emit(state, ts, signed, serializeReading(signed), undefined, true);
        break;
      case 'drop':
        break;
      case 'duplicate': {
        const payload = serializeReading(signed);
        yield this.emit(state, ts, signed, payload, undefined, true);
        yield this.emit(state, ts, signed, payload, 'duplicate', true);
        break;
      }
      case 'outOfOrder':
        state.held = signed;
        break;
      case 'clockSkew': {
        const skewed = signReading(
          { ...reading, ts: reading.ts + this.config.faults.clockSkewS },
          state.key.privateKey,
        );
        yield this.emit(state, ts, skewed, serializeReading(skewed), 'clockSkew', false);
        break;
      }
      case 'replay': {
        yield this.emit(state, ts, signed, serializeReading(signed), undefined, true);
        const replayed = signReading({ ...replayOf!, ts }, state.key.privateKey);
        yield this.emit(state, ts, replayed, serializeReading(replayed), 'replay', false);
        break;
      }
      case 'tamper': {
        const field = faultRng.pick(['energyWh', 'revenueMinor', 'powerW'] as const);
        const tampered = { ...signed, [field]: signed[field] + faultRng.int(1, 1000) } as SignedReading;
        yield this.emit(state, ts, tampered, serializeReading(tampered), 'tamper', false);
        break;
      }
      case 'counterReset': {
        const reset = signReading({ ...reading, energyWh: 0, revenueMinor: 0 }, state.key.privateKey);
        yield this.emit(state, ts, reset, serializeReading(reset), 'counterReset', false);
        break;
      }
      case 'malformed': {
        const text = serializeReading(signed);
        yield this.emit(state, ts, signed, text.slice(0, Math.floor(text.length / 2)), 'malformed', false);
        break;
      }
      case 'oversized': {
        // Valid JSON with valid content, padded with insignificant whitespace past the size limit.
        const text = serializeReading(signed);
        const payload = `{${' '.repeat(1100)}${text.slice(1)}`;
        yield this.emit(state, ts, signed, payload, 'oversized', false);
        break;
      }
    }
    if (heldBefore !== undefined) yield this.emitHeld(state, ts);
  }

  private drawFault(rng: Rng): FaultKind | undefined {
    if (this.faultThresholds.length === 0) return undefined;
    const draw = rng.next();
    for (const [kind, threshold] of this.faultThresholds) if (draw < threshold) return kind;
    return undefined;
  }

  /** An earlier accepted reading of the device, without its signature, to be re-signed as a replay. */
  private pickReplay(state: DeviceState, rng: Rng): Reading | undefined {
    const recent = this.truth.recentAccepted(state.spec.deviceId);
    if (recent.length === 0) return undefined;
    const { sig: _sig, ...reading } = rng.pick(recent);
    return reading as Reading;
  }

  private emitHeld(state: DeviceState, publishTs: number, endOfRun = false): SimMessage {
    const held = state.held!;
    state.held = undefined;
    return this.emit(state, publishTs, held, serializeReading(held), 'outOfOrder', true, endOfRun);
  }

  private emit(
    state: DeviceState,
    publishTs: number,
    reading: SignedReading,
    payload: string,
    fault: FaultKind | undefined,
    genuine: boolean,
    endOfRun = false,
  ): SimMessage {
    const brokenBy = fault === 'malformed' || fault === 'oversized' || fault === 'tamper' ? fault : undefined;
    const expected = this.truth.judge(reading, publishTs, brokenBy);
    if (expected.status === 'rejected') {
      const rejected = this.stats.expected.rejected;
      rejected[expected.reason] = (rejected[expected.reason] ?? 0) + 1;
    } else {
      this.stats.expected[expected.status] += 1;
    }
    this.stats.messages += 1;
    return {
      index: this.index++,
      topic: topicFor(state.spec.poolId, state.spec.deviceId),
      payload,
      deviceId: state.spec.deviceId,
      deviceIndex: state.deviceIndex,
      poolId: state.spec.poolId,
      kind: state.spec.kind,
      endOfRun,
      publishTs,
      fault,
      expected,
      reading,
      genuine,
    };
  }

  private finish(): void {
    for (const state of this.states) {
      if (state.firstRead === undefined || state.lastRead === undefined) continue;
      const kind = state.spec.kind;
      this.stats.meteredEnergyWh[kind] += BigInt(state.lastRead.energyWh - state.firstRead.energyWh);
      this.stats.meteredRevenueMinor[kind] += BigInt(
        state.lastRead.revenueMinor - state.firstRead.revenueMinor,
      );
    }
    this.stats.acceptedEnergyWh = this.truth.totals.energyWh;
    this.stats.acceptedRevenueMinor = this.truth.totals.revenueMinor;
  }
}
