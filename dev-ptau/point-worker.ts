/**
 * Worker-thread entry: one {@link FixedBaseMultiplier} per thread, answering {@link PointJob}s
 * posted by {@link PointWorkerPool}. Result buffers are transferred, not copied.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FixedBaseMultiplier, type FixedBaseOptions } from './fixed-base.ts';
import type { PointJob } from './jobs.ts';

const port = parentPort;
if (!port) throw new Error('point-worker.ts must run as a worker thread');
const multiplier = await FixedBaseMultiplier.create((workerData as { options: FixedBaseOptions }).options);

port.on('message', (message: { id: number; job: PointJob }) => {
  try {
    const result = multiplier.run(message.job);
    const transfer = [result.lem.buffer, result.compressed?.buffer, result.uncompressed?.buffer].filter(
      (buffer): buffer is ArrayBuffer => buffer instanceof ArrayBuffer,
    );
    port.postMessage({ id: message.id, result }, transfer);
  } catch (error) {
    port.postMessage({
      id: message.id,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
  }
});
port.postMessage({ ready: true });
