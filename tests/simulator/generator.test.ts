import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  MAX_PAYLOAD_BYTES,
  ProtocolError,
  parseReading,
  parseTopic,
  type SignedReading,
  serializeReading,
  verifyReading,
} from '../../protocol/index.ts';
import {
  FAULT_KINDS,
  type FaultKind,
  type FleetConfigInput,
  parseFleetConfig,
} from '../../simulator/config.ts';
import { FleetGenerator, type SimMessage } from '../../simulator/generator.ts';
import { localHour } from '../../simulator/models/tariff.ts';

const base: FleetConfigInput = {
  seed: 'generator-test',
  start: '2026-03-20T12:00:00Z', // 20:00 in China: the night, then a whole day
  durationS: 24 * 3600,
  intervalS: 900,
  pools: [
    { poolId: 3, maxTariffMinorPerKwh: 190, ev: { piles: 6, pilesPerStation: 3 }, pv: { sites: 3 } },
    { poolId: 4, maxTariffMinorPerKwh: 120, ev: { piles: 0 }, pv: { sites: 1, tariffMinorPerKwh: 65 } },
  ],
};

function run(input: FleetConfigInput): { generator: FleetGenerator; messages: SimMessage[] } {
  const generator = new FleetGenerator(parseFleetConfig(input));
  return { generator, messages: [...generator] };
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

function digest(messages: readonly SimMessage[]): string {
  const hash = createHash('sha256');
  for (const m of messages) hash.update(`${m.topic}\n${m.payload}\n`);
  return hash.digest('hex');
}

describe('fleet generator without faults', () => {
  let clean: ReturnType<typeof run>;
  beforeAll(() => {
    clean = run(base);
  });

  it('is reproducible byte for byte from the seed, and the seed matters', () => {
    const again = run(base);
    expect(again.messages.map((m) => m.payload)).toEqual(clean.messages.map((m) => m.payload));
    const other = run({ ...base, seed: 'another-seed' });
    expect(digest(other.messages)).not.toBe(digest(clean.messages));
  });

  it('publishes one baseline reading per device at the start, then every interval', () => {
    const { generator, messages } = clean;
    const first = messages.slice(0, generator.devices.length);
    expect(first.map((m) => m.reading.ts)).toEqual(generator.devices.map(() => generator.startTs));
    expect(first.map((m) => m.reading.seq)).toEqual(generator.devices.map(() => 1));
    const perDevice = groupBy(messages, (m) => m.deviceId);
    for (const stream of perDevice.values()) {
      expect(stream.length).toBe(Math.floor(base.durationS! / base.intervalS!) + 1);
      for (let i = 2; i < stream.length; i++) {
        expect(stream[i]!.reading.ts - stream[i - 1]!.reading.ts).toBe(base.intervalS);
      }
    }
    // Global order is simulated time order.
    for (let i = 1; i < messages.length; i++) {
      expect(messages[i]!.publishTs).toBeGreaterThanOrEqual(messages[i - 1]!.publishTs);
    }
  });

  it('emits only valid, correctly signed readings on the right topics, all expected accepted', () => {
    const { generator, messages } = clean;
    expect(generator.stats.expected).toEqual({ accepted: messages.length, duplicate: 0, rejected: {} });
    for (const m of messages) {
      const parsed = parseReading(m.payload);
      expect(parsed).toEqual(m.reading);
      expect(parseTopic(m.topic)).toEqual({ poolId: parsed.poolId, deviceId: parsed.deviceId });
      expect(Buffer.byteLength(m.payload)).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    }
    // Signatures: a sample of every device (verification is the slow part).
    const sample = messages.filter((m) => m.reading.seq % 16 === 1);
    for (const m of sample) {
      expect(verifyReading(m.reading, generator.keys.get(m.deviceId)!.publicKey)).toBe(true);
    }
  });

  it('writes every reading in the one canonical wire form (what the gateway stores as evidence)', () => {
    const { messages } = run({
      ...base,
      faults: { replay: 0.05, tamper: 0.05, clockSkew: 0.05, counterReset: 0.05 },
    });
    const wellFormed = messages.filter((m) => m.fault !== 'malformed' && m.fault !== 'oversized');
    expect(wellFormed.length).toBeGreaterThan(100);
    for (const m of wellFormed) {
      // no whitespace, SPEC field order, each key once, plain decimal integers: exactly serializeReading's output
      expect(serializeReading(parseReading(m.payload))).toBe(m.payload);
      expect(m.payload).toMatch(
        /^\{"v":1,"kind":"(ev|pv)","poolId":\d+,"deviceId":"[a-z0-9-]+","seq":[1-9]\d*,/,
      );
      expect(m.payload).not.toMatch(/\d[.eE]|[:,\s]-?0\d|:-0[,}]|\s/);
    }
  });

  it('keeps registers non-decreasing, energy within rated power x time and revenue within the tariff cap', () => {
    const { generator, messages } = clean;
    const specs = new Map(generator.devices.map((d) => [d.deviceId, d]));
    const last = new Map<string, SignedReading>();
    let pairs = 0;
    for (const m of messages) {
      const spec = specs.get(m.deviceId)!;
      const r = m.reading;
      expect(r.powerW).toBeLessThanOrEqual(spec.ratedPowerW);
      const prev = last.get(m.deviceId);
      if (prev) {
        const dE = BigInt(r.energyWh - prev.energyWh);
        const dR = BigInt(r.revenueMinor - prev.revenueMinor);
        expect(dE).toBeGreaterThanOrEqual(0n);
        expect(dR).toBeGreaterThanOrEqual(0n);
        expect(dE * 3600n <= BigInt(spec.ratedPowerW) * BigInt(r.ts - prev.ts)).toBe(true);
        expect(dR * 1000n <= dE * BigInt(spec.maxTariffMinorPerKwh)).toBe(true);
        pairs++;
      }
      last.set(m.deviceId, r);
    }
    expect(pairs).toBeGreaterThan(500);
    // The fleet did work: energy and revenue accrued for both kinds.
    const { stats } = generator;
    expect(stats.meteredEnergyWh.ev).toBeGreaterThan(0n);
    expect(stats.meteredEnergyWh.pv).toBeGreaterThan(0n);
    expect(stats.meteredRevenueMinor.pv).toBeGreaterThan(0n);
    expect(stats.acceptedEnergyWh).toBe(stats.meteredEnergyWh.ev + stats.meteredEnergyWh.pv);
    expect(stats.acceptedRevenueMinor).toBe(stats.meteredRevenueMinor.ev + stats.meteredRevenueMinor.pv);
  });

  it('has PV produce nothing at night and something by day', () => {
    const pv = clean.messages.filter((m) => m.kind === 'pv');
    const night = (ts: number) => {
      const hour = localHour(ts, 8);
      return hour >= 20 || hour < 4;
    };
    const byDevice = groupBy(pv, (m) => m.deviceId);
    let nightPairs = 0;
    for (const stream of byDevice.values()) {
      for (let i = 1; i < stream.length; i++) {
        const [a, b] = [stream[i - 1]!.reading, stream[i]!.reading];
        if (night(a.ts) && night(b.ts)) {
          nightPairs++;
          expect(b.energyWh).toBe(a.energyWh);
          expect(b.powerW).toBe(0);
          expect(b.kind === 'pv' && b.irradianceWm2).toBe(0);
        }
      }
      const noon = stream.find((m) => localHour(m.reading.ts, 8) === 12)!.reading;
      expect(noon.powerW).toBeGreaterThan(0);
    }
    expect(nightPairs).toBeGreaterThan(20);
  });
});

describe('fleet generator faults', () => {
  const rates = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0.04])) as Record<FaultKind, number>;
  let faulty: ReturnType<typeof run>;
  beforeAll(() => {
    faulty = run({ ...base, seed: 'faults', faults: { ...rates, offlineDurationS: 3600 } });
  });

  it('applies every fault kind when switched on and counts it', () => {
    const { generator, messages } = faulty;
    for (const kind of FAULT_KINDS) expect(generator.stats.faults[kind], kind).toBeGreaterThan(0);
    for (const kind of FAULT_KINDS.filter((k) => k !== 'drop' && k !== 'offline')) {
      expect(messages.filter((m) => m.fault === kind).length, kind).toBe(generator.stats.faults[kind]);
    }
    expect(generator.stats.offlineSkippedReadings).toBeGreaterThanOrEqual(generator.stats.faults.offline);
  });

  it('never applies a fault kind that is off', () => {
    for (const kind of FAULT_KINDS) {
      const { generator, messages } = run({ ...base, durationS: 6 * 3600, faults: { ...rates, [kind]: 0 } });
      expect(generator.stats.faults[kind], kind).toBe(0);
      expect(messages.some((m) => m.fault === kind)).toBe(false);
    }
  });

  it('labels each fault with the reason a correct gateway must give', () => {
    const { messages } = faulty;
    const expectedByFault: Partial<Record<FaultKind, string>> = {
      duplicate: 'duplicate',
      clockSkew: 'TIMESTAMP_SKEW',
      replay: 'SEQUENCE_REPLAY',
      tamper: 'SIGNATURE_INVALID',
      counterReset: 'REGISTER_DECREASED',
      malformed: 'JSON_MALFORMED',
      oversized: 'PAYLOAD_TOO_LARGE',
    };
    for (const m of messages) {
      const label = m.expected.status === 'rejected' ? m.expected.reason : m.expected.status;
      if (m.fault === undefined) expect(label, `${m.deviceId} seq ${m.reading.seq}`).toBe('accepted');
      else if (m.fault === 'outOfOrder') expect(['SEQUENCE_REPLAY', 'accepted']).toContain(label);
      else expect(label, m.fault).toBe(expectedByFault[m.fault]);
    }
    expect(messages.some((m) => m.fault === 'outOfOrder' && m.expected.status === 'rejected')).toBe(true);
  });

  it('produces messages the protocol module rejects with the same stateless reason codes', () => {
    const { generator, messages } = faulty;
    for (const m of messages) {
      if (
        m.expected.status === 'rejected' &&
        ['PAYLOAD_TOO_LARGE', 'JSON_MALFORMED'].includes(m.expected.reason)
      ) {
        const error = (() => {
          try {
            parseReading(m.payload);
          } catch (e) {
            return e;
          }
        })();
        expect(error).toBeInstanceOf(ProtocolError);
        expect((error as ProtocolError).code).toBe(m.expected.reason);
        continue;
      }
      const parsed = parseReading(m.payload);
      const key = generator.keys.get(m.deviceId)!.publicKey;
      const signatureOk = verifyReading(parsed, key);
      expect(signatureOk, `${m.fault} ${m.deviceId} seq ${m.reading.seq}`).toBe(m.fault !== 'tamper');
    }
    expect(
      messages.filter((m) => m.fault === 'oversized').every((m) => Buffer.byteLength(m.payload) > 1024),
    ).toBe(true);
  });

  it('keeps genuine readings consistent: drops and offline periods leave gaps, registers still telescope', () => {
    const { generator, messages } = faulty;
    const accepted = messages.filter((m) => m.expected.status === 'accepted');
    const byDevice = groupBy(accepted, (m) => m.deviceId);
    let gaps = 0;
    for (const stream of byDevice.values()) {
      for (let i = 1; i < stream.length; i++) {
        const [a, b] = [stream[i - 1]!.reading, stream[i]!.reading];
        expect(b.seq).toBeGreaterThan(a.seq);
        expect(b.energyWh).toBeGreaterThanOrEqual(a.energyWh);
        if (b.seq - a.seq > 1 || b.ts - a.ts > base.intervalS!) gaps++;
      }
    }
    expect(gaps).toBeGreaterThan(0);
    expect(generator.stats.expected.accepted).toBe(accepted.length);
  });

  it('counter-reset readings go down and nothing else does', () => {
    const { messages } = faulty;
    const resets = messages.filter((m) => m.fault === 'counterReset');
    expect(resets.every((m) => m.reading.energyWh === 0 && m.reading.revenueMinor === 0)).toBe(true);
  });
});
