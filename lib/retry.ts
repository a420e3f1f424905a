/**
 * The one retry helper of the project: exponential backoff with jitter, a bounded number of attempts and
 * an abort signal. RPC calls retry in viem's transport instead (`http(url, { retryCount, retryDelay })`).
 */

/** Delay before the n-th retry: `min(maxDelayMs, minDelayMs * factor^(n-1))`, plus up to `jitter` of it. */
export interface BackoffOptions {
  minDelayMs: number;
  maxDelayMs: number;
  factor: number;
  /** Fraction of the delay added at random (0 = none, 0.2 = up to 20 % more). */
  jitter: number;
}

/** Options of {@link retry}: the backoff, how many attempts in all, what to retry, and when to give up. */
export interface RetryOptions extends Partial<BackoffOptions> {
  /** Attempts in all, the first included (>= 1). */
  maxAttempts: number;
  /** Stops waiting and retrying; the pending wait rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Whether `error` (of attempt `attempt`, from 1) is worth another attempt (default: every error). */
  shouldRetry?: (error: unknown, attempt: number) => boolean;
  /** Called before each wait, e.g. to log; may be async (awaited). */
  onRetry?: (event: { error: unknown; attempt: number; delayMs: number }) => void | Promise<void>;
  /** Source of randomness for the jitter, in [0, 1) (default `Math.random`). */
  random?: () => number;
}

/** Default backoff: 100 ms doubling to at most 30 s, up to 20 % jitter. */
export const DEFAULT_BACKOFF: BackoffOptions = {
  minDelayMs: 100,
  maxDelayMs: 30_000,
  factor: 2,
  jitter: 0.2,
};

/**
 * Delay in milliseconds before retry number `failures` (1 after the first failure).
 *
 * @example
 * backoffDelayMs(3, { minDelayMs: 500, maxDelayMs: 30_000, factor: 2, jitter: 0 }); // 2000
 */
export function backoffDelayMs(
  failures: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const base = Math.min(
    options.maxDelayMs,
    options.minDelayMs * options.factor ** (Math.max(1, failures) - 1),
  );
  return Math.round(base * (1 + options.jitter * random()));
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function abortableDelay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `fn` (given the attempt number, from 1) until it resolves, retrying a failure after an exponential
 * backoff while attempts remain and `shouldRetry` agrees; then rejects with the last error. An abort
 * rejects with the signal's reason and starts no further attempt.
 *
 * @example
 * await retry(() => sink.write(rows), { maxAttempts: 5, minDelayMs: 100, signal });
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const backoff: BackoffOptions = {
    minDelayMs: options.minDelayMs ?? DEFAULT_BACKOFF.minDelayMs,
    maxDelayMs: options.maxDelayMs ?? DEFAULT_BACKOFF.maxDelayMs,
    factor: options.factor ?? DEFAULT_BACKOFF.factor,
    jitter: options.jitter ?? DEFAULT_BACKOFF.jitter,
  };
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= options.maxAttempts || options.signal?.aborted) throw error;
      if (options.shouldRetry && !options.shouldRetry(error, attempt)) throw error;
      const delayMs = backoffDelayMs(attempt, backoff, options.random);
      await options.onRetry?.({ error, attempt, delayMs });
      await abortableDelay(delayMs, options.signal);
    }
  }
}
