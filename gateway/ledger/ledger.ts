import type { DuckDBAppender } from '@duckdb/node-api';
import type { GatewayDb } from '../db.ts';
import type { LedgerReading } from './types.ts';

const COLUMNS =
  'device_id, seq, pool_id, kind, ts, energy_wh, revenue_minor, power_w, session_id, irradiance_wm2, ' +
  'sig_r8x, sig_r8y, sig_s, energy_delta_wh, revenue_delta_minor, in_order, new_session, received_at_ms, payload';

function fromRow(row: Record<string, unknown>): LedgerReading {
  return {
    deviceId: String(row.device_id),
    seq: Number(row.seq),
    poolId: Number(row.pool_id),
    kind: String(row.kind) as LedgerReading['kind'],
    ts: Number(row.ts),
    energyWh: Number(row.energy_wh),
    revenueMinor: Number(row.revenue_minor),
    powerW: Number(row.power_w),
    sessionId: row.session_id === null ? undefined : Number(row.session_id),
    irradianceWm2: row.irradiance_wm2 === null ? undefined : Number(row.irradiance_wm2),
    sig: { R8x: String(row.sig_r8x), R8y: String(row.sig_r8y), S: String(row.sig_s) },
    energyDeltaWh: BigInt(row.energy_delta_wh as bigint),
    revenueDeltaMinor: BigInt(row.revenue_delta_minor as bigint),
    inOrder: Boolean(row.in_order),
    newSession: Boolean(row.new_session),
    receivedAtMs: Number(row.received_at_ms),
    payload: String(row.payload),
  };
}

/** Head of a device's in-order chain: its accepted reading with the highest sequence. */
export interface DeviceHead {
  deviceId: string;
  seq: number;
  ts: number;
  energyWh: number;
  revenueMinor: number;
  sessionId: number | undefined;
  sig: { R8x: string; R8y: string; S: string };
  lastReceivedAtMs: number;
}

/**
 * The evidence ledger: every accepted signed reading, exact and append-only, unique on
 * (device, sequence). Writes happen only through {@link Ledger.append} inside the ingest
 * pipeline's transaction; the query functions serve the HTTP API and the oracle.
 *
 * @example
 * const ledger = new Ledger(db);
 * const closing = await ledger.closingReadings(1, epochStart, epochEnd);
 */
export class Ledger {
  constructor(private readonly db: GatewayDb) {}

  /** Appends rows through `appender` (the caller owns the transaction and flushes). */
  static appendRows(appender: DuckDBAppender, rows: readonly LedgerReading[]): void {
    for (const r of rows) {
      appender.appendVarchar(r.deviceId);
      appender.appendUBigInt(BigInt(r.seq));
      appender.appendUInteger(r.poolId);
      appender.appendVarchar(r.kind);
      appender.appendUBigInt(BigInt(r.ts));
      appender.appendBigInt(BigInt(r.energyWh));
      appender.appendBigInt(BigInt(r.revenueMinor));
      appender.appendBigInt(BigInt(r.powerW));
      if (r.sessionId === undefined) appender.appendNull();
      else appender.appendBigInt(BigInt(r.sessionId));
      if (r.irradianceWm2 === undefined) appender.appendNull();
      else appender.appendInteger(r.irradianceWm2);
      appender.appendVarchar(r.sig.R8x);
      appender.appendVarchar(r.sig.R8y);
      appender.appendVarchar(r.sig.S);
      appender.appendBigInt(r.energyDeltaWh);
      appender.appendBigInt(r.revenueDeltaMinor);
      appender.appendBoolean(r.inOrder);
      appender.appendBoolean(r.newSession);
      appender.appendBigInt(BigInt(r.receivedAtMs));
      appender.appendVarchar(r.payload);
      appender.endRow();
    }
  }

  private async select(sql: string, params: unknown[] = []): Promise<LedgerReading[]> {
    const result = await this.db.reader.runAndReadAll(sql, params.map(String));
    return result.getRowObjects().map((row) => fromRow(row as Record<string, unknown>));
  }

  /** Number of readings in the ledger (optionally of one pool). */
  async count(poolId?: number): Promise<number> {
    const result =
      poolId === undefined
        ? await this.db.reader.runAndReadAll('SELECT count(*) AS n FROM readings')
        : await this.db.reader.runAndReadAll('SELECT count(*) AS n FROM readings WHERE pool_id = $1', [
            String(poolId),
          ]);
    return Number(result.getRowObjects()[0]?.n ?? 0);
  }

  /** The reading (device, seq), if accepted. */
  async find(deviceId: string, seq: number): Promise<LedgerReading | undefined> {
    const rows = await this.select(`SELECT ${COLUMNS} FROM readings WHERE device_id = $1 AND seq = $2`, [
      deviceId,
      seq,
    ]);
    return rows[0];
  }

  /** Accepted readings of one device with `fromTs <= ts < toTs`, by sequence. */
  readingsOfDevice(deviceId: string, fromTs = 0, toTs = 2 ** 32, limit = 100_000): Promise<LedgerReading[]> {
    return this.select(
      `SELECT ${COLUMNS} FROM readings WHERE device_id = $1 AND ts >= $2 AND ts < $3 ORDER BY seq LIMIT $4`,
      [deviceId, fromTs, toTs, limit],
    );
  }

  /**
   * The closing reading of every device of a pool for the window `[startTs, endTs)`: the accepted
   * reading with the highest sequence whose timestamp lies in the window (accepted readings of a
   * device increase in sequence and timestamp together). Devices without one are absent.
   */
  closingReadings(poolId: number, startTs: number, endTs: number): Promise<LedgerReading[]> {
    return this.select(
      `SELECT ${COLUMNS} FROM readings WHERE pool_id = $1 AND ts >= $2 AND ts < $3
       QUALIFY row_number() OVER (PARTITION BY device_id ORDER BY seq DESC) = 1
       ORDER BY device_id`,
      [poolId, startTs, endTs],
    );
  }

  /** The accepted readings of `deviceId` just below and just above `seq`. */
  async neighbours(
    deviceId: string,
    seq: number,
  ): Promise<{ before: LedgerReading | undefined; after: LedgerReading | undefined }> {
    const before = await this.select(
      `SELECT ${COLUMNS} FROM readings WHERE device_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT 1`,
      [deviceId, seq],
    );
    const after = await this.select(
      `SELECT ${COLUMNS} FROM readings WHERE device_id = $1 AND seq > $2 ORDER BY seq ASC LIMIT 1`,
      [deviceId, seq],
    );
    return { before: before[0], after: after[0] };
  }

  /** The head (highest-sequence reading) of every device, used to restore validation state at start. */
  async heads(): Promise<DeviceHead[]> {
    const result = await this.db.reader.runAndReadAll(
      `SELECT device_id, seq, ts, energy_wh, revenue_minor, session_id, sig_r8x, sig_r8y, sig_s,
              max(received_at_ms) OVER (PARTITION BY device_id) AS last_received_at_ms
       FROM readings QUALIFY row_number() OVER (PARTITION BY device_id ORDER BY seq DESC) = 1`,
    );
    return result.getRowObjects().map((row) => ({
      deviceId: String(row.device_id),
      seq: Number(row.seq),
      ts: Number(row.ts),
      energyWh: Number(row.energy_wh),
      revenueMinor: Number(row.revenue_minor),
      sessionId: row.session_id === null ? undefined : Number(row.session_id),
      sig: { R8x: String(row.sig_r8x), R8y: String(row.sig_r8y), S: String(row.sig_s) },
      lastReceivedAtMs: Number(row.last_received_at_ms),
    }));
  }
}
