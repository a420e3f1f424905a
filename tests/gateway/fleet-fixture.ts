import type { GatewayDb } from '../../gateway/db.ts';
import { Ledger } from '../../gateway/ledger/ledger.ts';
import { Quarantine } from '../../gateway/quarantine/quarantine.ts';
import { Registry } from '../../gateway/registry/registry.ts';
import { publicRecord } from '../../protocol/index.ts';
import { type FleetConfigInput, parseFleetConfig } from '../../simulator/config.ts';
import { FleetGenerator, type SimMessage } from '../../simulator/generator.ts';

/** Every fault kind the simulator has, each at a small rate. */
export const ALL_FAULTS = {
  drop: 0.03,
  duplicate: 0.05,
  outOfOrder: 0.05,
  clockSkew: 0.03,
  replay: 0.03,
  tamper: 0.03,
  counterReset: 0.04,
  offline: 0.03,
  malformed: 0.03,
  oversized: 0.02,
  clockSkewS: 3 * 3600,
  gatewaySkewToleranceS: 3600,
} as const;

/** A simulated fleet around the current wall-clock time, so a gateway on the real clock agrees with the ground truth. */
export function simulatedFleet(overrides: Partial<FleetConfigInput> = {}): {
  generator: FleetGenerator;
  messages: SimMessage[];
} {
  const nowS = Math.floor(Date.now() / 1000);
  const config = parseFleetConfig({
    seed: 'gateway-faults',
    start: nowS - 1500,
    durationS: 3000,
    intervalS: 120,
    speed: 0,
    pools: [
      {
        poolId: 7,
        maxTariffMinorPerKwh: 190,
        ev: { stations: 3, pilesPerStation: 3, sessionsPerDayDc: 150, sessionsPerDayAc: 60 },
        pv: { sites: 2 },
      },
    ],
    faults: ALL_FAULTS,
    ...overrides,
  });
  const generator = new FleetGenerator(config);
  const messages = [...generator];
  return { generator, messages };
}

/** Registers the generator's pools and devices (public parts only). */
export async function registerFleet(registry: Registry, generator: FleetGenerator): Promise<void> {
  for (const pool of generator.config.pools) {
    if (registry.getPool(pool.poolId) !== undefined) continue;
    await registry.addPool({
      poolId: pool.poolId,
      currency: 'CNY',
      decimals: 2,
      maxTariffMinorPerKwh: BigInt(pool.maxTariffMinorPerKwh),
      epochLengthS: 3600,
      genesisTs: generator.startTs,
    });
  }
  const keys = generator.devices.map((d) => {
    const key = generator.keys.get(d.deviceId);
    if (key === undefined) throw new Error(`no key for ${d.deviceId}`);
    return publicRecord(key);
  });
  await registry.registerDevices(keys);
}

/** Expected outcome counts of a message stream. */
export function expectedOutcomes(messages: readonly SimMessage[]) {
  const rejected: Record<string, number> = {};
  let accepted = 0;
  let duplicate = 0;
  for (const m of messages) {
    if (m.expected.status === 'accepted') accepted++;
    else if (m.expected.status === 'duplicate') duplicate++;
    else rejected[m.expected.reason] = (rejected[m.expected.reason] ?? 0) + 1;
  }
  return { accepted, duplicate, rejected };
}

/**
 * Asserts the gateway's stores against the ground truth: every valid message in the ledger exactly
 * once with its signature, nothing else there, and every invalid one in quarantine with its reason.
 * Returns a list of problems (empty when all is well).
 */
export async function compareWithTruth(db: GatewayDb, messages: readonly SimMessage[]): Promise<string[]> {
  const ledger = new Ledger(db);
  const quarantine = new Quarantine(db);
  const problems: string[] = [];
  const expected = expectedOutcomes(messages);
  const count = await ledger.count();
  if (count !== expected.accepted)
    problems.push(`ledger has ${count} readings, expected ${expected.accepted}`);
  const result = await db.reader.runAndReadAll('SELECT device_id, seq, sig_s FROM readings');
  const inLedger = new Map(result.getRowObjects().map((r) => [`${r.device_id}/${r.seq}`, String(r.sig_s)]));
  for (const m of messages) {
    if (m.expected.status !== 'accepted') continue;
    const sig = inLedger.get(`${m.reading.deviceId}/${m.reading.seq}`);
    if (sig !== m.reading.sig.S)
      problems.push(`accepted message ${m.index} (${m.deviceId} seq ${m.reading.seq}) missing`);
  }
  const byReason = await quarantine.countByReason();
  const reasons = new Set([...Object.keys(byReason), ...Object.keys(expected.rejected)]);
  for (const reason of reasons) {
    if ((byReason[reason] ?? 0) !== (expected.rejected[reason] ?? 0))
      problems.push(
        `quarantine has ${byReason[reason] ?? 0} ${reason}, expected ${expected.rejected[reason] ?? 0}`,
      );
  }
  return problems;
}

export { Registry };
