import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Groth16Proof } from '../circuits/proving/prove.ts';
import { type Logger, silentLogger } from '../lib/log.ts';
import { OracleConfigError, ProvingError } from './errors.ts';
import type { ProveRequest, WorkerMessage } from './prover-worker.ts';

/** One proving job: the circuit's input signals and its artifacts. */
export interface ProveJob {
  /** Names the job in progress reports (e.g. `pool 1 epoch 3 batch 2`). */
  label: string;
  input: Record<string, unknown>;
  wasmPath: string;
  zkeyPath: string;
}

/** A finished proof with its timings. */
export interface ProveResult {
  proof: Groth16Proof;
  publicSignals: string[];
  witnessMs: number;
  proveMs: number;
}

/** Progress of a long run. */
export type ProverProgress =
  | { type: 'started'; label: string; running: number; queued: number }
  | { type: 'stage'; label: string; stage: string; elapsedMs: number }
  | { type: 'finished'; label: string; elapsedMs: number; done: number; failed: number; queued: number };

/** Options of {@link createProverPool}. */
export interface ProverPoolOptions {
  /**
   * Proofs computed in parallel, each in its own worker thread running snarkjs single-threaded (the pool provides
   * the parallelism). Default: the number of cores.
   */
  concurrency?: number;
  onProgress?: (progress: ProverProgress) => void;
  /** Logger (the pool logs under `component: 'prover-pool'`). Default: silent. */
  logger?: Logger;
}

/** A pool of snarkjs prover workers; see {@link createProverPool}. */
export interface ProverPool {
  prove(job: ProveJob): Promise<ProveResult>;
  /** Proves every job, at most `concurrency` at a time, keeping the order of the results. */
  proveAll(jobs: readonly ProveJob[]): Promise<ProveResult[]>;
  /** Highest resident set size of the process seen while proving, in bytes. */
  peakRssBytes(): number;
  close(): Promise<void>;
}

interface Pending {
  job: ProveJob;
  id: number;
  resolve: (result: ProveResult) => void;
  reject: (error: unknown) => void;
}

const WORKER_URL = new URL('./prover-worker-bootstrap.mjs', import.meta.url);

/**
 * Creates a pool of worker threads proving Groth16 batches with snarkjs, at most `concurrency` at once, queueing
 * the rest, and reporting progress (snarkjs's own stages) for long runs. Workers start lazily and are reused.
 *
 * @example
 * const pool = createProverPool({ concurrency: 2, onProgress: (p) => console.log(p) });
 * const { proof, publicSignals } = await pool.prove({ label: 'batch 0', input, wasmPath, zkeyPath });
 * await pool.close();
 */
export function createProverPool(options: ProverPoolOptions = {}): ProverPool {
  const concurrency = options.concurrency ?? availableParallelism();
  if (
    !Number.isSafeInteger(concurrency) ||
    concurrency < 1 ||
    concurrency > Math.max(64, availableParallelism())
  )
    throw new OracleConfigError(`prover concurrency ${concurrency} is not between 1 and 64`);
  const emit = (p: ProverProgress) => options.onProgress?.(p);
  const log = (options.logger ?? silentLogger()).child({ component: 'prover-pool' });
  const idle: Worker[] = [];
  const workers = new Set<Worker>();
  const queue: Pending[] = [];
  const running = new Map<Worker, Pending & { startedMs: number }>();
  let nextId = 1;
  let done = 0;
  let failed = 0;
  let peakRss = process.memoryUsage.rss();
  let closed = false;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 200);
  sampler.unref();

  function spawn(): Worker {
    const worker = new Worker(WORKER_URL);
    workers.add(worker);
    worker.on('message', (message: WorkerMessage) => {
      const current = running.get(worker);
      if (!current || message.id !== current.id) return;
      if (message.type === 'progress') {
        emit({
          type: 'stage',
          label: current.job.label,
          stage: message.stage,
          elapsedMs: Date.now() - current.startedMs,
        });
        return;
      }
      running.delete(worker);
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
      if (message.type === 'done') {
        done++;
        log.info(
          {
            label: current.job.label,
            witnessMs: message.witnessMs,
            proveMs: message.proveMs,
            queued: queue.length,
          },
          'proof made',
        );
        current.resolve({
          proof: message.proof as Groth16Proof,
          publicSignals: message.publicSignals,
          witnessMs: message.witnessMs,
          proveMs: message.proveMs,
        });
      } else {
        failed++;
        log.error({ label: current.job.label, details: message.message }, 'proof failed');
        current.reject(
          new ProvingError(`proving ${current.job.label} failed`, {
            details: message.message,
            hint: 'a witness failure means the inputs break a circuit rule; check them with the reference model',
          }),
        );
      }
      emit({
        type: 'finished',
        label: current.job.label,
        elapsedMs: Date.now() - current.startedMs,
        done,
        failed,
        queued: queue.length,
      });
      idle.push(worker);
      dispatch();
    });
    worker.on('error', (error) => {
      const current = running.get(worker);
      running.delete(worker);
      workers.delete(worker);
      log.error({ label: current?.job.label, err: error }, 'prover worker crashed');
      if (current) {
        failed++;
        current.reject(new ProvingError(`prover worker crashed on ${current.job.label}`, { cause: error }));
      }
      dispatch();
    });
    worker.on('exit', () => {
      workers.delete(worker);
      const current = running.get(worker);
      if (current) {
        running.delete(worker);
        current.reject(new ProvingError(`prover worker exited while proving ${current.job.label}`));
      }
    });
    return worker;
  }

  function dispatch(): void {
    while (queue.length > 0 && !closed) {
      let worker = idle.pop();
      if (!worker) {
        if (workers.size >= concurrency) return;
        worker = spawn();
      }
      const pending = queue.shift()!;
      running.set(worker, { ...pending, startedMs: Date.now() });
      emit({ type: 'started', label: pending.job.label, running: running.size, queued: queue.length });
      log.debug({ label: pending.job.label, running: running.size, queued: queue.length }, 'proof started');
      const request: ProveRequest = {
        id: pending.id,
        input: pending.job.input,
        wasmPath: pending.job.wasmPath,
        zkeyPath: pending.job.zkeyPath,
      };
      worker.postMessage(request);
    }
  }

  const pool: ProverPool = {
    prove(job) {
      if (closed) return Promise.reject(new ProvingError('the prover pool is closed'));
      return new Promise<ProveResult>((resolve, reject) => {
        queue.push({ job, id: nextId++, resolve, reject });
        dispatch();
      });
    },
    proveAll(jobs) {
      return Promise.all(jobs.map((job) => pool.prove(job)));
    },
    peakRssBytes: () => peakRss,
    async close() {
      closed = true;
      clearInterval(sampler);
      for (const pending of queue.splice(0)) pending.reject(new ProvingError('the prover pool was closed'));
      await Promise.all([...workers].map((w) => w.terminate()));
    },
  };
  return pool;
}
