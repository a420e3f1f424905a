import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { Mutex } from 'async-mutex';
import { taggedBigint } from '../lib/json.ts';
import { JobStateError } from './errors.ts';
import type { SignedTxRecord } from './tx-sender.ts';

/** Stages of an epoch job, in order. */
export type EpochStage = 'selected' | 'proved' | 'posted' | 'finalised';
/** Stages of one batch (registration or epoch), in order. */
export type BatchStage = 'proved' | 'posted' | 'confirmed';
/** What a transaction slot is for: a registration batch, an epoch batch, or the epoch's finalisation. */
export type TxKind = 'registration' | 'epoch' | 'finalize';

/** Identifies one proof/transaction slot: `(pool, epoch, kind, index)`. */
export interface BatchKey {
  poolId: number;
  epoch: number;
  kind: TxKind;
  index: number;
}

/** The durable record of an epoch job. */
export interface EpochJob {
  poolId: number;
  epoch: number;
  stage: EpochStage;
  /** Registered device count the epoch's registration batches bring the tree to. */
  registeredCount: number;
  registrationBatches: number;
  epochBatches: number;
  updatedAtMs: number;
}

/** The durable record of a batch. */
export interface BatchJob extends BatchKey {
  stage: BatchStage;
  oldRoot: string;
  newRoot: string;
  bundlePath: string;
  txHash: string | undefined;
  blockNumber: bigint | undefined;
}

const STAGE_ORDER: Record<EpochStage, number> = { selected: 0, proved: 1, posted: 2, finalised: 3 };
const BATCH_ORDER: Record<BatchStage, number> = { proved: 0, posted: 1, confirmed: 2 };

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS oracle_epoch (
     pool_id BIGINT NOT NULL, epoch BIGINT NOT NULL, stage VARCHAR NOT NULL,
     registered_count BIGINT NOT NULL, registration_batches INTEGER NOT NULL, epoch_batches INTEGER NOT NULL,
     updated_at_ms BIGINT NOT NULL, PRIMARY KEY (pool_id, epoch))`,
  `CREATE TABLE IF NOT EXISTS oracle_batch (
     pool_id BIGINT NOT NULL, epoch BIGINT NOT NULL, kind VARCHAR NOT NULL, batch_index INTEGER NOT NULL,
     stage VARCHAR NOT NULL, old_root VARCHAR NOT NULL, new_root VARCHAR NOT NULL, bundle_path VARCHAR NOT NULL,
     tx_hash VARCHAR, block_number BIGINT, updated_at_ms BIGINT NOT NULL,
     PRIMARY KEY (pool_id, epoch, kind, batch_index))`,
  `CREATE TABLE IF NOT EXISTS oracle_tx (
     pool_id BIGINT NOT NULL, epoch BIGINT NOT NULL, kind VARCHAR NOT NULL, batch_index INTEGER NOT NULL,
     hash VARCHAR NOT NULL PRIMARY KEY, nonce BIGINT NOT NULL, raw VARCHAR NOT NULL, signed_at_ms BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS oracle_selection (
     pool_id BIGINT NOT NULL, epoch BIGINT NOT NULL, position INTEGER NOT NULL, reading_json VARCHAR NOT NULL,
     PRIMARY KEY (pool_id, epoch, position))`,
  `CREATE TABLE IF NOT EXISTS oracle_leaf (
     pool_id BIGINT NOT NULL, slot INTEGER NOT NULL, leaf_json VARCHAR NOT NULL, PRIMARY KEY (pool_id, slot))`,
  `CREATE TABLE IF NOT EXISTS oracle_pool (
     pool_id BIGINT NOT NULL PRIMARY KEY, finalised_epoch BIGINT NOT NULL, root VARCHAR NOT NULL,
     updated_at_ms BIGINT NOT NULL)`,
];

/** Durable job stages of the oracle, in one DuckDB file; see {@link openStageStore}. */
export interface StageStore {
  /** The epoch job, if it was started. */
  epoch(poolId: number, epoch: number): Promise<EpochJob | undefined>;
  /**
   * Records the selection of an epoch (its closing readings, kept so that a resumed job proves exactly the same
   * batches even if late readings arrive meanwhile) and its batch plan, atomically. Refuses a second selection.
   */
  selectEpoch(job: Omit<EpochJob, 'stage' | 'updatedAtMs'>, readings: readonly unknown[]): Promise<EpochJob>;
  /** The stored selection of an epoch, in the order it was saved. */
  selection<T>(poolId: number, epoch: number): Promise<T[]>;
  /** Moves an epoch forward; moving backwards is a {@link JobStateError}. */
  advanceEpoch(poolId: number, epoch: number, stage: EpochStage): Promise<void>;
  batch(key: BatchKey): Promise<BatchJob | undefined>;
  batches(poolId: number, epoch: number): Promise<BatchJob[]>;
  /** Records a proven batch (its proof bundle on disk). */
  saveProvedBatch(
    key: BatchKey,
    batch: { oldRoot: string; newRoot: string; bundlePath: string },
  ): Promise<void>;
  /** Persists a signed transaction of a slot BEFORE it is broadcast. */
  recordSigned(key: BatchKey, record: SignedTxRecord): Promise<void>;
  /** Every signed transaction of a slot, oldest first (fee replacements share a nonce). */
  signedRecords(key: BatchKey): Promise<SignedTxRecord[]>;
  /** Marks a batch posted (broadcast) or confirmed (mined with enough confirmations, or found on-chain). */
  advanceBatch(key: BatchKey, stage: BatchStage, tx?: { hash: string; blockNumber?: bigint }): Promise<void>;
  /** The pool's last finalised epoch (0 if none) and its state root. */
  poolState(poolId: number): Promise<{ finalisedEpoch: number; root: string } | undefined>;
  /** The persisted state-tree leaves of the pool after its last finalised epoch. */
  leaves<T>(poolId: number): Promise<Array<{ slot: number; leaf: T }>>;
  /**
   * Finalises an epoch: stores the pool's leaves (only the changed ones need be passed) and root, and marks the
   * epoch finalised, in one transaction.
   */
  finaliseEpoch(
    poolId: number,
    epoch: number,
    root: string,
    changedLeaves: ReadonlyArray<{ slot: number; leaf: unknown }>,
  ): Promise<void>;
  close(): void;
}

/** JSON that keeps bigints (as `"123n"`). */
export const stableJson = {
  stringify: (value: unknown) => JSON.stringify(value, taggedBigint.replacer),
  parse: <T>(text: string) => JSON.parse(text, taggedBigint.reviver) as T,
};

/** One DuckDB connection with serialised use, row reads and transactions. */
interface Db {
  connection: DuckDBConnection;
  /** DuckDB connections run one statement at a time: serialise every use. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  rows(sql: string, params?: unknown[]): Promise<Array<Record<string, unknown>>>;
  transaction(fn: () => Promise<void>): Promise<void>;
}

function openDb(connection: DuckDBConnection): Db {
  const lock = new Mutex();
  /** DuckDB connections run one statement at a time: serialise every use. */
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => lock.runExclusive(fn);
  const rows = async (sql: string, params: unknown[] = []) =>
    (await connection.runAndReadAll(sql, params as never)).getRowObjectsJS() as Array<
      Record<string, unknown>
    >;
  const transaction = async (fn: () => Promise<void>) => {
    await connection.run('BEGIN TRANSACTION');
    try {
      await fn();
      await connection.run('COMMIT');
    } catch (error) {
      await connection.run('ROLLBACK');
      throw error;
    }
  };
  return { connection, exclusive, rows, transaction };
}

const toEpoch = (r: Record<string, unknown>): EpochJob => ({
  poolId: Number(r.pool_id),
  epoch: Number(r.epoch),
  stage: r.stage as EpochStage,
  registeredCount: Number(r.registered_count),
  registrationBatches: Number(r.registration_batches),
  epochBatches: Number(r.epoch_batches),
  updatedAtMs: Number(r.updated_at_ms),
});
const toBatch = (r: Record<string, unknown>): BatchJob => ({
  poolId: Number(r.pool_id),
  epoch: Number(r.epoch),
  kind: r.kind as TxKind,
  index: Number(r.batch_index),
  stage: r.stage as BatchStage,
  oldRoot: String(r.old_root),
  newRoot: String(r.new_root),
  bundlePath: String(r.bundle_path),
  txHash: r.tx_hash === null ? undefined : String(r.tx_hash),
  blockNumber: r.block_number === null ? undefined : BigInt(r.block_number as bigint),
});
const keyParams = (k: BatchKey) => [k.poolId, k.epoch, k.kind, k.index];
const KEY_WHERE = 'pool_id = $1 AND epoch = $2 AND kind = $3 AND batch_index = $4';

/** Epoch jobs and their stored selections (`oracle_epoch`, `oracle_selection`). */
function epochStages(db: Db): Pick<StageStore, 'epoch' | 'selectEpoch' | 'selection' | 'advanceEpoch'> {
  const { connection, exclusive, rows, transaction } = db;
  return {
    epoch: (poolId, epoch) =>
      exclusive(async () => {
        const found = await rows('SELECT * FROM oracle_epoch WHERE pool_id = $1 AND epoch = $2', [
          poolId,
          epoch,
        ]);
        return found[0] ? toEpoch(found[0]) : undefined;
      }),
    selectEpoch: (job, readings) =>
      exclusive(async () => {
        const existing = await rows('SELECT stage FROM oracle_epoch WHERE pool_id = $1 AND epoch = $2', [
          job.poolId,
          job.epoch,
        ]);
        if (existing.length > 0)
          throw new JobStateError(`epoch ${job.epoch} of pool ${job.poolId} was already selected`, {
            hint: 'resume the stored job instead of selecting again',
          });
        const nowMs = Date.now();
        await transaction(async () => {
          await connection.run('INSERT INTO oracle_epoch VALUES ($1, $2, $3, $4, $5, $6, $7)', [
            job.poolId,
            job.epoch,
            'selected',
            job.registeredCount,
            job.registrationBatches,
            job.epochBatches,
            nowMs,
          ]);
          for (let i = 0; i < readings.length; i += 500) {
            const chunk = readings.slice(i, i + 500);
            const values = chunk.map((_, j) => `($1, $2, ${i + j}, $${j + 3})`).join(', ');
            await connection.run(`INSERT INTO oracle_selection VALUES ${values}`, [
              job.poolId,
              job.epoch,
              ...chunk.map((r) => stableJson.stringify(r)),
            ]);
          }
        });
        return { ...job, stage: 'selected' as const, updatedAtMs: nowMs };
      }),
    selection: <T>(poolId: number, epoch: number) =>
      exclusive(async () => {
        const found = await rows(
          'SELECT reading_json FROM oracle_selection WHERE pool_id = $1 AND epoch = $2 ORDER BY position',
          [poolId, epoch],
        );
        return found.map((r) => stableJson.parse<T>(String(r.reading_json)));
      }),
    advanceEpoch: (poolId, epoch, stage) =>
      exclusive(async () => {
        const found = await rows('SELECT stage FROM oracle_epoch WHERE pool_id = $1 AND epoch = $2', [
          poolId,
          epoch,
        ]);
        const current = found[0]?.stage as EpochStage | undefined;
        if (current === undefined)
          throw new JobStateError(`epoch ${epoch} of pool ${poolId} has no job`, { hint: 'select it first' });
        if (STAGE_ORDER[stage] < STAGE_ORDER[current])
          throw new JobStateError(
            `epoch ${epoch} of pool ${poolId} cannot go back from ${current} to ${stage}`,
          );
        await connection.run(
          'UPDATE oracle_epoch SET stage = $3, updated_at_ms = $4 WHERE pool_id = $1 AND epoch = $2',
          [poolId, epoch, stage, Date.now()],
        );
      }),
  };
}

/** Batch jobs of an epoch (`oracle_batch`). */
function batchStages(db: Db): Pick<StageStore, 'batch' | 'batches' | 'saveProvedBatch' | 'advanceBatch'> {
  const { connection, exclusive, rows } = db;
  return {
    batch: (key) =>
      exclusive(async () => {
        const found = await rows(`SELECT * FROM oracle_batch WHERE ${KEY_WHERE}`, keyParams(key));
        return found[0] ? toBatch(found[0]) : undefined;
      }),
    batches: (poolId, epoch) =>
      exclusive(async () =>
        (
          await rows(
            'SELECT * FROM oracle_batch WHERE pool_id = $1 AND epoch = $2 ORDER BY kind DESC, batch_index',
            [poolId, epoch],
          )
        ).map(toBatch),
      ),
    saveProvedBatch: (key, batch) =>
      exclusive(async () => {
        const found = await rows(
          `SELECT old_root, new_root FROM oracle_batch WHERE ${KEY_WHERE}`,
          keyParams(key),
        );
        if (found[0]) {
          if (found[0].old_root !== batch.oldRoot || found[0].new_root !== batch.newRoot)
            throw new JobStateError(
              `batch ${key.kind} ${key.index} of epoch ${key.epoch} was proven with other roots`,
              {
                details: `stored ${found[0].old_root} -> ${found[0].new_root}, now ${batch.oldRoot} -> ${batch.newRoot}`,
                hint: 'the selection or the persisted tree changed; investigate before posting',
              },
            );
          return;
        }
        await connection.run(
          'INSERT INTO oracle_batch VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, NULL, $9)',
          [...keyParams(key), 'proved', batch.oldRoot, batch.newRoot, batch.bundlePath, Date.now()],
        );
      }),
    advanceBatch: (key, stage, tx) =>
      exclusive(async () => {
        const found = await rows(`SELECT stage FROM oracle_batch WHERE ${KEY_WHERE}`, keyParams(key));
        const current = found[0]?.stage as BatchStage | undefined;
        if (current === undefined)
          throw new JobStateError(
            `batch ${key.kind} ${key.index} of epoch ${key.epoch} (pool ${key.poolId}) has no record`,
          );
        if (BATCH_ORDER[stage] < BATCH_ORDER[current])
          throw new JobStateError(
            `batch ${key.kind} ${key.index} cannot go back from ${current} to ${stage}`,
          );
        await connection.run(
          `UPDATE oracle_batch SET stage = $5, tx_hash = coalesce($6, tx_hash), block_number = coalesce($7, block_number),
           updated_at_ms = $8 WHERE ${KEY_WHERE}`,
          [...keyParams(key), stage, tx?.hash ?? null, tx?.blockNumber ?? null, Date.now()],
        );
      }),
  };
}

/** Signed transactions of a batch or finalisation, kept until mined (`oracle_tx`). */
function signedTransactions(db: Db): Pick<StageStore, 'recordSigned' | 'signedRecords'> {
  const { connection, exclusive, rows } = db;
  return {
    recordSigned: (key, record) =>
      exclusive(async () => {
        await connection.run(
          'INSERT INTO oracle_tx VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (hash) DO NOTHING',
          [...keyParams(key), record.hash, record.nonce, record.raw, Date.now()],
        );
      }),
    signedRecords: (key) =>
      exclusive(async () =>
        (
          await rows(
            `SELECT hash, nonce, raw FROM oracle_tx WHERE ${KEY_WHERE} ORDER BY signed_at_ms, hash`,
            keyParams(key),
          )
        ).map((r) => ({
          hash: r.hash as `0x${string}`,
          nonce: Number(r.nonce),
          raw: r.raw as `0x${string}`,
        })),
      ),
  };
}

/** Finalised pool state: the last finalised epoch, root and leaves (`oracle_pool`, `oracle_leaf`). */
function poolStates(db: Db): Pick<StageStore, 'poolState' | 'leaves' | 'finaliseEpoch'> {
  const { connection, exclusive, rows, transaction } = db;
  return {
    poolState: (poolId) =>
      exclusive(async () => {
        const found = await rows('SELECT finalised_epoch, root FROM oracle_pool WHERE pool_id = $1', [
          poolId,
        ]);
        return found[0]
          ? { finalisedEpoch: Number(found[0].finalised_epoch), root: String(found[0].root) }
          : undefined;
      }),
    leaves: <T>(poolId: number) =>
      exclusive(async () =>
        (
          await rows('SELECT slot, leaf_json FROM oracle_leaf WHERE pool_id = $1 ORDER BY slot', [poolId])
        ).map((r) => ({
          slot: Number(r.slot),
          leaf: stableJson.parse<T>(String(r.leaf_json)),
        })),
      ),
    finaliseEpoch: (poolId, epoch, root, changedLeaves) =>
      exclusive(async () => {
        const found = await rows('SELECT finalised_epoch FROM oracle_pool WHERE pool_id = $1', [poolId]);
        const last = found[0] ? Number(found[0].finalised_epoch) : 0;
        if (epoch !== last + 1)
          throw new JobStateError(`pool ${poolId}: cannot finalise epoch ${epoch} after epoch ${last}`, {
            hint: 'epochs are finalised in order, each once',
          });
        await transaction(async () => {
          for (const { slot, leaf } of changedLeaves) {
            await connection.run(
              'INSERT INTO oracle_leaf VALUES ($1, $2, $3) ON CONFLICT (pool_id, slot) DO UPDATE SET leaf_json = excluded.leaf_json',
              [poolId, slot, stableJson.stringify(leaf)],
            );
          }
          await connection.run(
            `INSERT INTO oracle_pool VALUES ($1, $2, $3, $4) ON CONFLICT (pool_id) DO UPDATE
             SET finalised_epoch = excluded.finalised_epoch, root = excluded.root, updated_at_ms = excluded.updated_at_ms`,
            [poolId, epoch, root, Date.now()],
          );
          await connection.run(
            `INSERT INTO oracle_epoch VALUES ($1, $2, 'finalised', 0, 0, 0, $3) ON CONFLICT (pool_id, epoch) DO UPDATE
             SET stage = 'finalised', updated_at_ms = excluded.updated_at_ms`,
            [poolId, epoch, Date.now()],
          );
        });
      }),
  };
}

/**
 * Opens (creating if needed) the oracle's durable job store: one row per epoch, per batch and per signed
 * transaction, plus each epoch's selected readings and the pools' persisted state-tree leaves. Like maci's
 * coordinator, the oracle reads these at start and resumes every job where it stopped.
 *
 * @example
 * const stages = await openStageStore('data/oracle.duckdb');
 * const job = await stages.epoch(1, 3);
 */
export async function openStageStore(path: string): Promise<StageStore> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const instance = await DuckDBInstance.create(path);
  const connection: DuckDBConnection = await instance.connect();
  for (const statement of SCHEMA) await connection.run(statement);
  const db = openDb(connection);
  return {
    ...epochStages(db),
    ...batchStages(db),
    ...signedTransactions(db),
    ...poolStates(db),
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
