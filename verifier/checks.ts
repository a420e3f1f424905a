/** One result of the investor verifier: what was checked, on what, and whether it held. */
export interface Finding {
  /** Stable check name: `root-chain`, `epoch-order`, `batch-order`, `totals`, `proof`, `feed`, `distribution`, `disclosure`. */
  check: string;
  /** What was checked, e.g. `epoch 3 batch 1`. */
  subject: string;
  /** False fails the pool; a warning holds (`ok` true) but is shown for the investor to judge. */
  ok: boolean;
  message: string;
  /** Set on a finding that does not fail the pool but needs the investor's attention. */
  warning?: true;
  /** The subject of the failed finding this one follows from (e.g. `epoch 3 batch 2`). */
  cause?: string;
}

/** A finding that holds. */
export const pass = (check: string, subject: string, message: string): Finding => ({
  check,
  subject,
  ok: true,
  message,
});
/** A finding that fails the pool. */
export const fail = (check: string, subject: string, message: string, cause?: string): Finding => ({
  check,
  subject,
  ok: false,
  message,
  ...(cause === undefined ? {} : { cause }),
});
/** A finding that holds but needs the investor's attention. */
export const warn = (check: string, subject: string, message: string): Finding => ({
  check,
  subject,
  ok: true,
  message,
  warning: true,
});

/** A registration or batch attestation, or an epoch finalisation, as read from the chain's events. */
export type AttestationEvent =
  | {
      kind: 'registration';
      blockNumber: bigint;
      logIndex: number;
      oldRoot: bigint;
      newRoot: bigint;
      oldCount: number;
      newCount: number;
    }
  | {
      kind: 'batch';
      blockNumber: bigint;
      logIndex: number;
      epoch: number;
      batchIndex: number;
      oldRoot: bigint;
      newRoot: bigint;
      energyWh: bigint;
      revenueMinor: bigint;
      reportingCount: bigint;
    }
  | {
      kind: 'finalised';
      blockNumber: bigint;
      logIndex: number;
      epoch: number;
      revenueMinor: bigint;
      energyWh: bigint;
      reportingCount: number;
      registeredCount: number;
      batchCount: number;
      stateRoot: bigint;
    };

const describe = (e: AttestationEvent) =>
  e.kind === 'registration'
    ? `registration ${e.oldCount}->${e.newCount}`
    : e.kind === 'batch'
      ? `epoch ${e.epoch} batch ${e.batchIndex}`
      : `epoch ${e.epoch} finalisation`;

/**
 * Checks that the attestations form one unbroken chain of state roots from the pool's empty root (no gap, no
 * fork), that epochs were finalised in order without gaps, that each epoch's batches are numbered 0..n-1, and
 * that each finalisation's totals and root equal its batches'.
 *
 * @example
 * const findings = checkRootChain(pool.emptyRoot, events);
 */
export function checkRootChain(emptyRoot: bigint, events: readonly AttestationEvent[]): Finding[] {
  const findings: Finding[] = [];
  const ordered = [...events].sort((a, b) =>
    a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1,
  );
  let root = emptyRoot;
  let lastFinalised = 0;
  let open = { batches: 0, energyWh: 0n, revenueMinor: 0n, reportingCount: 0n };
  let breaks = 0;
  for (const event of ordered) {
    if (event.kind === 'finalised') {
      const subject = describe(event);
      if (event.epoch !== lastFinalised + 1)
        findings.push({
          check: 'epoch-order',
          subject,
          ok: false,
          message: `gap in epochs: epoch ${event.epoch} finalised after epoch ${lastFinalised}`,
        });
      const totalsOk =
        event.batchCount === open.batches &&
        event.revenueMinor === open.revenueMinor &&
        event.energyWh === open.energyWh &&
        BigInt(event.reportingCount) === open.reportingCount;
      findings.push({
        check: 'totals',
        subject,
        ok: totalsOk,
        message: totalsOk
          ? `${open.batches} batches, revenue ${event.revenueMinor}, energy ${event.energyWh} Wh, ${event.reportingCount} reporting`
          : `finalised totals (batches ${event.batchCount}, revenue ${event.revenueMinor}, energy ${event.energyWh}, reporting ${event.reportingCount}) differ from the batches' (${open.batches}, ${open.revenueMinor}, ${open.energyWh}, ${open.reportingCount})`,
      });
      if (event.stateRoot !== root) {
        breaks++;
        findings.push({
          check: 'root-chain',
          subject,
          ok: false,
          message: `finalised root ${event.stateRoot} is not the last attested root ${root}`,
        });
      }
      lastFinalised = event.epoch;
      open = { batches: 0, energyWh: 0n, revenueMinor: 0n, reportingCount: 0n };
      continue;
    }
    if (event.oldRoot !== root) {
      breaks++;
      findings.push({
        check: 'root-chain',
        subject: describe(event),
        ok: false,
        message: `gap or fork in the root chain: starts from ${event.oldRoot} but the attested root was ${root}`,
      });
    }
    root = event.newRoot;
    if (event.kind === 'batch') {
      if (event.epoch !== lastFinalised + 1 || event.batchIndex !== open.batches)
        findings.push({
          check: 'batch-order',
          subject: describe(event),
          ok: false,
          message: `expected epoch ${lastFinalised + 1} batch ${open.batches}`,
        });
      open.batches++;
      open.energyWh += event.energyWh;
      open.revenueMinor += event.revenueMinor;
      open.reportingCount += event.reportingCount;
    }
  }
  if (breaks === 0)
    findings.push({
      check: 'root-chain',
      subject: `${ordered.length} attestations`,
      ok: true,
      message: `one unbroken chain of state roots from the empty root to ${root}`,
    });
  return findings;
}

/** The on-chain record of an epoch's distribution, as `epochDistribution(epoch)` returns it. */
export interface DistributionRecord {
  revenueMinor: bigint;
  investorShareBps: number;
  distributedAt: bigint;
  stablecoinPerMinorE18: bigint;
  requiredUnits: bigint;
  depositedUnits: bigint;
  /** When `recordUndistributed` fixed the amount (0 when it did not). */
  recordedAt?: bigint;
}

/** Units owed to holders for `revenueMinor`: floor(revenue x bps x rate / (10,000 x 10^18)), as the token computes. */
export function requiredUnitsFor(revenueMinor: bigint, investorShareBps: number, rateE18: bigint): bigint {
  return (revenueMinor * BigInt(investorShareBps) * rateE18) / (10_000n * 10n ** 18n);
}

/**
 * Checks an epoch's distribution against its proven revenue: the revenue used is the proven one, the required
 * amount follows from it, and what was deposited covers what was required.
 */
export function checkDistribution(
  epoch: number,
  provenRevenueMinor: bigint,
  poolInvestorShareBps: number,
  record: DistributionRecord,
): Finding {
  const subject = `epoch ${epoch} distribution`;
  if (record.distributedAt === 0n)
    return { check: 'distribution', subject, ok: true, message: 'not distributed yet (nothing to check)' };
  if (record.revenueMinor !== provenRevenueMinor)
    return {
      check: 'distribution',
      subject,
      ok: false,
      message: `distributed on revenue ${record.revenueMinor}, but the proven revenue is ${provenRevenueMinor}`,
    };
  const required = requiredUnitsFor(
    provenRevenueMinor,
    record.investorShareBps,
    record.stablecoinPerMinorE18,
  );
  if (record.investorShareBps !== poolInvestorShareBps || record.requiredUnits !== required)
    return {
      check: 'distribution',
      subject,
      ok: false,
      message: `required ${record.requiredUnits} units, expected ${required} (share ${record.investorShareBps} bps, rate ${record.stablecoinPerMinorE18})`,
    };
  if (record.depositedUnits < record.requiredUnits)
    return {
      check: 'distribution',
      subject,
      ok: false,
      message: `under-funded distribution: required ${record.requiredUnits} units, deposited ${record.depositedUnits} (shortfall ${record.requiredUnits - record.depositedUnits})`,
    };
  return {
    check: 'distribution',
    subject,
    ok: true,
    message: `funded: ${record.depositedUnits} of ${record.requiredUnits} units`,
  };
}

/** Timing of an epoch's distribution duty: finalised at `finalisedAtS`, due `graceS` seconds later. */
export interface DistributionDue {
  finalisedAtS: bigint;
  graceS: number;
  nowS: bigint;
}

/**
 * Checks an epoch that was finalised but not distributed: a warning within the grace period, a failure past it
 * unless anyone recorded it (`recordUndistributed`), whose required amount is then owed in full (a warning that
 * shows the recorded shortfall).
 */
export function checkUndistributed(epoch: number, record: DistributionRecord, due: DistributionDue): Finding {
  const subject = `epoch ${epoch} distribution`;
  const dueAtS = due.finalisedAtS + BigInt(due.graceS);
  if (record.recordedAt !== undefined && record.recordedAt !== 0n)
    return warn(
      'distribution',
      subject,
      `not distributed; recorded as undistributed at ${record.recordedAt}: required ${record.requiredUnits} units at rate ${record.stablecoinPerMinorE18}, shortfall ${record.requiredUnits - record.depositedUnits}`,
    );
  if (due.nowS < dueAtS)
    return warn(
      'distribution',
      subject,
      `not distributed yet; the grace period ends at ${dueAtS} (in ${dueAtS - due.nowS} s)`,
    );
  return fail(
    'distribution',
    subject,
    `not distributed within the grace period: finalised at ${due.finalisedAtS}, due at ${dueAtS}, not recorded (anyone may call recordUndistributed(${epoch}))`,
  );
}
