import { BaseError } from '../lib/errors.ts';

/** A development powers-of-tau file was asked for at a power this machine cannot produce or hold. */
export class PtauPowerRefusedError extends BaseError {
  override name = 'PtauPowerRefusedError';
}

/** Generating the development powers-of-tau file failed part-way (a worker crashed, a write failed). */
export class PtauGenerationError extends BaseError {
  override name = 'PtauGenerationError';
}
