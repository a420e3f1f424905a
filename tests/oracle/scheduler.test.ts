import { describe, expect, it } from 'vitest';
import type { Clock } from '../../oracle/clock.ts';
import { epochBounds, lastClosableEpoch, type PoolSchedule } from '../../oracle/epochs.ts';
import { OracleConfigError } from '../../oracle/errors.ts';
import { createEpochScheduler, type SchedulerEvent } from '../../oracle/scheduler.ts';
import { waitFor } from '../support/wait.ts';

function manualClock(startS: number): Clock & { set(s: number): void } {
  let nowS = startS;
  return {
    nowS: () => nowS,
    set: (s) => {
      nowS = s;
    },
  };
}

/** A stand-in epoch job that finalises in memory, so the scheduler's ordering can be observed. */
function memoryJobs(failOn?: { poolId: number; epoch: number; times: number }) {
  const finalised = new Map<number, number>();
  const runs: string[] = [];
  let failuresLeft = failOn?.times ?? 0;
  return {
    runs,
    finalised,
    nextEpoch: async (poolId: number) => (finalised.get(poolId) ?? 0) + 1,
    runEpoch: async (pool: PoolSchedule, epoch: number) => {
      runs.push(`${pool.poolId}:${epoch}`);
      if (failOn && failOn.poolId === pool.poolId && failOn.epoch === epoch && failuresLeft > 0) {
        failuresLeft--;
        throw new Error('injected failure');
      }
      finalised.set(pool.poolId, epoch);
    },
  };
}

describe('epoch math', () => {
  const pool = { poolId: 1, genesisTs: 1000, epochLengthS: 60 };
  it('gives the half-open bounds of SPEC section 5', () => {
    expect(epochBounds(pool, 1)).toEqual({ epoch: 1, startTs: 1000, endTs: 1060 });
    expect(epochBounds(pool, 3)).toEqual({ epoch: 3, startTs: 1120, endTs: 1180 });
  });
  it('closes an epoch only once its end plus the grace period has passed', () => {
    expect(lastClosableEpoch(pool, 1064, 5)).toBe(0);
    expect(lastClosableEpoch(pool, 1065, 5)).toBe(1);
    expect(lastClosableEpoch(pool, 1184, 5)).toBe(2);
    expect(lastClosableEpoch(pool, 1185, 5)).toBe(3);
    expect(lastClosableEpoch(pool, 500, 0)).toBe(0);
  });
  it('rejects epoch 0 and a non-positive epoch length', () => {
    expect(() => epochBounds(pool, 0)).toThrow(OracleConfigError);
    expect(() => epochBounds({ ...pool, epochLengthS: 0 }, 1)).toThrow(/epochLengthS/);
  });
});

describe('createEpochScheduler', () => {
  const pools = [
    { poolId: 1, genesisTs: 1000, epochLengthS: 60 },
    { poolId: 2, genesisTs: 1030, epochLengthS: 120 },
  ];

  it('does nothing before the first epoch end plus grace', async () => {
    const clock = manualClock(1000 + 60 + 9);
    const jobs = memoryJobs();
    const scheduler = createEpochScheduler({ pools: () => pools, ...jobs, clock, graceS: 10 });
    await scheduler.tick();
    expect(jobs.runs).toEqual([]);
    clock.set(1070);
    await scheduler.tick();
    expect(jobs.runs).toEqual(['1:1']);
  });

  it('catches up on every missed epoch in order after downtime, then waits for the current one', async () => {
    const clock = manualClock(1000 + 5 * 60 + 10);
    const jobs = memoryJobs();
    const events: SchedulerEvent[] = [];
    const scheduler = createEpochScheduler({
      pools: () => pools,
      ...jobs,
      clock,
      graceS: 10,
      onEvent: (e) => events.push(e),
    });
    await scheduler.tick();
    expect(jobs.runs.filter((r) => r.startsWith('1:'))).toEqual(['1:1', '1:2', '1:3', '1:4', '1:5']);
    // pool 2: epochs end at 1150, 1270 (+10 grace): only 2 closable at 1310
    expect(jobs.runs.filter((r) => r.startsWith('2:'))).toEqual(['2:1', '2:2']);
    const started = events.filter((e) => e.type === 'epoch:started' && e.poolId === 1);
    expect(started.map((e) => (e as { catchUp: boolean }).catchUp)).toEqual([true, true, true, true, false]);
    await scheduler.tick();
    expect(jobs.runs).toHaveLength(7);
  });

  it('stops a pool at a failed epoch, keeps the other pools going and retries at the next tick', async () => {
    const clock = manualClock(1000 + 4 * 60 + 10);
    const jobs = memoryJobs({ poolId: 1, epoch: 2, times: 1 });
    const events: SchedulerEvent[] = [];
    const scheduler = createEpochScheduler({
      pools: () => pools,
      ...jobs,
      clock,
      graceS: 10,
      onEvent: (e) => events.push(e),
    });
    await scheduler.tick();
    expect(jobs.runs.filter((r) => r.startsWith('1:'))).toEqual(['1:1', '1:2']);
    expect(jobs.finalised.get(2)).toBe(1);
    expect(events.some((e) => e.type === 'epoch:failed' && e.epoch === 2)).toBe(true);
    await scheduler.tick();
    expect(jobs.runs.filter((r) => r.startsWith('1:'))).toEqual(['1:1', '1:2', '1:2', '1:3', '1:4']);
  });

  it('never spins on an epoch that the job did not finalise', async () => {
    const clock = manualClock(2000);
    let calls = 0;
    const events: SchedulerEvent[] = [];
    const scheduler = createEpochScheduler({
      pools: () => [pools[0]!],
      nextEpoch: async () => 1,
      runEpoch: async () => void calls++,
      clock,
      onEvent: (e) => events.push(e),
    });
    await scheduler.tick();
    expect(calls).toBe(1);
    expect(events.at(-1)).toEqual({ type: 'epoch:stalled', poolId: 1, epoch: 1 });
  });

  it('shares one run between concurrent ticks', async () => {
    const clock = manualClock(1000 + 60 + 10);
    const jobs = memoryJobs();
    const scheduler = createEpochScheduler({ pools: () => [pools[0]!], ...jobs, clock, graceS: 10 });
    await Promise.all([scheduler.tick(), scheduler.tick()]);
    expect(jobs.runs).toEqual(['1:1']);
  });

  it('rejects an invalid cron expression and a negative grace period', () => {
    const jobs = memoryJobs();
    expect(() =>
      createEpochScheduler({ pools: () => pools, ...jobs, cronExpression: 'every minute' }),
    ).toThrow(OracleConfigError);
    expect(() => createEpochScheduler({ pools: () => pools, ...jobs, graceS: -1 })).toThrow(/graceS/);
  });

  it('closes epochs of a few seconds on the wall clock through node-cron', async () => {
    const nowS = Math.floor(Date.now() / 1000);
    const pool = { poolId: 7, genesisTs: nowS - 4, epochLengthS: 2 };
    const jobs = memoryJobs();
    const scheduler = createEpochScheduler({
      pools: () => [pool],
      ...jobs,
      graceS: 1,
      cronExpression: '* * * * * *',
    });
    scheduler.start();
    // at start epoch 1 was closable (ended 2 s ago, grace 1 s); about 3 s later at least one more closes
    await waitFor(() => (jobs.finalised.get(7) ?? 0) >= 2, 'a second epoch closed by the cron job', {
      timeoutMs: 3_500,
    });
    await scheduler.stop();
    const done = jobs.finalised.get(7) ?? 0;
    expect(done).toBeGreaterThanOrEqual(2);
    expect(jobs.runs).toEqual(Array.from({ length: done }, (_, i) => `7:${i + 1}`));
  });
});
