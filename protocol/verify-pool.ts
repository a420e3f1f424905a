/**
 * A pool of worker threads verifying signed readings in parallel, each with its own WebAssembly kernel.
 * Workers start from a small JavaScript entry that registers tsx and loads the TypeScript worker, so the pool
 * works under `tsx`, `node --import tsx` and vitest alike.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { BaseError } from '../lib/errors.ts';
import type { PublicKey } from './types.ts';
import type { VerifyItem } from './verify-batch.ts';
import type { PayloadItem, PayloadResult } from './verify-payloads.ts';
import type { ParseVerifyRequest, VerifyRequest, VerifyResponse } from './verify-worker.ts';

/** The pool failed or was closed while work was pending. */
export class VerifyPoolError extends BaseError {
  override name = 'VerifyPoolError';
}

/** Options of {@link createVerifyPool}. */
export interface VerifyPoolOptions {
  /** Worker threads. Default: the machine's available parallelism. */
  threads?: number;
  /** Items per message to a worker (larger batches verify faster per reading; smaller balance better). Default 512. */
  chunkSize?: number;
}

/** A running verification pool. */
export interface VerifyPool {
  /** Number of worker threads. */
  readonly threads: number;
  /** Resolves once every worker has built its kernel. */
  ready(): Promise<void>;
  /** Verifies the items in the workers; result i is `verifyReading(items[i].reading, items[i].publicKey)`. */
  verifyBatch(items: readonly VerifyItem[]): Promise<boolean[]>;
  /**
   * Parses raw payloads and verifies those given a key, in the workers; result i is
   * `parseAndVerifyBatch([items[i]])[0]`. The payload bytes are copied into one buffer per chunk
   * that is transferred, not cloned, to the worker.
   */
  parseAndVerifyBatch(items: readonly PayloadItem[]): Promise<PayloadResult[]>;
  /** Stops the workers; pending batches reject with {@link VerifyPoolError}. */
  close(): Promise<void>;
}

interface Pending {
  resolve(results: never[]): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  state: 'starting' | 'ready' | 'failed';
  pending: Map<number, Pending>;
  load: number;
}

const WORKER_URL = new URL('./verify-worker-bootstrap.mjs', import.meta.url);

/** Rejects every pending batch of a slot with `error`. */
function failAll(slot: Slot, error: Error): void {
  for (const p of slot.pending.values()) p.reject(error);
  slot.pending.clear();
  slot.load = 0;
}

/** One chunk of payloads as a transferable request: the bytes in one buffer, keys deduplicated. */
function payloadRequest(items: readonly PayloadItem[]): Omit<ParseVerifyRequest, 'id'> {
  const offsets = new Uint32Array(items.length + 1);
  let size = 0;
  for (let i = 0; i < items.length; i++) {
    offsets[i] = size;
    size += items[i]!.payload.byteLength;
  }
  offsets[items.length] = size;
  const bytes = new Uint8Array(size);
  const keyIndex = new Int32Array(items.length);
  const keys: PublicKey[] = [];
  const keyPosition = new Map<PublicKey, number>();
  for (let i = 0; i < items.length; i++) {
    const { payload, publicKey } = items[i]!;
    bytes.set(payload, offsets[i]!);
    if (publicKey === undefined) {
      keyIndex[i] = -1;
      continue;
    }
    let k = keyPosition.get(publicKey);
    if (k === undefined) {
      k = keys.push({ Ax: publicKey.Ax, Ay: publicKey.Ay }) - 1;
      keyPosition.set(publicKey, k);
    }
    keyIndex[i] = k;
  }
  return { bytes, offsets, keyIndex, keys };
}

/** Sends `items` in chunks of `chunkSize`; the results in item order. */
function inChunks<I, T>(
  items: readonly I[],
  chunkSize: number,
  sendChunk: (chunk: readonly I[]) => Promise<T[]>,
): Promise<T[]> {
  const chunks: Promise<T[]>[] = [];
  for (let start = 0; start < items.length; start += chunkSize) {
    const chunk = sendChunk(items.slice(start, start + chunkSize));
    chunk.catch(() => {}); // Promise.all reports the first failure; the others are expected too.
    chunks.push(chunk);
  }
  return Promise.all(chunks).then((parts) => parts.flat());
}

/**
 * Starts a pool of verification workers.
 *
 * @example
 * const pool = createVerifyPool({ threads: 2 });
 * const results = await pool.verifyBatch(items);
 * await pool.close();
 */
export function createVerifyPool(options: VerifyPoolOptions = {}): VerifyPool {
  const threads = options.threads ?? Math.max(1, availableParallelism());
  const chunkSize = options.chunkSize ?? 512;
  if (!Number.isInteger(threads) || threads < 1)
    throw new VerifyPoolError(`threads must be a positive integer, got ${threads}`);
  if (!Number.isInteger(chunkSize) || chunkSize < 1)
    throw new VerifyPoolError(`chunkSize must be a positive integer, got ${chunkSize}`);
  let nextId = 1;
  let closed = false;
  const slots: Slot[] = [];

  function spawn(index: number): Slot {
    const worker = new Worker(WORKER_URL);
    let markReady: () => void = () => {};
    let markFailed: (e: Error) => void = () => {};
    const ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      markFailed = reject;
    });
    ready.catch(() => {});
    const slot: Slot = { worker, ready, state: 'starting', pending: new Map(), load: 0 };
    worker.on('message', (message: VerifyResponse) => {
      if ('ready' in message) {
        slot.state = 'ready';
        return markReady();
      }
      const p = slot.pending.get(message.id);
      if (!p) return;
      slot.pending.delete(message.id);
      if ('results' in message) {
        slot.load -= message.results.length;
        p.resolve(message.results as never[]);
      } else if ('parsed' in message) {
        slot.load -= message.parsed.length;
        p.resolve(message.parsed as never[]);
      } else p.reject(new VerifyPoolError('a verification worker failed', { details: message.error }));
    });
    const onFailure = (error: Error) => {
      if (slot.state === 'failed') return; // 'error' is followed by 'exit'
      const wasReady = slot.state === 'ready';
      slot.state = 'failed';
      const failure = new VerifyPoolError('a verification worker stopped', {
        cause: error,
        ...(wasReady ? {} : { hint: 'the worker could not start: is tsx installed?' }),
      });
      markFailed(failure);
      failAll(slot, failure);
      void worker.terminate();
      // Replace a worker that crashed while serving; one that cannot even start would only fail again.
      if (!closed && wasReady) slots[index] = spawn(index);
    };
    worker.on('error', onFailure);
    worker.on('exit', (code) => {
      if (!closed) onFailure(new Error(`worker exited with code ${code}`));
    });
    return slot;
  }

  for (let i = 0; i < threads; i++) slots.push(spawn(i));

  function send<T>(
    count: number,
    request: (id: number) => VerifyRequest | ParseVerifyRequest,
    transfer: ArrayBuffer[] = [],
  ): Promise<T[]> {
    let slot: Slot | undefined;
    for (const s of slots) if (s.state !== 'failed' && (slot === undefined || s.load < slot.load)) slot = s;
    if (slot === undefined) return Promise.reject(new VerifyPoolError('no verification worker is running'));
    const target = slot;
    const id = nextId++;
    target.load += count;
    return new Promise<T[]>((resolve, reject) => {
      target.pending.set(id, { resolve: resolve as (results: never[]) => void, reject });
      target.worker.postMessage(request(id), transfer);
    });
  }

  return {
    threads,
    async ready() {
      await Promise.all(slots.map((s) => s.ready));
    },
    async verifyBatch(items) {
      if (closed) throw new VerifyPoolError('the verification pool is closed');
      if (items.length === 0) return [];
      return inChunks(items, chunkSize, (chunk) =>
        send<boolean>(chunk.length, (id) => ({ id, items: chunk as VerifyItem[] })),
      );
    },
    async parseAndVerifyBatch(items) {
      if (closed) throw new VerifyPoolError('the verification pool is closed');
      if (items.length === 0) return [];
      return inChunks(items, chunkSize, (chunk) => {
        const request = payloadRequest(chunk);
        return send<PayloadResult>(chunk.length, (id) => ({ id, ...request }), [
          request.bytes.buffer as ArrayBuffer,
        ]);
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      const error = new VerifyPoolError('the verification pool was closed');
      await Promise.all(
        slots.map(async (slot) => {
          failAll(slot, error);
          await slot.worker.terminate();
        }),
      );
    },
  };
}
