/**
 * Base class of every error the project throws on purpose, in the style of viem's `BaseError`:
 * a one-line `shortMessage` saying what failed, optional `details` saying why, an optional
 * `hint` saying what to do, and the original `cause` when another error triggered it.
 *
 * @example
 * class ConfigError extends BaseError {
 *   override name = 'ConfigError';
 * }
 * throw new ConfigError('gateway.ledgerPath is missing', { hint: 'set GATEWAY_LEDGER_PATH' });
 */
export class BaseError extends Error {
  override name = 'BaseError';
  /** What failed, in one line. */
  readonly shortMessage: string;
  /** Why it failed, when known. */
  readonly details: string | undefined;
  /** What the caller can do about it, when known. */
  readonly hint: string | undefined;

  constructor(shortMessage: string, options: { details?: string; hint?: string; cause?: unknown } = {}) {
    const lines = [shortMessage];
    if (options.details) lines.push(`Details: ${options.details}`);
    if (options.hint) lines.push(`Hint: ${options.hint}`);
    super(lines.join('\n'), options.cause === undefined ? undefined : { cause: options.cause });
    this.shortMessage = shortMessage;
    this.details = options.details;
    this.hint = options.hint;
  }
}
