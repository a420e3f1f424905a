import { formatFixed } from '../simulator/summary.ts';
import type { DemoResult } from './run.ts';

const pad = (text: string | number, width: number) => String(text).padStart(width);
const iso = (ts: number) => new Date(ts * 1000).toISOString().slice(5, 16).replace('T', ' ');
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * The demo's closing report: per epoch the energy, revenue, reporting devices and coverage, proofs, proving time,
 * gas and distribution; quarantined messages by reason; what each holder received; the verifier's verdict.
 */
export function formatDemoSummary(result: DemoResult): string {
  const lines: string[] = [];
  const registered = result.devices.ev + result.devices.pv;
  lines.push('', '=== demo summary ===');
  lines.push(
    `pool ${result.poolId}: ${result.devices.ev} EV charging piles + ${result.devices.pv} PV sites, ${registered} devices registered on-chain`,
  );
  lines.push(
    `parts: broker ${result.brokerUrl}; chain ${result.chain.embedded ? 'anvil' : 'external'} ${result.chain.rpcUrl} (id ${result.chain.chainId}); gateway API ${result.gatewayUrl}; bundles ${result.bundlesUrl}`,
  );
  const expected = result.fleet.expected;
  const rejected = Object.values(expected.rejected).reduce((a, b) => a + (b ?? 0), 0);
  lines.push(
    `fleet: ${result.published} messages published; ${result.ledgerReadings} readings in the evidence ledger (simulator expected ${expected.accepted} accepted, ${expected.duplicate} duplicates, ${rejected} rejected)`,
  );
  lines.push('');
  lines.push(
    `${'epoch'.padEnd(6)}${'window (UTC)'.padEnd(25)}${pad('devices', 9)}${pad('coverage', 10)}${pad('energy kWh', 14)}${pad('revenue CNY', 14)}${pad('proofs', 8)}${pad('prove', 9)}${pad('gas', 12)}${pad('paid tUSD', 16)}`,
  );
  for (const e of result.epochs) {
    const o = e.outcome;
    const coverage = ((o.reportingCount * 1000) / Math.max(1, e.registeredCount) / 10).toFixed(1);
    lines.push(
      `${`${e.epoch}${e.baseline ? '*' : ''}`.padEnd(6)}${`${iso(e.startTs)} - ${iso(e.endTs).slice(6)}`.padEnd(25)}${pad(`${o.reportingCount}/${e.registeredCount}`, 9)}${pad(`${coverage}%`, 10)}${pad(formatFixed(o.totalEnergyWh, 3), 14)}${pad(formatFixed(o.totalRevenueMinor, 2), 14)}${pad(`${o.registrationBatches}+${o.epochBatches}`, 8)}${pad(seconds(o.timingsMs.prove), 9)}${pad(e.gas.gasUsed.toLocaleString('en-US'), 12)}${pad(formatFixed(e.distribution.depositedUnits, 6), 16)}`,
    );
  }
  const total = result.epochs.reduce(
    (sum, e) => ({
      energyWh: sum.energyWh + e.outcome.totalEnergyWh,
      revenueMinor: sum.revenueMinor + e.outcome.totalRevenueMinor,
      gas: sum.gas + e.gas.gasUsed,
      paid: sum.paid + e.distribution.depositedUnits,
    }),
    { energyWh: 0n, revenueMinor: 0n, gas: 0n, paid: 0n },
  );
  lines.push(
    `${'total'.padEnd(6)}${''.padEnd(25)}${pad('', 9)}${pad('', 10)}${pad(formatFixed(total.energyWh, 3), 14)}${pad(formatFixed(total.revenueMinor, 2), 14)}${pad('', 8)}${pad('', 9)}${pad(total.gas.toLocaleString('en-US'), 12)}${pad(formatFixed(total.paid, 6), 16)}`,
  );
  lines.push(
    "* baseline epoch: a device's first closing reading sets its baseline; revenue counts from the next epoch on.",
  );
  lines.push(
    '  proofs = registration + epoch batches; gas = every oracle transaction of the epoch (registration, batches, finalisation).',
  );
  lines.push('');
  const reasons = Object.entries(result.quarantineByReason).sort((a, b) => b[1] - a[1]);
  lines.push(
    `quarantine: ${reasons.reduce((a, [, n]) => a + n, 0)} messages${reasons.length ? `: ${reasons.map(([r, n]) => `${r} ${n}`).join(', ')}` : ''}`,
  );
  const supply = result.holders.reduce((a, h) => a + h.tokens, 0);
  lines.push('holders (each withdrew its funds):');
  for (const h of result.holders) {
    lines.push(
      `  ${h.label.padEnd(12)} ${h.address}  ${pad(h.tokens, 6)} tokens (${((h.tokens * 100) / supply).toFixed(1)}%)  received ${formatFixed(h.accumulatedUnits, 6)} tUSD, balance ${formatFixed(h.stablecoinUnits, 6)} tUSD`,
    );
  }
  const v = result.verifier;
  const passed = (check: string) => v.findings.filter((f) => f.check === check && f.ok).length;
  lines.push('');
  if (v.ok) {
    lines.push(
      `verifier: PASS for epochs ${v.epochs.from}..${v.epochs.to}: ${passed('proof')} proofs verified (snarkjs and on-chain), root chain without gap or fork, ${passed('feed')} feed answers equal the proven revenue, ${passed('distribution')} distributions funded as required`,
    );
  } else {
    lines.push('verifier: FAIL');
    for (const f of v.findings.filter((x) => !x.ok)) lines.push(`  ${f.check} ${f.subject}: ${f.message}`);
  }
  const statuses = result.epochsApi.epochs.map((e) => `${e.epoch} ${e.status}`).join(', ');
  lines.push(`gateway API ${result.epochsApi.url}: ${statuses}`);
  const t = result.timingsMs;
  lines.push(
    `time: build ${seconds(t.build)}, setup ${seconds(t.setup)}, fleet ${seconds(t.fleet)}, remaining proving ${seconds(t.proving)}, verify ${seconds(t.verify)}, total ${seconds(t.total)}`,
  );
  lines.push(`files: ${result.dataDir} (deployment.json, gateway.duckdb, oracle/)`);
  return `${lines.join('\n')}\n`;
}
