import { ConfigError } from '../lib/config.ts';
import { BaseError } from '../lib/errors.ts';

/** The gateway configuration is missing a value or has a wrong one. */
export class GatewayConfigError extends ConfigError {
  override name = 'GatewayConfigError';
}

/** A registry operation was refused (unknown pool, duplicate device, bad key file entry). */
export class RegistryError extends BaseError {
  override name = 'RegistryError';
}

/** The evidence ledger could not be opened, read or written. */
export class LedgerError extends BaseError {
  override name = 'LedgerError';
}

/** A bad request to the HTTP API (missing or malformed query parameter). */
export class ApiRequestError extends BaseError {
  override name = 'ApiRequestError';
  readonly status: number;
  constructor(shortMessage: string, options: { status?: number; details?: string; hint?: string } = {}) {
    super(shortMessage, options);
    this.status = options.status ?? 400;
  }
}
