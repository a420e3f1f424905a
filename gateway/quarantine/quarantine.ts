import { createHash } from 'node:crypto';
import type { DuckDBAppender } from '@duckdb/node-api';
import type { ReasonCode } from '../../protocol/index.ts';
import type { GatewayDb } from '../db.ts';

/** A rejected message as kept in quarantine. */
export interface QuarantineEntry {
  id: number;
  receivedAtMs: number;
  reason: ReasonCode;
  /** The offending field, when known. */
  field: string | undefined;
  /** Human-readable explanation. */
  message: string;
  topic: string;
  /**
   * The publishing client: MQTT 3.1.1 does not carry the publisher's client id to subscribers, so
   * this is the device id of the topic, which the broker's topic authorisation binds to the
   * authenticated client (client id = username = device id, SPEC section 3).
   */
  clientId: string | undefined;
  deviceId: string | undefined;
  seq: number | undefined;
  /** The first bytes of the payload (bounded), its full size and its sha256. */
  payloadPrefix: Uint8Array;
  payloadSize: number;
  payloadSha256: string;
}

/** The identity of a message for de-duplication in quarantine: topic and payload sha256. */
export function quarantineKey(topic: string, payloadSha256: string): string {
  return `${topic}\n${payloadSha256}`;
}

/** sha256 of a payload, lowercase hex. */
export function payloadSha256(payload: Uint8Array): string {
  return createHash('sha256').update(payload).digest('hex');
}

/** What the pipeline records for a rejected message (the id is assigned on write). */
export type QuarantineRecord = Omit<
  QuarantineEntry,
  'id' | 'payloadPrefix' | 'payloadSize' | 'payloadSha256'
> & {
  payload: Uint8Array;
};

/** Filter of {@link Quarantine.list}. */
export interface QuarantineFilter {
  reason?: ReasonCode | string;
  deviceId?: string;
  fromMs?: number;
  toMs?: number;
  limit?: number;
}

/**
 * The quarantine: every rejected message with its reason code, a bounded prefix of its payload,
 * its size and sha256, topic, client and time. Nothing is dropped silently.
 *
 * @example
 * const q = new Quarantine(db, 2048);
 * const rejected = await q.list({ reason: 'SIGNATURE_INVALID', limit: 10 });
 */
export class Quarantine {
  private nextId = 1;
  /** Keys (`topic` + payload sha256) of the most recent quarantined messages, oldest first. */
  private readonly recent = new Set<string>();
  private readonly recentLimit = 100_000;

  constructor(
    private readonly db: GatewayDb,
    private readonly payloadPrefixBytes = 2048,
  ) {}

  /** Reads the next free id; call once after opening. */
  async init(): Promise<void> {
    const result = await this.db.reader.runAndReadAll('SELECT coalesce(max(id), 0) AS m FROM quarantine');
    this.nextId = Number(result.getRowObjects()[0]?.m ?? 0) + 1;
    const recent = await this.db.reader.runAndReadAll(
      `SELECT topic, payload_sha256 FROM quarantine ORDER BY id DESC LIMIT ${this.recentLimit}`,
    );
    for (const row of recent.getRowObjects().reverse())
      this.remember(quarantineKey(String(row.topic), String(row.payload_sha256)));
  }

  /** Records a key as quarantined (bounded memory: the oldest keys are forgotten first). */
  remember(key: string): void {
    this.recent.add(key);
    if (this.recent.size > this.recentLimit) {
      const oldest = this.recent.values().next().value;
      if (oldest !== undefined) this.recent.delete(oldest);
    }
  }

  /**
   * Whether this exact message (topic and payload) is already quarantined: among the recent ones in
   * memory, or, when `lookInFile` (a broker redelivery), anywhere in the file.
   */
  async seen(key: string, lookInFile: boolean): Promise<boolean> {
    if (this.recent.has(key)) return true;
    if (!lookInFile) return false;
    const [topic, sha] = key.split('\n') as [string, string];
    const result = await this.db.reader.runAndReadAll(
      'SELECT 1 FROM quarantine WHERE payload_sha256 = $1 AND topic = $2 LIMIT 1',
      [sha, topic],
    );
    return result.getRowObjects().length > 0;
  }

  /** Appends rows through `appender` (the caller owns the transaction); returns the ids assigned. */
  appendRows(appender: DuckDBAppender, records: readonly QuarantineRecord[]): number[] {
    const ids: number[] = [];
    for (const r of records) {
      const id = this.nextId++;
      ids.push(id);
      appender.appendUBigInt(BigInt(id));
      appender.appendBigInt(BigInt(r.receivedAtMs));
      appender.appendVarchar(r.reason);
      if (r.field === undefined) appender.appendNull();
      else appender.appendVarchar(r.field);
      appender.appendVarchar(r.message.slice(0, 1000));
      appender.appendVarchar(r.topic);
      if (r.clientId === undefined) appender.appendNull();
      else appender.appendVarchar(r.clientId);
      if (r.deviceId === undefined) appender.appendNull();
      else appender.appendVarchar(r.deviceId);
      if (r.seq === undefined) appender.appendNull();
      else appender.appendUBigInt(BigInt(r.seq));
      appender.appendBlob(r.payload.subarray(0, this.payloadPrefixBytes));
      appender.appendUInteger(r.payload.length);
      appender.appendVarchar(payloadSha256(r.payload));
      appender.endRow();
    }
    return ids;
  }

  /** Rolls the id counter back after a failed transaction. */
  rewind(count: number): void {
    this.nextId -= count;
  }

  /** Rejected messages matching `filter`, newest first. */
  async list(filter: QuarantineFilter = {}): Promise<QuarantineEntry[]> {
    const where: string[] = [];
    const params: string[] = [];
    const add = (clause: string, value: string | number) => {
      params.push(String(value));
      where.push(clause.replace('?', `$${params.length}`));
    };
    if (filter.reason !== undefined) add('reason = ?', filter.reason);
    if (filter.deviceId !== undefined) add('device_id = ?', filter.deviceId);
    if (filter.fromMs !== undefined) add('received_at_ms >= ?', filter.fromMs);
    if (filter.toMs !== undefined) add('received_at_ms < ?', filter.toMs);
    const limit = Math.max(1, Math.min(filter.limit ?? 100, 10_000));
    const sql = `SELECT * FROM quarantine ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${limit}`;
    const result = await this.db.reader.runAndReadAll(sql, params);
    return result.getRowObjects().map((row) => ({
      id: Number(row.id),
      receivedAtMs: Number(row.received_at_ms),
      reason: String(row.reason) as ReasonCode,
      field: row.field === null ? undefined : String(row.field),
      message: String(row.message),
      topic: String(row.topic),
      clientId: row.client_id === null ? undefined : String(row.client_id),
      deviceId: row.device_id === null ? undefined : String(row.device_id),
      seq: row.seq === null ? undefined : Number(row.seq),
      payloadPrefix: (row.payload_prefix as { bytes: Uint8Array }).bytes,
      payloadSize: Number(row.payload_size),
      payloadSha256: String(row.payload_sha256),
    }));
  }

  /** Rejected messages per reason code. */
  async countByReason(): Promise<Record<string, number>> {
    const result = await this.db.reader.runAndReadAll(
      'SELECT reason, count(*) AS n FROM quarantine GROUP BY reason',
    );
    const counts: Record<string, number> = {};
    for (const row of result.getRowObjects()) counts[String(row.reason)] = Number(row.n);
    return counts;
  }
}
