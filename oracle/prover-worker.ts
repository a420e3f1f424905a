/**
 * Worker thread of the prover pool: proves one batch at a time with snarkjs (witness from the circuit's wasm,
 * then Groth16 with the zkey) and reports progress from snarkjs's logger.
 */
import { parentPort } from 'node:worker_threads';
import * as snarkjs from 'snarkjs';

export interface ProveRequest {
  id: number;
  input: Record<string, unknown>;
  wasmPath: string;
  zkeyPath: string;
}
export type WorkerMessage =
  | { id: number; type: 'progress'; stage: string }
  | { id: number; type: 'done'; proof: unknown; publicSignals: string[]; witnessMs: number; proveMs: number }
  | { id: number; type: 'failed'; message: string; stack: string | undefined };

const port = parentPort!;

port.on('message', async (request: ProveRequest) => {
  const { id } = request;
  const logger = {
    debug: (stage: string) => port.postMessage({ id, type: 'progress', stage } satisfies WorkerMessage),
    info: (stage: string) => port.postMessage({ id, type: 'progress', stage } satisfies WorkerMessage),
    warn: () => undefined,
    error: () => undefined,
  };
  try {
    const startedMs = Date.now();
    const witness = { type: 'mem' } as { type: 'mem'; data?: Uint8Array };
    port.postMessage({ id, type: 'progress', stage: 'witness' } satisfies WorkerMessage);
    await snarkjs.wtns.calculate(request.input, request.wasmPath, witness);
    const witnessMs = Date.now() - startedMs;
    port.postMessage({ id, type: 'progress', stage: 'prove' } satisfies WorkerMessage);
    // ffjavascript cannot start its own threads from inside a worker thread: one thread per proof.
    const { proof, publicSignals } = await snarkjs.groth16.prove(request.zkeyPath, witness, logger, {
      singleThread: true,
    });
    port.postMessage({
      id,
      type: 'done',
      proof,
      publicSignals,
      witnessMs,
      proveMs: Date.now() - startedMs - witnessMs,
    } satisfies WorkerMessage);
  } catch (error) {
    port.postMessage({
      id,
      type: 'failed',
      message: error instanceof Error ? error.message : String(error),
      stack: error instanceof Error ? error.stack : undefined,
    } satisfies WorkerMessage);
  }
});
