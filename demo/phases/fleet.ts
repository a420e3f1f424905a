/** Phase "fleet": the fleet publishes in compressed time; the run waits until the gateway has every message. */
import { runFleet } from '../../simulator/runner.ts';
import { DemoRunError } from '../errors.ts';
import { checkAborted, type DemoContext, phaseLog } from './context.ts';
import type { DemoIngest } from './gateway.ts';
import type { OracleProgress } from './oracle.ts';

const isoMinute = (ts: number) => `${new Date(ts * 1000).toISOString().slice(0, 16)}Z`;

/** What the fleet published. */
export interface DemoFleetRun {
  published: number;
  acked: number;
  fleetMs: number;
}

/** Runs the fleet and drains the gateway; the watermark lets the oracle close each epoch once it is complete. */
export async function runDemoFleet(
  context: DemoContext,
  ingest: DemoIngest,
  oracle: OracleProgress,
): Promise<DemoFleetRun> {
  const { options, signal } = context;
  const log = phaseLog(context, 'fleet');
  const { gateway, watermark } = ingest;
  const processed = () => {
    const c = gateway.counts();
    return c.accepted + c.late + c.duplicates + c.rejected + c.redeliveredRejects;
  };
  const ticker = setInterval(() => watermark.update(processed()), 100);
  context.stops.push(async () => clearInterval(ticker));
  const startedMs = Date.now();
  let lastLogMs = 0;
  const run = await runFleet({
    config: ingest.fleetConfig,
    generator: ingest.generator,
    brokerUrl: ingest.brokerUrl,
    signal,
    progressIntervalMs: 250,
    onStart: () =>
      log.info(
        `fleet: publishing ${isoMinute(ingest.simStartTs)} .. ${isoMinute(ingest.lastEndTs)} at ${options.speed}x (${options.epochs} epochs of ${options.epochLengthS / 3600} h)`,
      ),
    onAcked: (message) => watermark.acked(message.publishTs),
    onSettled: ({ acked, lastPublishTs }) => watermark.settled(acked, lastPublishTs),
    onProgress: (p) => {
      if (Date.now() - lastLogMs < 2_000) return;
      lastLogMs = Date.now();
      const c = gateway.counts();
      const proofs = oracle.proving.queued + oracle.proving.done > 0;
      log.info(
        `fleet: ${isoMinute(p.simNowTs)} ${String(Math.round(p.fraction * 100)).padStart(3)}%  published ${p.published}  ledger +${c.accepted}  duplicates ${c.duplicates}  quarantined ${c.rejected}${proofs ? `  | proofs done ${oracle.proving.done}, queued ${oracle.proving.queued}` : ''}`,
      );
    },
  });
  checkAborted(signal);
  const fleetMs = Date.now() - startedMs;
  log.info(
    `fleet: done, ${run.published} messages in ${(fleetMs / 1000).toFixed(1)} s; waiting for the gateway ...`,
  );
  // every acknowledged message reaches the gateway; wait until it has processed all of them
  const drainDeadlineMs = Date.now() + 60_000;
  while (processed() < run.acked && Date.now() < drainDeadlineMs) {
    checkAborted(signal);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await gateway.drain();
  if (processed() < run.acked) {
    throw new DemoRunError('the gateway did not receive every acknowledged message', {
      details: `${run.acked} acknowledged by the broker, ${processed()} processed by the gateway after 60 s`,
    });
  }
  watermark.finished(processed());
  log.info(`gateway: ${processed()} messages processed; waiting for the oracle ...`);
  return { published: run.published, acked: run.acked, fleetMs };
}
