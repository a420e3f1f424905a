import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PtauGenerationError } from './errors.ts';
import type { FixedBaseOptions } from './fixed-base.ts';
import type { PointJob, PointJobResult } from './jobs.ts';

/**
 * ffjavascript imports the `web-worker` package, which assumes that every worker thread importing
 * it was started by itself and loads `workerData.mod`: give it an empty module to load.
 */
const WEB_WORKER_SHIM_DATA = { mod: 'data:text/javascript,', type: 'module' };

type Pending = { resolve: (result: PointJobResult) => void; reject: (error: Error) => void };
type Slot = { worker: Worker; busy: boolean };

/**
 * A fixed set of worker threads running `point-worker.ts` (loaded through tsx), each with its own
 * wasm instance and window tables. Jobs queue and go to the first idle worker.
 *
 * @example
 * const pool = await PointWorkerPool.start(2);
 * const { lem } = await pool.run({ kind: 'powers', group: 'G1', start: 0, count: 8, tau: 5n, factor: 1n, withEncodings: false });
 * await pool.close();
 */
export class PointWorkerPool {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly queue: { id: number; job: PointJob }[] = [];
  private nextId = 0;
  private failure: Error | undefined;

  private constructor() {}

  /** Starts `threadCount` workers and waits until each has instantiated its wasm module. */
  static async start(threadCount: number, options: FixedBaseOptions = {}): Promise<PointWorkerPool> {
    const pool = new PointWorkerPool();
    const ready: Promise<void>[] = [];
    for (let i = 0; i < threadCount; i++) {
      const worker = new Worker(workerBootstrap(), {
        eval: true,
        workerData: { ...WEB_WORKER_SHIM_DATA, options },
      });
      const slot: Slot = { worker, busy: true };
      pool.slots.push(slot);
      ready.push(
        new Promise((resolve, reject) => {
          worker.once('message', () => resolve());
          worker.once('error', reject);
        }),
      );
      worker.on('error', (error) => pool.fail(error));
      worker.on('exit', (code) => {
        if (code !== 0) pool.fail(new Error(`worker thread exited with code ${code}`));
      });
    }
    await Promise.all(ready);
    for (const slot of pool.slots) {
      slot.busy = false;
      slot.worker.on('message', (message: { id: number; result?: PointJobResult; error?: string }) => {
        pool.settle(slot, message);
      });
    }
    return pool;
  }

  /** Number of worker threads. */
  get size(): number {
    return this.slots.length;
  }

  /** Queues one job; resolves with its points. */
  run(job: PointJob): Promise<PointJobResult> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const promise = new Promise<PointJobResult>((resolve, reject) =>
      this.pending.set(id, { resolve, reject }),
    );
    this.queue.push({ id, job });
    this.dispatch();
    return promise;
  }

  /** Terminates every worker. */
  async close(): Promise<void> {
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (slot.busy) continue;
      const next = this.queue.shift();
      if (!next) return;
      slot.busy = true;
      slot.worker.postMessage(next);
    }
  }

  private settle(slot: Slot, message: { id: number; result?: PointJobResult; error?: string }): void {
    slot.busy = false;
    const pending = this.pending.get(message.id);
    this.pending.delete(message.id);
    if (pending) {
      if (message.result) pending.resolve(message.result);
      else pending.reject(new PtauGenerationError('a fixed-base worker failed', { details: message.error }));
    }
    this.dispatch();
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = new PtauGenerationError('a fixed-base worker thread crashed', {
      details: error.message,
      cause: error,
    });
    for (const pending of this.pending.values()) pending.reject(this.failure);
    this.pending.clear();
  }
}

/**
 * Source of the worker entry: registers tsx's ESM loader inside the thread, then imports
 * `point-worker.ts`. (On Node 20, `execArgv: ['--import', 'tsx']` does not reach worker threads.)
 */
function workerBootstrap(): string {
  const tsxDirectory = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const tsxApi = pathToFileURL(join(tsxDirectory, 'dist/esm/api/index.mjs')).href;
  const entry = new URL('./point-worker.ts', import.meta.url).href;
  return `import(${JSON.stringify(tsxApi)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`;
}
