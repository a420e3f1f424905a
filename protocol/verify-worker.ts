/** Worker thread of the verification pool: verifies (or parses and verifies) the batches it receives. */
import { parentPort } from 'node:worker_threads';
import { kernel } from './crypto/wasm/kernel.ts';
import type { PublicKey } from './types.ts';
import { type VerifyItem, verifyBatch } from './verify-batch.ts';
import { type PayloadItem, type PayloadResult, parseAndVerifyBatch } from './verify-payloads.ts';

/** Message to a worker: readings to verify. */
export interface VerifyRequest {
  id: number;
  items: VerifyItem[];
}

/**
 * Message to a worker: raw payloads to parse and verify. Payload i is
 * `bytes[offsets[i] .. offsets[i + 1])` (one transferred buffer for the whole chunk); its key is
 * `keys[keyIndex[i]]`, or none when `keyIndex[i]` is -1.
 */
export interface ParseVerifyRequest {
  id: number;
  bytes: Uint8Array;
  offsets: Uint32Array;
  keyIndex: Int32Array;
  keys: PublicKey[];
}

/** Message from a worker. */
export type VerifyResponse =
  | { id: number; results: boolean[] }
  | { id: number; parsed: PayloadResult[] }
  | { id: number; error: string }
  | { ready: true };

function handle(request: VerifyRequest | ParseVerifyRequest): VerifyResponse {
  if ('items' in request) return { id: request.id, results: verifyBatch(request.items) };
  const { bytes, offsets, keyIndex, keys } = request;
  const items: PayloadItem[] = new Array(keyIndex.length);
  for (let i = 0; i < keyIndex.length; i++) {
    const k = keyIndex[i]!;
    items[i] = {
      payload: bytes.subarray(offsets[i]!, offsets[i + 1]!),
      publicKey: k < 0 ? undefined : keys[k],
    };
  }
  return { id: request.id, parsed: parseAndVerifyBatch(items) };
}

if (!parentPort) throw new Error('verify-worker.ts must run in a worker thread');
const port = parentPort;
kernel(); // build the kernel and its tables before the first batch
port.on('message', (request: VerifyRequest | ParseVerifyRequest) => {
  let response: VerifyResponse;
  try {
    response = handle(request);
  } catch (error) {
    response = { id: request.id, error: String((error as Error)?.stack ?? error) };
  }
  port.postMessage(response);
});
port.postMessage({ ready: true } satisfies VerifyResponse);
