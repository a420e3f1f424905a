import { Worker } from 'node:worker_threads';
import { BaseError } from '../../lib/errors.ts';
import type { DeviceKey, ReasonCode } from '../../protocol/index.ts';
import { FAULT_KINDS, type FleetConfig, startTsOf } from '../config.ts';
import { buildFleet, type DeviceSpec } from '../fleet.ts';
import type { FleetStats, SimMessage } from '../generator.ts';
import { loadOrCreateFleetKeys } from '../keys.ts';
import type { ShardWorkerData, ShardWorkerMessage } from './shard-worker.ts';

/** A shard worker failed. */
export class ShardWorkerError extends BaseError {
  override name = 'ShardWorkerError';
}

const WORKER_URL = new URL('./shard-worker-bootstrap.mjs', import.meta.url);

/** Options of {@link ParallelFleetGenerator}. */
export interface ParallelFleetGeneratorOptions {
  /** Worker threads, each simulating and signing a shard of the devices. */
  readonly threads: number;
  /** Device keys; default: from `config.keysFile` or derived from the seed. */
  readonly keys?: Map<string, DeviceKey>;
  /** Messages per worker batch. Default 256. */
  readonly batchSize?: number;
}

interface Shard {
  readonly worker: Worker;
  queue: SimMessage[];
  head: number;
  done: boolean;
  stats: FleetStats | undefined;
  waiting: (() => void) | undefined;
  requested: boolean;
  error: Error | undefined;
}

/**
 * The same stream as {@link FleetGenerator} (byte for byte, same order and ground truth), produced by
 * `threads` worker threads that each simulate and sign a shard of the devices (devices are independent),
 * merged by (publishTs, endOfRun, deviceIndex). For live runs of large fleets, where signing is the
 * bottleneck. `stats` is complete once the iteration ends.
 *
 * @example
 * const generator = new ParallelFleetGenerator(config, { threads: 2 });
 * for await (const message of generator) publish(message);
 */
export class ParallelFleetGenerator implements AsyncIterable<SimMessage> {
  readonly devices: readonly DeviceSpec[];
  readonly keys: Map<string, DeviceKey>;
  readonly startTs: number;
  readonly endTs: number;
  readonly stats: FleetStats;
  private readonly batchSize: number;
  private readonly threads: number;
  private started = false;

  constructor(
    readonly config: FleetConfig,
    options: ParallelFleetGeneratorOptions,
  ) {
    if (!Number.isInteger(options.threads) || options.threads < 1) {
      throw new ShardWorkerError(`threads must be a positive integer, got ${options.threads}`);
    }
    this.devices = buildFleet(config);
    this.keys = options.keys ?? loadOrCreateFleetKeys(config.seed, this.devices, config.keysFile);
    this.startTs = startTsOf(config);
    this.endTs = this.startTs + config.durationS;
    this.threads = Math.min(options.threads, Math.max(1, this.devices.length));
    this.batchSize = options.batchSize ?? 256;
    this.stats = emptyStats();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<SimMessage> {
    if (this.started) throw new ShardWorkerError('a ParallelFleetGenerator can be iterated once');
    this.started = true;
    const keys = this.devices.map((d) => this.keys.get(d.deviceId)!);
    const shards: Shard[] = [];
    for (let index = 0; index < this.threads; index++) {
      const data: ShardWorkerData = {
        config: this.config,
        keys: keys.filter((_k, i) => i % this.threads === index),
        shard: { index, count: this.threads },
        batchSize: this.batchSize,
      };
      shards.push(this.spawn(data));
    }
    try {
      let index = 0;
      for (;;) {
        // Every unfinished shard must show its next message before the smallest can be chosen.
        for (const shard of shards) {
          while (shard.head >= shard.queue.length && !shard.done) await this.fill(shard);
          if (shard.queue.length - shard.head < 2 * this.batchSize) this.request(shard);
        }
        let best: Shard | undefined;
        for (const shard of shards) {
          if (shard.head >= shard.queue.length) continue;
          if (best === undefined || before(shard.queue[shard.head]!, best.queue[best.head]!)) best = shard;
        }
        if (best === undefined) break;
        const message = best.queue[best.head++]!;
        if (best.head > 4096) {
          best.queue = best.queue.slice(best.head);
          best.head = 0;
        }
        yield { ...message, index: index++ };
      }
      for (const shard of shards) addStats(this.stats, shard.stats!);
    } finally {
      await Promise.all(shards.map((s) => s.worker.terminate()));
    }
  }

  private spawn(data: ShardWorkerData): Shard {
    const worker = new Worker(WORKER_URL, { workerData: data });
    const shard: Shard = {
      worker,
      queue: [],
      head: 0,
      done: false,
      stats: undefined,
      waiting: undefined,
      requested: false,
      error: undefined,
    };
    const wake = () => {
      const resolve = shard.waiting;
      shard.waiting = undefined;
      resolve?.();
    };
    worker.on('message', (message: ShardWorkerMessage) => {
      if (message.type === 'batch') {
        shard.requested = false;
        shard.queue.push(...message.messages);
      } else if (message.type === 'done') {
        shard.requested = false;
        shard.done = true;
        shard.stats = message.stats;
      } else {
        shard.error = new ShardWorkerError('a simulator shard worker failed', { details: message.error });
        shard.done = true;
      }
      wake();
    });
    worker.on('error', (error) => {
      shard.error = new ShardWorkerError('a simulator shard worker stopped', { cause: error });
      shard.done = true;
      wake();
    });
    this.request(shard);
    return shard;
  }

  private request(shard: Shard): void {
    if (shard.requested || shard.done) return;
    shard.requested = true;
    shard.worker.postMessage({ type: 'pull' });
  }

  private async fill(shard: Shard): Promise<void> {
    this.request(shard);
    await new Promise<void>((resolve) => {
      shard.waiting = resolve;
    });
    if (shard.error) throw shard.error;
  }
}

/** Stream order of the unsharded generator. */
function before(a: SimMessage, b: SimMessage): boolean {
  if (a.publishTs !== b.publishTs) return a.publishTs < b.publishTs;
  if (a.endOfRun !== b.endOfRun) return !a.endOfRun;
  return a.deviceIndex < b.deviceIndex;
}

function emptyStats(): FleetStats {
  return {
    devices: { ev: 0, pv: 0 },
    readings: { ev: 0, pv: 0 },
    messages: 0,
    faults: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as FleetStats['faults'],
    offlineSkippedReadings: 0,
    expected: { accepted: 0, duplicate: 0, rejected: {} },
    meteredEnergyWh: { ev: 0n, pv: 0n },
    meteredRevenueMinor: { ev: 0n, pv: 0n },
    acceptedEnergyWh: 0n,
    acceptedRevenueMinor: 0n,
  };
}

function addStats(total: FleetStats, part: FleetStats): void {
  for (const kind of ['ev', 'pv'] as const) {
    total.devices[kind] += part.devices[kind];
    total.readings[kind] += part.readings[kind];
    total.meteredEnergyWh[kind] += part.meteredEnergyWh[kind];
    total.meteredRevenueMinor[kind] += part.meteredRevenueMinor[kind];
  }
  total.messages += part.messages;
  for (const kind of FAULT_KINDS) total.faults[kind] += part.faults[kind];
  total.offlineSkippedReadings += part.offlineSkippedReadings;
  total.expected.accepted += part.expected.accepted;
  total.expected.duplicate += part.expected.duplicate;
  for (const [reason, n] of Object.entries(part.expected.rejected) as Array<[ReasonCode, number]>) {
    total.expected.rejected[reason] = (total.expected.rejected[reason] ?? 0) + n;
  }
  total.acceptedEnergyWh += part.acceptedEnergyWh;
  total.acceptedRevenueMinor += part.acceptedRevenueMinor;
}
