import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireArtifacts } from '../../circuits/proving/instances.ts';
import { parseDemoOptions } from '../../demo/options.ts';
import { type DemoResult, runDemo } from '../../demo/run.ts';
import { formatDemoSummary } from '../../demo/summary.ts';
import { Ledger, openGatewayDb } from '../../gateway/index.ts';
import { startMosquitto } from '../support/mosquitto.ts';
import { startVictoriaMetrics } from '../support/victoria-metrics.ts';

/**
 * Acceptance: the demo's whole flow, small (test circuit instances: one slot per batch, 16 devices), on the
 * embedded defaults and on real external parts (Debian's mosquitto as broker, VictoriaMetrics as the InfluxDB
 * line-protocol store). Each run is checked against an independent reference over the gateway's ledger, the
 * simulator's ground truth, the holders' pro-rata shares and the investor verifier.
 */
const SMALL = {
  epochInstance: 'epoch_test',
  registrationInstance: 'registration_test',
  evPiles: 4,
  pvSites: 2,
  epochs: 3,
  speed: 2_400,
  proverConcurrency: 2,
  // a small fleet needs higher rates for several fault kinds to show up
  faults: {
    duplicate: 0.02,
    tamper: 0.02,
    malformed: 0.02,
    replay: 0.02,
    clockSkew: 0.02,
    counterReset: 0.02,
    oversized: 0.01,
  },
};
const RATE_E18 = 1_400n * 10n ** 18n; // deployAll's default conversion rate: 1 fen = 1,400 stablecoin units

/** The reference model: per epoch, the sum over devices of closing reading minus the previous closing reading. */
async function referenceTotals(result: DemoResult) {
  const db = await openGatewayDb(join(result.dataDir, 'gateway.duckdb'));
  try {
    const ledger = new Ledger(db);
    const previous = new Map<string, { energyWh: bigint; revenueMinor: bigint }>();
    const totals: Array<{ epoch: number; energyWh: bigint; revenueMinor: bigint; reporting: number }> = [];
    for (const epoch of result.epochs) {
      let energyWh = 0n;
      let revenueMinor = 0n;
      const closing = await ledger.closingReadings(result.poolId, epoch.startTs, epoch.endTs);
      for (const reading of closing) {
        const registers = { energyWh: BigInt(reading.energyWh), revenueMinor: BigInt(reading.revenueMinor) };
        const before = previous.get(reading.deviceId);
        if (before) {
          energyWh += registers.energyWh - before.energyWh;
          revenueMinor += registers.revenueMinor - before.revenueMinor;
        }
        previous.set(reading.deviceId, registers);
      }
      totals.push({ epoch: epoch.epoch, energyWh, revenueMinor, reporting: closing.length });
    }
    return { totals, ledgerCount: await ledger.count(result.poolId) };
  } finally {
    db.close();
  }
}

async function expectSoundOutcome(result: DemoResult, investorShareBps: number) {
  // the verifier passes, every check it made held
  expect(result.verifier.findings.filter((f) => !f.ok)).toEqual([]);
  expect(result.verifier.ok).toBe(true);
  expect(result.verifier.epochs).toEqual({ from: 1, to: SMALL.epochs });

  // every epoch was proven, posted, finalised and distributed
  expect(result.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
  const reference = await referenceTotals(result);
  for (const [i, epoch] of result.epochs.entries()) {
    const expected = reference.totals[i]!;
    expect(epoch.outcome.skipped).toEqual([]);
    expect(epoch.outcome.unregistered).toEqual([]);
    expect(epoch.outcome.totalEnergyWh, `energy of epoch ${epoch.epoch}`).toBe(expected.energyWh);
    expect(epoch.outcome.totalRevenueMinor, `revenue of epoch ${epoch.epoch}`).toBe(expected.revenueMinor);
    expect(epoch.outcome.reportingCount).toBe(expected.reporting);
    // the token read the revenue from the chain's finalised round
    expect(epoch.distribution.revenueMinor).toBe(expected.revenueMinor);
    const required = (expected.revenueMinor * BigInt(investorShareBps) * RATE_E18) / (10_000n * 10n ** 18n);
    expect(epoch.distribution.requiredUnits).toBe(required);
    expect(epoch.distribution.depositedUnits).toBe(required);
    expect(epoch.gas.gasUsed).toBeGreaterThan(0n);
  }
  expect(result.epochs[0]!.outcome.totalRevenueMinor).toBe(0n); // baseline epoch
  expect(result.epochs.slice(1).every((e) => e.outcome.totalRevenueMinor > 0n)).toBe(true);
  expect(result.epochs[0]!.outcome.registrationBatches).toBeGreaterThan(0);

  // the ledger and the quarantine match the simulator's ground truth exactly
  expect(result.quarantineByReason).toEqual(result.fleet.expected.rejected);
  expect(result.ledgerReadings).toBe(result.fleet.expected.accepted);
  expect(reference.ledgerCount).toBe(result.fleet.expected.accepted);
  expect(Object.keys(result.quarantineByReason).length).toBeGreaterThanOrEqual(3);

  // holders got their pro-rata share of everything deposited (rounding: at most one unit per epoch) and withdrew it
  const deposited = result.epochs.reduce((a, e) => a + e.distribution.depositedUnits, 0n);
  const supply = BigInt(result.holders.reduce((a, h) => a + h.tokens, 0));
  for (const holder of result.holders) {
    const share = (deposited * BigInt(holder.tokens)) / supply;
    expect(share - holder.accumulatedUnits).toBeGreaterThanOrEqual(0n);
    expect(share - holder.accumulatedUnits).toBeLessThanOrEqual(BigInt(result.epochs.length));
    expect(holder.withdrawnUnits).toBe(holder.accumulatedUnits);
    expect(holder.stablecoinUnits).toBe(holder.accumulatedUnits);
  }
  expect(result.holders.map((h) => h.tokens)).toEqual([500, 300, 200]);

  // the gateway's epoch view agrees with the chain
  expect(result.epochsApi.epochs.map((e) => [e.epoch, e.status, e.totals?.revenueMinor])).toEqual(
    result.epochs.map((e) => [e.epoch, 'finalised', e.outcome.totalRevenueMinor.toString()]),
  );

  const summary = formatDemoSummary(result);
  expect(summary).toContain('verifier: PASS');
  expect(summary).toMatch(/quarantine: \d+ messages: /);
}

describe('demo flow on embedded defaults (aedes, DuckDB, anvil)', () => {
  let result: DemoResult;
  beforeAll(async () => {
    requireArtifacts('epoch_test', { proving: true });
    requireArtifacts('registration_test', { proving: true });
    result = await runDemo(
      parseDemoOptions({
        ...SMALL,
        seed: 'acceptance-embedded',
        dataDir: mkdtempSync(join(tmpdir(), 'demo-')),
      }),
    );
  }, 600_000);

  it('attests the reference totals, pays holders pro rata and passes the verifier', async () => {
    await expectSoundOutcome(result, 7_000);
    expect(result.chain.embedded).toBe(true);
    expect(result.brokerUrl).toMatch(/^mqtt:\/\/127\.0\.0\.1:/);
  });
});

describe('demo flow on external parts (mosquitto, VictoriaMetrics as InfluxDB)', () => {
  let mosquitto: Awaited<ReturnType<typeof startMosquitto>>;
  let victoria: Awaited<ReturnType<typeof startVictoriaMetrics>>;
  let result: DemoResult;
  beforeAll(async () => {
    mosquitto = await startMosquitto();
    victoria = await startVictoriaMetrics();
    result = await runDemo(
      parseDemoOptions({
        ...SMALL,
        seed: 'acceptance-external',
        investorShareBps: 6_000,
        dataDir: mkdtempSync(join(tmpdir(), 'demo-')),
        broker: {
          url: mosquitto.url,
          fleetUsername: 'site-logger',
          fleetPassword: 'unused-by-anonymous-broker',
        },
        influx: {
          url: victoria.url,
          token: 'victoria-metrics-ignores-it',
          org: 'rwa',
          bucket: 'iot',
          query: 'victoria-metrics',
        },
      }),
    );
  }, 600_000);
  afterAll(async () => {
    await mosquitto?.stop();
    await victoria?.stop();
  });

  it('attests the reference totals, pays holders pro rata and passes the verifier', async () => {
    await expectSoundOutcome(result, 6_000);
    expect(result.brokerUrl).toBe(mosquitto.url);
  });

  it('wrote every ledger reading to the InfluxDB line-protocol server', async () => {
    expect((await fetch(`${victoria.url}/internal/force_flush`)).ok).toBe(true);
    const params = new URLSearchParams({ 'match[]': '{__name__="reading_energyDeltaWh"}', start: '0' });
    const response = await fetch(`${victoria.url}/api/v1/export?${params}`);
    expect(response.ok).toBe(true);
    const lines = (await response.text()).split('\n').filter(Boolean);
    const samples = lines.reduce(
      (n, line) => n + (JSON.parse(line) as { values: number[] }).values.length,
      0,
    );
    expect(samples).toBe(result.ledgerReadings);
  });
});
