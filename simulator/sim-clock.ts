/**
 * The mapping between wall-clock time and simulated time of a compressed run: simulated time starts
 * at `startTs` when the run starts and advances `speed` simulated seconds per wall second. A gateway
 * receiving a compressed run should use {@link SimClock.nowS} as its clock, so timestamp checks see
 * simulated time.
 */
export class SimClock {
  private wallStartMs: number | undefined;

  constructor(
    readonly startTs: number,
    /** Simulated seconds per wall second; 0 = as fast as possible (no pacing). */
    readonly speed: number,
  ) {}

  /** Starts the clock now (idempotent). */
  start(wallNowMs = Date.now()): void {
    this.wallStartMs ??= wallNowMs;
  }

  /** Current simulated unix time (integer seconds); `startTs` before the start or when unpaced. */
  nowS(wallNowMs = Date.now()): number {
    if (this.wallStartMs === undefined || this.speed === 0) return this.startTs;
    return this.startTs + Math.floor(((wallNowMs - this.wallStartMs) / 1000) * this.speed);
  }

  /** Wall-clock time (ms since epoch) at which simulated time `tsS` is due. */
  wallTimeOf(tsS: number): number {
    if (this.wallStartMs === undefined) throw new RangeError('clock not started');
    if (this.speed === 0) return this.wallStartMs;
    return this.wallStartMs + ((tsS - this.startTs) / this.speed) * 1000;
  }
}
