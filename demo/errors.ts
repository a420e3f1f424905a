import { BaseError } from '../lib/errors.ts';

/** The demo's options (flags or config file) are invalid. */
export class DemoConfigError extends BaseError {
  override name = 'DemoConfigError';
}

/** The demo was interrupted (Ctrl-C); every part it started has been stopped. */
export class DemoAbortedError extends BaseError {
  override name = 'DemoAbortedError';
}

/** A part of the pipeline failed during the demo (the cause says which). */
export class DemoRunError extends BaseError {
  override name = 'DemoRunError';
}
