/**
 * Waiting in tests without depending on an idle machine. A test waits for a condition (an event, a count,
 * a block); a deadline is only there to fail a test that would otherwise hang, so it is generous and scaled
 * by `TEST_TIME_FACTOR` (default 5): a 10 s wait gives up after 50 s, which a loaded 2-core machine meets.
 */

/** Multiplier of every wait deadline in the tests: `TEST_TIME_FACTOR` (a number >= 1), default 5. */
export const TEST_TIME_FACTOR = timeFactor(process.env.TEST_TIME_FACTOR);

function timeFactor(text: string | undefined): number {
  if (text === undefined || text === '') return 5;
  const factor = Number(text);
  if (!Number.isFinite(factor) || factor < 1) {
    throw new Error(`TEST_TIME_FACTOR must be a number >= 1, got ${JSON.stringify(text)}`);
  }
  return factor;
}

/** `ms` scaled by {@link TEST_TIME_FACTOR}: the deadline for something that takes about `ms` on an idle machine. */
export function scaledMs(ms: number): number {
  return Math.round(ms * TEST_TIME_FACTOR);
}

/**
 * Resolves as soon as `condition()` holds (checked every `intervalMs`); fails, naming `what`, when it still
 * does not hold after `scaledMs(timeoutMs)`.
 *
 * @example
 * await waitFor(() => gateway.counts().received === sent, 'every message at the gateway');
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const timeoutMs = scaledMs(options.timeoutMs ?? 10_000);
  const intervalMs = options.intervalMs ?? 25;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline)
      throw new Error(`${what}: not met within ${timeoutMs} ms (TEST_TIME_FACTOR ${TEST_TIME_FACTOR})`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
