import { parentPort, workerData } from 'node:worker_threads';
import type { DeviceKey } from '../../protocol/index.ts';
import type { FleetConfig } from '../config.ts';
import { FleetGenerator, type FleetStats, type SimMessage } from '../generator.ts';

/** Data a shard worker starts with. */
export interface ShardWorkerData {
  readonly config: FleetConfig;
  readonly keys: readonly DeviceKey[];
  readonly shard: { readonly index: number; readonly count: number };
  readonly batchSize: number;
}

/** Messages from a shard worker. */
export type ShardWorkerMessage =
  | { readonly type: 'batch'; readonly messages: SimMessage[] }
  | { readonly type: 'done'; readonly stats: FleetStats }
  | { readonly type: 'error'; readonly error: string };

/** Requests to a shard worker: produce the next batch. */
export type ShardWorkerRequest = { readonly type: 'pull' };

const port = parentPort;
if (port === null) throw new Error('shard-worker.ts must run in a worker thread');
const data = workerData as ShardWorkerData;

try {
  const generator = new FleetGenerator(data.config, {
    keys: new Map(data.keys.map((k) => [k.deviceId, k])),
    shard: data.shard,
  });
  const iterator = generator[Symbol.iterator]();
  port.on('message', (_request: ShardWorkerRequest) => {
    try {
      const messages: SimMessage[] = [];
      for (let next = iterator.next(); ; next = iterator.next()) {
        if (next.done) {
          if (messages.length > 0) port.postMessage({ type: 'batch', messages } satisfies ShardWorkerMessage);
          port.postMessage({ type: 'done', stats: generator.stats } satisfies ShardWorkerMessage);
          return;
        }
        messages.push(next.value);
        if (messages.length >= data.batchSize) break;
      }
      port.postMessage({ type: 'batch', messages } satisfies ShardWorkerMessage);
    } catch (error) {
      port.postMessage({
        type: 'error',
        error: String((error as Error)?.stack ?? error),
      } satisfies ShardWorkerMessage);
    }
  });
} catch (error) {
  port.postMessage({
    type: 'error',
    error: String((error as Error)?.stack ?? error),
  } satisfies ShardWorkerMessage);
}
