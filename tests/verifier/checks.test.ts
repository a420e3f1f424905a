import { describe, expect, it } from 'vitest';
import {
  type AttestationEvent,
  checkDistribution,
  checkRootChain,
  checkUndistributed,
  requiredUnitsFor,
} from '../../verifier/checks.ts';

let logIndex = 0;
const reg = (oldRoot: bigint, newRoot: bigint, oldCount: number, newCount: number): AttestationEvent => ({
  kind: 'registration',
  blockNumber: 1n,
  logIndex: logIndex++,
  oldRoot,
  newRoot,
  oldCount,
  newCount,
});
const batch = (
  epoch: number,
  batchIndex: number,
  oldRoot: bigint,
  newRoot: bigint,
  revenueMinor = 10n,
): AttestationEvent => ({
  kind: 'batch',
  blockNumber: 1n,
  logIndex: logIndex++,
  epoch,
  batchIndex,
  oldRoot,
  newRoot,
  energyWh: 100n,
  revenueMinor,
  reportingCount: 1n,
});
const fin = (
  epoch: number,
  stateRoot: bigint,
  batchCount: number,
  revenueMinor: bigint,
): AttestationEvent => ({
  kind: 'finalised',
  blockNumber: 1n,
  logIndex: logIndex++,
  epoch,
  revenueMinor,
  energyWh: 100n * BigInt(batchCount),
  reportingCount: batchCount,
  registeredCount: batchCount,
  batchCount,
  stateRoot,
});
/** Replaces event `i`, keeping its position in the chain's order. */
const replaceAt = (events: AttestationEvent[], i: number, event: AttestationEvent) => {
  events[i] = { ...event, logIndex: events[i]!.logIndex };
};
const honest = () => [
  reg(0n, 1n, 0, 2),
  batch(1, 0, 1n, 2n),
  batch(1, 1, 2n, 3n),
  fin(1, 3n, 2, 20n),
  batch(2, 0, 3n, 4n),
  fin(2, 4n, 1, 10n),
];

describe('checkRootChain', () => {
  it('passes an unbroken chain from the empty root with matching totals', () => {
    const findings = checkRootChain(0n, honest());
    expect(findings.every((f) => f.ok)).toBe(true);
    expect(findings.find((f) => f.check === 'root-chain')?.message).toMatch(/unbroken/);
  });
  it('names a gap in the root chain', () => {
    const events = honest();
    replaceAt(events, 4, batch(2, 0, 99n, 4n));
    const failed = checkRootChain(0n, events).filter((f) => !f.ok);
    expect(failed.map((f) => [f.check, f.subject])).toContainEqual(['root-chain', 'epoch 2 batch 0']);
    expect(failed[0]!.message).toMatch(/gap or fork/);
  });
  it('names a chain that does not start at the empty root', () => {
    const failed = checkRootChain(7n, honest()).filter((f) => !f.ok);
    expect(failed[0]).toMatchObject({ check: 'root-chain', subject: 'registration 0->2' });
  });
  it('names a skipped epoch, a batch out of order and finalised totals that differ from the batches', () => {
    const skipped = honest().filter((e) => !(e.kind === 'finalised' && e.epoch === 1));
    expect(checkRootChain(0n, skipped).some((f) => !f.ok && f.check === 'totals')).toBe(true);
    const gap = [reg(0n, 1n, 0, 2), batch(2, 0, 1n, 2n), fin(2, 2n, 1, 10n)];
    const gapFindings = checkRootChain(0n, gap).filter((f) => !f.ok);
    expect(gapFindings.map((f) => f.check)).toEqual(expect.arrayContaining(['epoch-order', 'batch-order']));
    const wrongTotal = honest();
    replaceAt(wrongTotal, 3, fin(1, 3n, 2, 21n));
    expect(checkRootChain(0n, wrongTotal).find((f) => !f.ok)).toMatchObject({
      check: 'totals',
      subject: 'epoch 1 finalisation',
    });
  });
  it('names a finalised root that is not the last attested root', () => {
    const events = honest();
    replaceAt(events, 5, fin(2, 5n, 1, 10n));
    expect(checkRootChain(0n, events).find((f) => !f.ok)).toMatchObject({
      check: 'root-chain',
      subject: 'epoch 2 finalisation',
    });
  });
});

describe('checkDistribution', () => {
  const rate = 1_400n * 10n ** 18n;
  const record = (deposited: bigint, revenue = 10_000n) => ({
    revenueMinor: revenue,
    investorShareBps: 7_000,
    distributedAt: 123n,
    stablecoinPerMinorE18: rate,
    requiredUnits: requiredUnitsFor(revenue, 7_000, rate),
    depositedUnits: deposited,
  });
  it('computes the required units as the token does (floor)', () => {
    expect(requiredUnitsFor(10_000n, 7_000, rate)).toBe(9_800_000n);
    expect(requiredUnitsFor(1n, 1, 1n)).toBe(0n);
  });
  it('passes a fully funded distribution and an undistributed epoch', () => {
    expect(checkDistribution(1, 10_000n, 7_000, record(9_800_000n)).ok).toBe(true);
    expect(checkDistribution(1, 10_000n, 7_000, { ...record(0n), distributedAt: 0n }).ok).toBe(true);
  });
  it('names an under-funded distribution with its shortfall', () => {
    const finding = checkDistribution(1, 10_000n, 7_000, record(9_000_000n));
    expect(finding.ok).toBe(false);
    expect(finding.message).toBe(
      'under-funded distribution: required 9800000 units, deposited 9000000 (shortfall 800000)',
    );
  });
  it('fails a distribution computed on another revenue or with a wrong required amount', () => {
    expect(checkDistribution(1, 9_999n, 7_000, record(9_800_000n)).message).toMatch(/proven revenue is 9999/);
    expect(checkDistribution(1, 10_000n, 7_000, { ...record(9_800_000n), requiredUnits: 1n }).ok).toBe(false);
    expect(checkDistribution(1, 10_000n, 5_000, record(9_800_000n)).ok).toBe(false);
  });
});

describe('checkUndistributed', () => {
  const record = {
    revenueMinor: 0n,
    investorShareBps: 0,
    distributedAt: 0n,
    stablecoinPerMinorE18: 0n,
    requiredUnits: 0n,
    depositedUnits: 0n,
    recordedAt: 0n,
  };
  const due = { finalisedAtS: 1_000n, graceS: 100, nowS: 1_050n };

  it('warns within the grace period and fails past it', () => {
    expect(checkUndistributed(3, record, due)).toMatchObject({
      ok: true,
      warning: true,
      message: 'not distributed yet; the grace period ends at 1100 (in 50 s)',
    });
    expect(checkUndistributed(3, record, { ...due, nowS: 1_100n })).toMatchObject({
      ok: false,
      message:
        'not distributed within the grace period: finalised at 1000, due at 1100, not recorded (anyone may call recordUndistributed(3))',
    });
  });

  it('shows the recorded shortfall of a recorded epoch as a warning', () => {
    const recorded = {
      ...record,
      recordedAt: 1_200n,
      requiredUnits: 2_940_000n,
      stablecoinPerMinorE18: 1_400n * 10n ** 18n,
    };
    expect(checkUndistributed(3, recorded, { ...due, nowS: 1_300n })).toMatchObject({
      ok: true,
      warning: true,
      message: `not distributed; recorded as undistributed at 1200: required 2940000 units at rate ${1_400n * 10n ** 18n}, shortfall 2940000`,
    });
  });
});
