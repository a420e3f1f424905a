/** Source of the current time in unix seconds; injected so that tests can run epochs of a few seconds. */
export interface Clock {
  /** Current unix time in whole seconds. */
  nowS(): number;
}

/**
 * The wall clock.
 *
 * @example
 * const nowS = systemClock.nowS();
 */
export const systemClock: Clock = { nowS: () => Math.floor(Date.now() / 1000) };

/**
 * A clock that adds a fixed offset to the wall clock (a node whose chain time runs ahead, or a test).
 *
 * @example
 * const clock = offsetClock(3600); // one hour ahead
 */
export function offsetClock(offsetS: number): Clock {
  return { nowS: () => Math.floor(Date.now() / 1000) + offsetS };
}
