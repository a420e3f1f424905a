/** Worker thread of the verification pool: verifies the batches it receives. */
import { parentPort } from 'node:worker_threads';
import { kernel } from './crypto/wasm/kernel.ts';
import { type VerifyItem, verifyBatch } from './verify-batch.ts';

/** Message to a worker. */
export interface VerifyRequest {
  id: number;
  items: VerifyItem[];
}
/** Message from a worker. */
export type VerifyResponse =
  | { id: number; results: boolean[] }
  | { id: number; error: string }
  | { ready: true };

if (!parentPort) throw new Error('verify-worker.ts must run in a worker thread');
const port = parentPort;
kernel(); // build the kernel and its tables before the first batch
port.on('message', (request: VerifyRequest) => {
  try {
    port.postMessage({ id: request.id, results: verifyBatch(request.items) } satisfies VerifyResponse);
  } catch (error) {
    port.postMessage({
      id: request.id,
      error: String((error as Error)?.stack ?? error),
    } satisfies VerifyResponse);
  }
});
port.postMessage({ ready: true } satisfies VerifyResponse);
