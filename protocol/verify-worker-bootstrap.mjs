// Entry of verification worker threads: registers the tsx loader, then loads the TypeScript worker.
// (A `.ts` worker entry cannot rely on `--import tsx` in Node 20: the entry is resolved before the hook.)
import { register } from 'tsx/esm/api';

register();
await import(new URL('./verify-worker.ts', import.meta.url).href);
