import { describe, expect, it } from 'vitest';
import { backoffDelayMs, retry } from '../../lib/retry.ts';

const noJitter = { minDelayMs: 10, maxDelayMs: 35, factor: 2, jitter: 0 };

describe('retry', () => {
  it('retries until success and waits the exponential delays in between', async () => {
    const delays: number[] = [];
    const attempts: number[] = [];
    const started = Date.now();
    const result = await retry(
      async (attempt) => {
        attempts.push(attempt);
        if (attempt < 4) throw new Error(`fail ${attempt}`);
        return 'ok';
      },
      { maxAttempts: 5, ...noJitter, onRetry: ({ delayMs }) => void delays.push(delayMs) },
    );
    expect(result).toBe('ok');
    expect(attempts).toEqual([1, 2, 3, 4]);
    expect(delays).toEqual([10, 20, 35]); // capped at maxDelayMs
    expect(Date.now() - started).toBeGreaterThanOrEqual(60);
  });

  it('rejects with the last error after maxAttempts', async () => {
    let calls = 0;
    await expect(
      retry(
        async (attempt) => {
          calls++;
          throw new Error(`fail ${attempt}`);
        },
        { maxAttempts: 3, ...noJitter, minDelayMs: 1 },
      ),
    ).rejects.toThrow('fail 3');
    expect(calls).toBe(3);
  });

  it('does not retry an error shouldRetry refuses', async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new TypeError('permanent');
        },
        { maxAttempts: 5, minDelayMs: 1, shouldRetry: (error) => !(error instanceof TypeError) },
      ),
    ).rejects.toThrow('permanent');
    expect(calls).toBe(1);
  });

  it('an abort stops the wait at once and starts no further attempt', async () => {
    const controller = new AbortController();
    let calls = 0;
    const started = Date.now();
    const running = retry(
      async () => {
        calls++;
        throw new Error('down');
      },
      { maxAttempts: 10, minDelayMs: 10_000, jitter: 0, signal: controller.signal },
    );
    setTimeout(() => controller.abort(new Error('stopped')), 20);
    await expect(running).rejects.toThrow('stopped');
    expect(calls).toBe(1);
    expect(Date.now() - started).toBeLessThan(5_000);
    await expect(retry(async () => 1, { maxAttempts: 1, signal: controller.signal })).rejects.toThrow(
      'stopped',
    );
  });

  it('adds at most the jitter fraction to the delay', () => {
    const options = { minDelayMs: 500, maxDelayMs: 30_000, factor: 2, jitter: 0.2 };
    expect(backoffDelayMs(1, options, () => 0)).toBe(500);
    expect(backoffDelayMs(3, options, () => 0)).toBe(2_000);
    expect(backoffDelayMs(3, options, () => 0.999)).toBe(2_400);
    expect(backoffDelayMs(20, options, () => 0)).toBe(30_000);
  });
});
