import { BaseError } from '../lib/errors.ts';

/** Base of every error the oracle throws on purpose. */
export class OracleError extends BaseError {
  override name = 'OracleError';
}

/** A configuration value is missing or out of range. */
export class OracleConfigError extends OracleError {
  override name = 'OracleConfigError';
}

/** A durable job record contradicts the chain or another record; the oracle stops rather than guess. */
export class JobStateError extends OracleError {
  override name = 'JobStateError';
}

/** A transaction reverted, or would revert (simulation), with a decoded reason when available. */
export class TransactionRevertedError extends OracleError {
  override name = 'TransactionRevertedError';
  /** Custom error name decoded from the revert data, when the ABI knows it. */
  readonly errorName: string | undefined;
  constructor(
    shortMessage: string,
    options: { errorName?: string; details?: string; hint?: string; cause?: unknown },
  ) {
    super(shortMessage, options);
    this.errorName = options.errorName;
  }
}

/** A transaction could not be mined after every retry and replacement. */
export class TransactionNotMinedError extends OracleError {
  override name = 'TransactionNotMinedError';
}

/** A transaction's nonce was consumed by another transaction (replaced or cancelled outside the oracle). */
export class TransactionSupersededError extends OracleError {
  override name = 'TransactionSupersededError';
}

/** Proving a batch failed (witness generation or proof). */
export class ProvingError extends OracleError {
  override name = 'ProvingError';
}
