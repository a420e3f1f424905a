import type { Signature, SignedReading } from '../../protocol/index.ts';
import type { Ledger } from '../ledger/ledger.ts';
import type { LedgerReading } from '../ledger/types.ts';
import type { AcceptedReading } from '../timeseries/types.ts';
import { type Prevalidated, type Rejection, reject } from './prevalidate.ts';

/** The head of a device's accepted chain, all the stateful checks need for an in-order reading. */
export interface DeviceState {
  seq: number;
  ts: number;
  energyWh: number;
  revenueMinor: number;
  sessionId: number | undefined;
  sig: Signature;
  lastReceivedAtMs: number;
}

/** Outcome of the stateful checks for one signature-valid reading. */
export type Verdict =
  | { kind: 'accept'; row: LedgerReading; handOff: AcceptedReading | undefined }
  | { kind: 'duplicate' }
  | Rejection;

/** Settings of the stateful checks. */
export interface EvaluatorOptions {
  /** Largest allowed |ts - gateway time| in seconds. */
  maxClockSkewS: number;
  /** 1000 = energy delta may reach exactly rated power x elapsed time. */
  energyMarginPermille: number;
  /** What to do with a genuine reading below the device's head: see the class comment. */
  outOfOrder: 'reject' | 'accept-late';
}

const sameSig = (a: Signature, b: Signature) => a.S === b.S && a.R8x === b.R8x && a.R8y === b.R8y;

/** What a reading is compared against: an accepted neighbour's timestamp and registers. */
interface Point {
  seq: number;
  ts: number;
  energyWh: number;
  revenueMinor: number;
}

/**
 * The stateful validation steps (SPEC section 4 order): duplicate / SEQUENCE_REPLAY,
 * TIMESTAMP_SKEW, TIMESTAMP_NOT_INCREASING, REGISTER_DECREASED, ENERGY_IMPLAUSIBLE,
 * REVENUE_IMPLAUSIBLE. Readings of a batch are evaluated in arrival order against a staged copy
 * of the device heads; {@link commit} publishes the staged heads once the batch is durable and
 * {@link discard} drops them if the write failed.
 *
 * Out-of-order policy: a reading whose sequence is below the device's head and that is not in the
 * ledger is a *late* reading. With `outOfOrder: 'reject'` (the default, SPEC section 4 wording) it is
 * SEQUENCE_REPLAY: nothing is lost, because the later reading's registers include its energy and
 * revenue, and its payload is kept whole in quarantine. With `'accept-late'` it is accepted (it is genuine evidence and must not be lost) when it
 * fits between its accepted neighbours (timestamps strictly between, registers between, both
 * intervals physically and price plausible), stored with `inOrder = false` and zero deltas, and
 * not handed to the time-series store: its energy and revenue are already inside the delta of the
 * next reading, so nothing is counted twice.
 */
export class Evaluator {
  private readonly heads = new Map<string, DeviceState>();
  private readonly staged = new Map<string, DeviceState>();
  private readonly stagedRows = new Map<string, LedgerReading[]>();

  constructor(
    private readonly ledger: Ledger,
    private readonly options: EvaluatorOptions,
  ) {}

  /** Restores the heads from the ledger (at start, and after a failed write). */
  async restore(): Promise<void> {
    this.heads.clear();
    this.discard();
    for (const head of await this.ledger.heads()) {
      this.heads.set(head.deviceId, {
        seq: head.seq,
        ts: head.ts,
        energyWh: head.energyWh,
        revenueMinor: head.revenueMinor,
        sessionId: head.sessionId,
        sig: head.sig,
        lastReceivedAtMs: head.lastReceivedAtMs,
      });
    }
  }

  /** The committed head of `deviceId`. */
  head(deviceId: string): DeviceState | undefined {
    return this.heads.get(deviceId);
  }

  /** Every committed head. */
  allHeads(): ReadonlyMap<string, DeviceState> {
    return this.heads;
  }

  /** Publishes the heads staged by the current batch. */
  commit(): void {
    for (const [deviceId, state] of this.staged) this.heads.set(deviceId, state);
    this.discard();
  }

  /** Drops the heads staged by the current batch. */
  discard(): void {
    this.staged.clear();
    this.stagedRows.clear();
  }

  /**
   * Evaluates one signature-valid reading received at `receivedAtMs` (gateway clock, ms); skew is
   * measured from it. Synchronous for a reading above its device's head (the normal case); a
   * reading at or below the head needs the ledger, and then the verdict comes as a Promise.
   */
  evaluate(item: Prevalidated, payload: string, receivedAtMs: number): Verdict | Promise<Verdict> {
    const { reading } = item;
    const head = this.staged.get(reading.deviceId) ?? this.heads.get(reading.deviceId);
    if (head !== undefined && reading.seq <= head.seq)
      return this.evaluateAtOrBelowHead(item, payload, receivedAtMs, head);
    return this.evaluateAfter(item, payload, receivedAtMs, head);
  }

  private async evaluateAtOrBelowHead(
    item: Prevalidated,
    payload: string,
    receivedAtMs: number,
    head: DeviceState,
  ): Promise<Verdict> {
    const { reading } = item;
    const at = { deviceId: reading.deviceId, seq: reading.seq };
    const existing =
      reading.seq === head.seq ? { sig: head.sig } : await this.findAccepted(reading.deviceId, reading.seq);
    if (existing !== undefined) {
      if (sameSig(existing.sig, reading.sig)) return { kind: 'duplicate' };
      return reject(
        'SEQUENCE_REPLAY',
        `sequence ${reading.seq} of ${reading.deviceId} was already accepted with different content`,
        { ...at, field: 'seq' },
      );
    }
    const skew = this.checkSkew(item, receivedAtMs);
    if (skew !== undefined) return skew;
    // Late: below the head and never accepted.
    if (this.options.outOfOrder === 'reject') {
      return reject(
        'SEQUENCE_REPLAY',
        `sequence ${reading.seq} of ${reading.deviceId} arrived after sequence ${head.seq}; its energy and revenue are inside that reading's delta`,
        { ...at, field: 'seq' },
      );
    }
    // Accept-late: it must fit between its accepted neighbours.
    const { before, after } = await this.neighbours(reading.deviceId, reading.seq);
    if (before !== undefined) {
      const checked = this.checkInterval(before, reading, item, 'previous');
      if (checked !== undefined) return checked;
    }
    if (after !== undefined) {
      const checked = this.checkInterval(reading, after, item, 'next');
      if (checked !== undefined) return checked;
    }
    const row = this.toRow(reading, payload, receivedAtMs, 0n, 0n, false, false);
    this.stage(row);
    return { kind: 'accept', row, handOff: undefined };
  }

  private checkSkew(item: Prevalidated, receivedAtMs: number): Rejection | undefined {
    const { reading } = item;
    const skewS = Math.abs(reading.ts - Math.floor(receivedAtMs / 1000));
    if (skewS > this.options.maxClockSkewS) {
      return reject(
        'TIMESTAMP_SKEW',
        `timestamp ${reading.ts} is ${skewS} s from gateway time (limit ${this.options.maxClockSkewS} s)`,
        { deviceId: reading.deviceId, seq: reading.seq, field: 'ts' },
      );
    }
    return undefined;
  }

  /** A reading above its device's head (or its first): in order, compared with the head only. */
  private evaluateAfter(
    item: Prevalidated,
    payload: string,
    receivedAtMs: number,
    head: DeviceState | undefined,
  ): Verdict {
    const { reading, device } = item;
    const skew = this.checkSkew(item, receivedAtMs);
    if (skew !== undefined) return skew;
    const checked = head === undefined ? undefined : this.checkInterval(head, reading, item, 'previous');
    if (checked !== undefined) return checked;
    const energyDeltaWh = head === undefined ? 0n : BigInt(reading.energyWh - head.energyWh);
    const revenueDeltaMinor = head === undefined ? 0n : BigInt(reading.revenueMinor - head.revenueMinor);
    const sessionId = reading.kind === 'ev' ? reading.sessionId : undefined;
    const newSession = sessionId !== undefined && sessionId !== 0 && sessionId !== head?.sessionId;
    const row = this.toRow(
      reading,
      payload,
      receivedAtMs,
      energyDeltaWh,
      revenueDeltaMinor,
      true,
      newSession,
    );
    this.staged.set(reading.deviceId, {
      seq: reading.seq,
      ts: reading.ts,
      energyWh: reading.energyWh,
      revenueMinor: reading.revenueMinor,
      sessionId,
      sig: reading.sig,
      lastReceivedAtMs: receivedAtMs,
    });
    this.stage(row);
    return {
      kind: 'accept',
      row,
      handOff: {
        poolId: reading.poolId,
        deviceId: reading.deviceId,
        siteId: device.siteId,
        kind: reading.kind,
        seq: reading.seq,
        ts: reading.ts,
        energyWh: BigInt(reading.energyWh),
        revenueMinor: BigInt(reading.revenueMinor),
        energyDeltaWh,
        revenueDeltaMinor,
        newSession,
      },
    };
  }

  /**
   * Checks the interval from `earlier` to `later` (one of them is the reading under test):
   * timestamps increase, registers do not decrease, energy and revenue deltas are plausible.
   */
  private checkInterval(
    earlier: Point,
    later: Point,
    item: Prevalidated,
    side: 'previous' | 'next',
  ): Rejection | undefined {
    const { reading, device, pool } = item;
    const at = { deviceId: reading.deviceId, seq: reading.seq };
    const other = side === 'previous' ? earlier : later;
    if (later.ts <= earlier.ts) {
      return reject(
        'TIMESTAMP_NOT_INCREASING',
        `timestamp ${reading.ts} is not ${side === 'previous' ? 'after' : 'before'} the ${side} accepted reading's ${other.ts} (seq ${other.seq})`,
        { ...at, field: 'ts' },
      );
    }
    for (const field of ['energyWh', 'revenueMinor'] as const) {
      if (later[field] < earlier[field]) {
        return reject(
          'REGISTER_DECREASED',
          `${field} ${reading[field]} is ${side === 'previous' ? 'below' : 'above'} the ${side} accepted reading's ${other[field]} (seq ${other.seq})`,
          { ...at, field },
        );
      }
    }
    const energyDeltaWh = BigInt(later.energyWh - earlier.energyWh);
    const revenueDeltaMinor = BigInt(later.revenueMinor - earlier.revenueMinor);
    const elapsedS = BigInt(later.ts - earlier.ts);
    // SPEC section 1: energyDeltaWh * 3600 <= ratedPowerW * elapsedS (times the configured margin).
    if (
      energyDeltaWh * 3600n * 1000n >
      BigInt(device.ratedPowerW) * elapsedS * BigInt(this.options.energyMarginPermille)
    ) {
      return reject(
        'ENERGY_IMPLAUSIBLE',
        `energy delta ${energyDeltaWh} Wh in ${elapsedS} s exceeds rated power ${device.ratedPowerW} W`,
        { ...at, field: 'energyWh' },
      );
    }
    // SPEC section 1: revenueDeltaMinor * 1000 <= energyDeltaWh * maxTariffMinorPerKwh.
    if (revenueDeltaMinor * 1000n > energyDeltaWh * pool.maxTariffMinorPerKwh) {
      return reject(
        'REVENUE_IMPLAUSIBLE',
        `revenue delta ${revenueDeltaMinor} for ${energyDeltaWh} Wh exceeds the pool's maximum tariff ${pool.maxTariffMinorPerKwh}/kWh`,
        { ...at, field: 'revenueMinor' },
      );
    }
    return undefined;
  }

  private stage(row: LedgerReading): void {
    const rows = this.stagedRows.get(row.deviceId);
    if (rows === undefined) this.stagedRows.set(row.deviceId, [row]);
    else rows.push(row);
  }

  private async findAccepted(deviceId: string, seq: number): Promise<{ sig: Signature } | undefined> {
    const staged = this.stagedRows.get(deviceId)?.find((r) => r.seq === seq);
    if (staged !== undefined) return staged;
    return this.ledger.find(deviceId, seq);
  }

  private async neighbours(
    deviceId: string,
    seq: number,
  ): Promise<{ before: Point | undefined; after: Point | undefined }> {
    const fromLedger = await this.ledger.neighbours(deviceId, seq);
    let before: Point | undefined = fromLedger.before;
    let after: Point | undefined = fromLedger.after;
    for (const row of this.stagedRows.get(deviceId) ?? []) {
      if (row.seq < seq && (before === undefined || row.seq > before.seq)) before = row;
      if (row.seq > seq && (after === undefined || row.seq < after.seq)) after = row;
    }
    return { before, after };
  }

  private toRow(
    reading: SignedReading,
    payload: string,
    receivedAtMs: number,
    energyDeltaWh: bigint,
    revenueDeltaMinor: bigint,
    inOrder: boolean,
    newSession: boolean,
  ): LedgerReading {
    return {
      deviceId: reading.deviceId,
      seq: reading.seq,
      poolId: reading.poolId,
      kind: reading.kind,
      ts: reading.ts,
      energyWh: reading.energyWh,
      revenueMinor: reading.revenueMinor,
      powerW: reading.powerW,
      sessionId: reading.kind === 'ev' ? reading.sessionId : undefined,
      irradianceWm2: reading.kind === 'pv' ? reading.irradianceWm2 : undefined,
      sig: { R8x: reading.sig.R8x, R8y: reading.sig.R8y, S: reading.sig.S },
      energyDeltaWh,
      revenueDeltaMinor,
      inOrder,
      newSession,
      receivedAtMs,
      payload,
    };
  }
}
