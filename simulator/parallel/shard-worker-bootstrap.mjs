// Entry of simulator shard worker threads: registers the tsx loader, then loads the TypeScript worker,
// so the workers run under tsx, `node --import tsx` and vitest alike.
import { register } from 'tsx/esm/api';

register();
await import(new URL('./shard-worker.ts', import.meta.url).href);
