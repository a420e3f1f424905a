/** Phase "epochs": wait until the oracle has proven, posted, finalised and distributed every epoch. */
import { checkAborted, type DemoContext, phaseLog } from './context.ts';
import type { OracleProgress } from './oracle.ts';

/** Waits for every epoch's distribution; rethrows a fatal oracle or distribution failure. Returns the time taken. */
export async function awaitEpochs(context: DemoContext, progress: OracleProgress): Promise<number> {
  const { options, signal } = context;
  const log = phaseLog(context, 'epochs');
  const startedMs = Date.now();
  let lastReportMs = Date.now();
  while (progress.distributions.size < options.epochs) {
    checkAborted(signal);
    if (progress.fatal) throw progress.fatal;
    if (Date.now() - lastReportMs > 10_000) {
      lastReportMs = Date.now();
      log.info(
        `oracle: ${progress.outcomes.size}/${options.epochs} epochs finalised; proofs done ${progress.proving.done}, queued ${progress.proving.queued}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await progress.distributing;
  return Date.now() - startedMs;
}
