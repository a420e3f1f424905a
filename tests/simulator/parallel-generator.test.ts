import { describe, expect, it } from 'vitest';
import { FAULT_KINDS, type FleetConfigInput, parseFleetConfig } from '../../simulator/config.ts';
import { FleetGenerator, type SimMessage } from '../../simulator/generator.ts';
import { ParallelFleetGenerator } from '../../simulator/parallel/parallel-generator.ts';

const input: FleetConfigInput = {
  seed: 'parallel',
  start: '2026-07-01T00:00:00Z',
  durationS: 4 * 3600,
  intervalS: 600,
  pools: [
    { poolId: 1, ev: { piles: 7, pilesPerStation: 3 }, pv: { sites: 2 } },
    { poolId: 2, ev: { piles: 2 }, pv: { sites: 1 } },
  ],
  faults: { ...Object.fromEntries(FAULT_KINDS.map((k) => [k, 0.05])), offlineDurationS: 1800 },
};

describe('parallel fleet generator', () => {
  const serial = new FleetGenerator(parseFleetConfig(input));
  const expected: SimMessage[] = [...serial];

  for (const threads of [2, 3]) {
    it(`yields the serial stream byte for byte with the same ground truth and stats (${threads} threads)`, async () => {
      const parallel = new ParallelFleetGenerator(parseFleetConfig(input), { threads, batchSize: 7 });
      const messages: SimMessage[] = [];
      for await (const message of parallel) messages.push(message);
      expect(messages.length).toBe(expected.length);
      expect(messages.map((m) => m.payload)).toEqual(expected.map((m) => m.payload));
      expect(messages).toEqual(expected);
      expect(parallel.stats).toEqual(serial.stats);
    });
  }

  it('refuses a non-positive thread count', () => {
    expect(() => new ParallelFleetGenerator(parseFleetConfig(input), { threads: 0 })).toThrow(/threads/);
  });
});
