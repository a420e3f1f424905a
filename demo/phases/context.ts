/** What every phase of the demo shares: options, the logger, Ctrl-C, and the stops of what it started. */
import type { Logger } from '../../lib/log.ts';
import { DemoAbortedError } from '../errors.ts';
import type { DemoOptions } from '../options.ts';

/** The shared state of one demo run. */
export interface DemoContext {
  options: DemoOptions;
  /** The run's logger; each phase logs through its own child (`phase: 'chain'`, ...). */
  log: Logger;
  signal: AbortSignal | undefined;
  /** Stops of the processes and servers started so far, run in reverse order at the end. */
  stops: Array<() => Promise<void>>;
}

/** Throws {@link DemoAbortedError} once Ctrl-C was pressed. */
export function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new DemoAbortedError('the demo was interrupted', { hint: 'run it again' });
}

/** The logger of one phase. */
export function phaseLog(context: DemoContext, phase: string): Logger {
  return context.log.child({ phase });
}
