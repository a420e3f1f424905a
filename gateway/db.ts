import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { Mutex } from 'async-mutex';
import { LedgerError } from './errors.ts';

/**
 * Tables of the gateway's DuckDB file: the registry (pools, devices), the evidence ledger
 * (readings) and the quarantine. Amounts are BIGINT (registers < 2^48, so sums of millions of
 * deltas stay far below 2^63); sequence and timestamps are UBIGINT.
 */
const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS pools (
     pool_id UINTEGER PRIMARY KEY,
     currency VARCHAR NOT NULL,
     decimals UTINYINT NOT NULL,
     max_tariff_minor_per_kwh UBIGINT NOT NULL,
     epoch_length_s UBIGINT NOT NULL,
     genesis_ts UBIGINT NOT NULL,
     created_at_ms BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS devices (
     device_id VARCHAR PRIMARY KEY,
     pool_id UINTEGER NOT NULL,
     registration_index UINTEGER NOT NULL,
     site_id VARCHAR NOT NULL,
     kind VARCHAR NOT NULL,
     rated_power_w UBIGINT NOT NULL,
     public_key_ax VARCHAR NOT NULL,
     public_key_ay VARCHAR NOT NULL,
     key_hash VARCHAR NOT NULL UNIQUE,
     mqtt_password_sha256 VARCHAR NOT NULL,
     active BOOLEAN NOT NULL,
     registered_at_ms BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS readings (
     device_id VARCHAR NOT NULL,
     seq UBIGINT NOT NULL,
     pool_id UINTEGER NOT NULL,
     kind VARCHAR NOT NULL,
     ts UBIGINT NOT NULL,
     energy_wh BIGINT NOT NULL,
     revenue_minor BIGINT NOT NULL,
     power_w BIGINT NOT NULL,
     session_id BIGINT,
     irradiance_wm2 INTEGER,
     sig_r8x VARCHAR NOT NULL,
     sig_r8y VARCHAR NOT NULL,
     sig_s VARCHAR NOT NULL,
     energy_delta_wh BIGINT NOT NULL,
     revenue_delta_minor BIGINT NOT NULL,
     in_order BOOLEAN NOT NULL,
     new_session BOOLEAN NOT NULL,
     received_at_ms BIGINT NOT NULL,
     payload VARCHAR NOT NULL,
     PRIMARY KEY (device_id, seq))`,
  `CREATE TABLE IF NOT EXISTS quarantine (
     id UBIGINT PRIMARY KEY,
     received_at_ms BIGINT NOT NULL,
     reason VARCHAR NOT NULL,
     field VARCHAR,
     message VARCHAR NOT NULL,
     topic VARCHAR NOT NULL,
     client_id VARCHAR,
     device_id VARCHAR,
     seq UBIGINT,
     payload_prefix BLOB NOT NULL,
     payload_size UINTEGER NOT NULL,
     payload_sha256 VARCHAR NOT NULL)`,
];

/** An open gateway database: one writer connection and one reader connection. */
export interface GatewayDb {
  readonly path: string;
  readonly instance: DuckDBInstance;
  /** Used only by the ingest pipeline and registry writes (serialised by their callers). */
  readonly writer: DuckDBConnection;
  /** Used by queries (HTTP API, oracle); DuckDB gives it a consistent snapshot per statement. */
  readonly reader: DuckDBConnection;
  /** Runs `fn` while holding the writer connection exclusively (writes from several parts never interleave). */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  close(): void;
}

/**
 * Opens (creating if needed) the gateway's DuckDB file and its tables.
 *
 * @example
 * const db = await openGatewayDb('data/gateway.duckdb');
 */
export async function openGatewayDb(path: string): Promise<GatewayDb> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(path);
  } catch (cause) {
    throw new LedgerError(`cannot open the gateway database ${path}`, {
      cause,
      details: cause instanceof Error ? cause.message : String(cause),
      hint: 'another process (a running gateway?) may hold it; stop it or use the HTTP API instead',
    });
  }
  const writer = await instance.connect();
  for (const statement of SCHEMA) await writer.run(statement);
  const reader = await instance.connect();
  const lock = new Mutex();
  return {
    path,
    instance,
    writer,
    reader,
    exclusive: <T>(fn: () => Promise<T>): Promise<T> => lock.runExclusive(fn),
    close: () => {
      reader.closeSync();
      writer.closeSync();
      instance.closeSync();
    },
  };
}

/** Runs `fn` inside one transaction on `connection`, rolling back on error. */
export async function inTransaction<T>(connection: DuckDBConnection, fn: () => Promise<T>): Promise<T> {
  await connection.run('BEGIN TRANSACTION');
  try {
    const result = await fn();
    await connection.run('COMMIT');
    return result;
  } catch (error) {
    await connection.run('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
