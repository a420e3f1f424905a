import { toJson } from '../lib/json.ts';
import { FAULT_KINDS } from './config.ts';
import type { FleetStats } from './generator.ts';
import type { RunSummary } from './runner.ts';

/** `value / 10^decimals` as a fixed-point decimal string, exact (no floats). */
export function formatFixed(value: bigint, decimals: number): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const scale = 10n ** BigInt(decimals);
  const whole = (abs / scale).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const fraction = decimals > 0 ? `.${(abs % scale).toString().padStart(decimals, '0')}` : '';
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

/**
 * Human-readable summary of a run: devices and readings per kind, faults per kind, expected gateway
 * outcomes, metered energy (kWh) and revenue (major units), and publishing figures for live runs.
 *
 * @example
 * process.stdout.write(formatSummary(generator.stats));
 */
export function formatSummary(stats: FleetStats, run?: RunSummary): string {
  const lines: string[] = [];
  lines.push(`devices        ev ${stats.devices.ev}  pv ${stats.devices.pv}`);
  lines.push(
    `readings       ev ${stats.readings.ev}  pv ${stats.readings.pv}  (offline slots skipped ${stats.offlineSkippedReadings})`,
  );
  lines.push(`messages       ${stats.messages}`);
  const faults = FAULT_KINDS.filter((k) => stats.faults[k] > 0).map((k) => `${k} ${stats.faults[k]}`);
  lines.push(`faults         ${faults.length === 0 ? 'none' : faults.join('  ')}`);
  const rejected = Object.entries(stats.expected.rejected).map(([reason, n]) => `${reason} ${n}`);
  lines.push(
    `expected       accepted ${stats.expected.accepted}  duplicate ${stats.expected.duplicate}  rejected ${
      rejected.length === 0 ? 0 : rejected.join('  ')
    }`,
  );
  for (const kind of ['ev', 'pv'] as const) {
    lines.push(
      `metered ${kind}     ${formatFixed(stats.meteredEnergyWh[kind], 3)} kWh  revenue ${formatFixed(
        stats.meteredRevenueMinor[kind],
        2,
      )}`,
    );
  }
  lines.push(
    `accepted sums  ${formatFixed(stats.acceptedEnergyWh, 3)} kWh  revenue ${formatFixed(stats.acceptedRevenueMinor, 2)}`,
  );
  if (run !== undefined) {
    lines.push(
      `published      ${run.published} (ev ${run.publishedByKind.ev}, pv ${run.publishedByKind.pv})  acked ${run.acked}  errors ${run.publishErrors}`,
    );
    lines.push(
      `broker         ${run.brokerUrl}  mode ${run.mode}  clients ${run.clients}  ${(
        run.elapsedMs / 1000
      ).toFixed(1)} s wall  ${Math.round(run.messagesPerSecond)} msg/s`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The summary as JSON-safe data (bigints as decimal strings). */
export function summaryToJson(stats: FleetStats, run?: RunSummary): unknown {
  return JSON.parse(toJson({ stats, run: run && { ...run, stats: undefined } }));
}
