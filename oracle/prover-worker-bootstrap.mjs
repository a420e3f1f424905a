// Entry of a prover worker thread.
// 1. Registers tsx's ESM loader in this thread, then loads the TypeScript worker (Node 20 does not apply
//    `--import tsx` from a Worker's execArgv to the worker's own entry module).
// 2. ffjavascript imports the `web-worker` package, which, outside the main thread, takes the thread over as a
//    web-worker scope (it expects its own workerData). The prover runs snarkjs single-threaded here and never
//    starts web workers, so the module is replaced by a stub before snarkjs loads.
import { createRequire } from 'node:module';
import { register } from 'tsx/esm/api';

const require = createRequire(import.meta.url);
const webWorkerPath = require.resolve('web-worker');
function UnavailableWorker() {
  throw new Error('web workers are not available inside a prover thread: snarkjs must run single-threaded');
}
require.cache[webWorkerPath] = {
  id: webWorkerPath,
  filename: webWorkerPath,
  loaded: true,
  exports: UnavailableWorker,
  children: [],
  paths: [],
};

register();
await import('./prover-worker.ts');
