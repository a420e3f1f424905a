import { BaseError } from '../../lib/errors.ts';

/** The time-series configuration is incomplete or contradictory. */
export class TimeSeriesConfigError extends BaseError {
  override name = 'TimeSeriesConfigError';
}

/** A reading handed to `write` breaks the `AcceptedReading` contract (negative delta, non-integer time, ...). */
export class TimeSeriesInputError extends BaseError {
  override name = 'TimeSeriesInputError';
}

/** An aggregate query is malformed (unknown interval, empty range, ...). */
export class TimeSeriesQueryError extends BaseError {
  override name = 'TimeSeriesQueryError';
}

/**
 * The on-disk buffer of the InfluxDB adapter has reached its size limit while the server is
 * unreachable. Nothing of the rejected batch was buffered; the points already buffered are kept.
 */
export class TimeSeriesBufferFullError extends BaseError {
  override name = 'TimeSeriesBufferFullError';
  readonly bufferedBytes: number;
  readonly maxBufferBytes: number;
  readonly rejectedPoints: number;

  constructor(args: {
    bufferedBytes: number;
    maxBufferBytes: number;
    rejectedPoints: number;
    bufferDir: string;
  }) {
    super(`time-series buffer full: ${args.rejectedPoints} points rejected`, {
      details: `${args.bufferedBytes} of ${args.maxBufferBytes} bytes used in ${args.bufferDir}; the server has not accepted writes for a while`,
      hint: 'bring the time-series server back (the buffer drains in order on its own), or raise maxBufferBytes; the evidence ledger still holds every reading: rebuildFromLedger fills the gap without double-counting',
    });
    this.bufferedBytes = args.bufferedBytes;
    this.maxBufferBytes = args.maxBufferBytes;
    this.rejectedPoints = args.rejectedPoints;
  }
}

/** The time-series server refused or did not answer a write; the points stay in the on-disk buffer. */
export class TimeSeriesWriteError extends BaseError {
  override name = 'TimeSeriesWriteError';
}

/** The store was used after `close()`. */
export class TimeSeriesClosedError extends BaseError {
  override name = 'TimeSeriesClosedError';
  constructor(operation: string) {
    super(`time-series store is closed; cannot ${operation}`, {
      hint: 'open a new store with createTimeSeriesStore',
    });
  }
}

/** A buffer batch was acknowledged twice or out of order (a defect in the sender, never a server condition). */
export class TimeSeriesBufferOrderError extends BaseError {
  override name = 'TimeSeriesBufferOrderError';
}
