import { createTask, type ScheduledTask, validate } from 'node-cron';
import { type Logger, silentLogger } from '../lib/log.ts';
import { type Clock, systemClock } from './clock.ts';
import { lastClosableEpoch, type PoolSchedule } from './epochs.ts';
import { OracleConfigError } from './errors.ts';

/** What the scheduler reports while it works. */
export type SchedulerEvent =
  | { type: 'epoch:started'; poolId: number; epoch: number; catchUp: boolean }
  | { type: 'epoch:finished'; poolId: number; epoch: number; elapsedMs: number }
  | { type: 'epoch:failed'; poolId: number; epoch: number; error: unknown }
  | { type: 'epoch:stalled'; poolId: number; epoch: number };

/** Options of {@link createEpochScheduler}. */
export interface EpochSchedulerOptions {
  /** The pools to serve, read at every tick (pools registered later are picked up). */
  pools: () => Promise<readonly PoolSchedule[]> | readonly PoolSchedule[];
  /** First epoch of `poolId` not finalised yet (from the durable job store, checked against the chain). */
  nextEpoch: (poolId: number) => Promise<number>;
  /** Closes, proves, posts and finalises one epoch; resumes a half-done one. */
  runEpoch: (pool: PoolSchedule, epoch: number) => Promise<void>;
  /** Time source. Default: the wall clock. */
  clock?: Clock;
  /** Seconds after an epoch's end during which late readings are still awaited. Default 60. */
  graceS?: number;
  /**
   * node-cron expression (6 fields with seconds, or 5) of the ticks at which epochs are checked.
   * Default every 10 seconds: a tick only closes epochs whose end + grace has passed, so the expression sets the
   * reaction time, not the epoch length.
   */
  cronExpression?: string;
  /** Receives progress and failures (a programmatic hook; the logger logs them too). */
  onEvent?: (event: SchedulerEvent) => void;
  /** Logger (the scheduler logs under `component: 'scheduler'`). Default: silent. */
  logger?: Logger;
}

/** A running scheduler. */
export interface EpochScheduler {
  /** Runs one check now: every closable epoch of every pool, oldest first. Concurrent calls share one run. */
  tick(): Promise<void>;
  /** Starts the cron task. */
  start(): void;
  /** Stops the cron task and waits for the epoch being processed, if any. */
  stop(): Promise<void>;
}

/**
 * Schedules epoch closing per pool. At every tick, for each pool, it runs every epoch whose end plus the grace
 * period has passed, in order, starting at the pool's first unfinalised epoch: after downtime it catches up on
 * every missed epoch before the current one. Pools proceed independently; a failed epoch stops its pool until the
 * next tick (the epoch job resumes from its durable stages).
 *
 * @example
 * const scheduler = createEpochScheduler({ pools: () => registry.pools(), nextEpoch, runEpoch, graceS: 120 });
 * scheduler.start();
 * // ...
 * await scheduler.stop();
 */
export function createEpochScheduler(options: EpochSchedulerOptions): EpochScheduler {
  const clock = options.clock ?? systemClock;
  const graceS = options.graceS ?? 60;
  const cronExpression = options.cronExpression ?? '*/10 * * * * *';
  if (!Number.isSafeInteger(graceS) || graceS < 0)
    throw new OracleConfigError(`graceS ${graceS} is not a non-negative integer`);
  if (!validate(cronExpression))
    throw new OracleConfigError(`cron expression "${cronExpression}" is invalid`, {
      hint: 'use node-cron syntax, e.g. "*/10 * * * * *" (every 10 s) or "*/5 * * * *" (every 5 min)',
    });
  const log = (options.logger ?? silentLogger()).child({ component: 'scheduler' });
  const emit = (event: SchedulerEvent) => {
    logEvent(log, event);
    options.onEvent?.(event);
  };
  let running: Promise<void> | undefined;
  let stopped = false;
  let task: ScheduledTask | undefined;

  async function servePool(pool: PoolSchedule): Promise<void> {
    let epoch = await options.nextEpoch(pool.poolId);
    while (!stopped) {
      const closable = lastClosableEpoch(pool, clock.nowS(), graceS);
      if (epoch > closable) return;
      emit({ type: 'epoch:started', poolId: pool.poolId, epoch, catchUp: epoch < closable });
      const startedMs = Date.now();
      try {
        await options.runEpoch(pool, epoch);
      } catch (error) {
        emit({ type: 'epoch:failed', poolId: pool.poolId, epoch, error });
        return;
      }
      emit({ type: 'epoch:finished', poolId: pool.poolId, epoch, elapsedMs: Date.now() - startedMs });
      const next = await options.nextEpoch(pool.poolId);
      if (next <= epoch) {
        // The job returned without finalising: never spin on it; the next tick retries.
        emit({ type: 'epoch:stalled', poolId: pool.poolId, epoch });
        return;
      }
      epoch = next;
    }
  }

  async function runOnce(): Promise<void> {
    const pools = await options.pools();
    await Promise.all(pools.map((pool) => servePool(pool)));
  }

  function tick(): Promise<void> {
    if (running) return running;
    running = runOnce().finally(() => {
      running = undefined;
    });
    return running;
  }

  return {
    tick,
    start() {
      stopped = false;
      if (task) return;
      task = createTask(
        cronExpression,
        async () => {
          try {
            await tick();
          } catch (error) {
            emit({ type: 'epoch:failed', poolId: 0, epoch: 0, error });
          }
        },
        // tick() itself joins a check in progress, so overlapping cron firings are harmless (and need no warning)
        { noOverlap: false, name: 'oracle-epochs' },
      );
      task.start();
    },
    async stop() {
      stopped = true;
      if (task) {
        await task.stop();
        await task.destroy();
        task = undefined;
      }
      if (running) await running.catch(() => undefined);
    },
  };
}

/** One log line per scheduler event. */
function logEvent(log: Logger, event: SchedulerEvent): void {
  const { poolId, epoch } = event;
  switch (event.type) {
    case 'epoch:started':
      log.info({ poolId, epoch, catchUp: event.catchUp }, 'epoch closed; running its job');
      return;
    case 'epoch:finished':
      log.info({ poolId, epoch, elapsedMs: event.elapsedMs }, 'epoch job finished');
      return;
    case 'epoch:failed':
      log.error({ poolId, epoch, err: event.error }, 'epoch job failed; retried at the next tick');
      return;
    case 'epoch:stalled':
      log.warn({ poolId, epoch }, 'epoch job returned without finalising; retried at the next tick');
      return;
  }
}
