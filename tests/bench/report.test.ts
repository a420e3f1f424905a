import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type BenchReport,
  type Figure,
  formatGoal,
  formatValue,
  renderReportMarkdown,
  reportFigures,
} from '../../bench/report.ts';

const fixturesDir = join(import.meta.dirname, 'fixtures');

/** Every fixture result file, parsed, by file name; a fresh copy per call so a test may change it. */
function fixtures(): Record<string, unknown> {
  return Object.fromEntries(
    readdirSync(fixturesDir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => [f, JSON.parse(readFileSync(join(fixturesDir, f), 'utf8'))]),
  );
}

function find(figures: Figure[], name: string): Figure {
  const found = figures.find((f) => f.name === name);
  if (!found)
    throw new Error(`no figure named "${name}"; figures: ${figures.map((f) => f.name).join(' / ')}`);
  return found;
}

const HEADLINE_NAMES = [
  'ingest rate via aedes, every validation on',
  'ingest rate via mosquitto, every validation on',
  'constraints per device-epoch, epoch_b16_d16',
  'constraints per device-epoch, epoch_b64_d20',
  'proving throughput, epoch_b16_d16, one proof at a time',
  'proving throughput, epoch_b64_d20, one proof at a time',
  'epoch latency, close -> finalised, 1,000 devices',
  'gas per device-epoch, epoch_b16_d16',
  'development ptau 2^18, prepared',
  'demo (second run, artifacts cached)',
];

const MEMORY_NAMES = [
  'gateway RSS with 10,000 registered devices',
  'gateway RSS with 20,000 registered devices',
  'prover peak RSS, one epoch_b16_d16 proof',
  'development ptau 2^18 peak RSS',
];

describe('reportFigures: figures read from the result files', () => {
  const figures = reportFigures(fixtures());

  it('reads each headline figure from its field, with its unit, source and command', () => {
    const expected: Array<[string, number, string, string]> = [
      ['ingest rate via aedes, every validation on', 4032, 'readings/s', 'gateway-ingest.json'],
      ['ingest rate via mosquitto, every validation on', 5000, 'readings/s', 'gateway-ingest.json'],
      ['publish -> ledger latency p99 at 1,000 readings/s', 250, 'ms', 'gateway-ingest.json'],
      ['publish -> ledger latency p99 at 300 readings/s', 251, 'ms', 'gateway-ingest.json'],
      ['constraints per device-epoch, epoch_b16_d16', 6705, 'constraints', 'circuits.json'],
      ['constraints per device-epoch, epoch_b64_d20', 6458, 'constraints', 'circuits.json'],
      ['proving throughput, epoch_b16_d16, one proof at a time', 107, 'device-epochs/min', 'circuits.json'],
      [
        'proving throughput in the oracle, epoch_demo with 2 prover workers',
        80,
        'device-epochs/min',
        'oracle-epoch.json',
      ],
      ['epoch latency, close -> finalised, 1,000 devices', 13, 'min', 'oracle-epoch.json'],
      ['gas per device-epoch, epoch_b16_d16', 30001, 'gas', 'gas.json'],
      ['gas per device-epoch, epoch_b64_d20 (estimated)', 5605, 'gas', 'gas.json'],
      ['development ptau 2^18, prepared', 7.4, 'min', 'ptau-dev.json'],
      ['demo (second run, artifacts cached)', 3, 'min', 'demo.json'],
    ];
    for (const [name, value, unit, file] of expected) {
      const f = find(figures, name);
      expect({
        name,
        value: Number(f.value?.toFixed(1)),
        unit: f.unit,
        source: f.source,
        group: f.group,
      }).toEqual({
        name,
        value,
        unit,
        source: `bench/results/${file}`,
        group: 'headline',
      });
      expect(f.command).toMatch(/^(npm run|npx tsx)/);
    }
  });

  it('reads the memory figures', () => {
    expect(MEMORY_NAMES.map((name) => find(figures, name).value)).toEqual([322, 377, 612, 492]);
    const oracle = find(figures, 'prover peak RSS in the oracle, 2 workers');
    expect([oracle.value, oracle.unit, oracle.group]).toEqual([688, 'MiB', 'memory']);
  });

  it('takes the dev-ptau run at power 18, not the snarkjs one', () => {
    expect(find(figures, 'development ptau 2^18 peak RSS').value).toBe(492);
  });

  it('puts headline figures first, then memory, then other', () => {
    const groups = figures.map((f) => f.group);
    expect(groups.lastIndexOf('headline')).toBeLessThan(groups.indexOf('memory'));
    expect(groups.lastIndexOf('memory')).toBeLessThan(groups.indexOf('other'));
  });

  it('records the load average at measurement where the result file has it', () => {
    expect(find(figures, 'ingest rate via aedes, every validation on').load).toBe('1.20 (1 min)');
    expect(find(figures, 'proving throughput, epoch_b16_d16, one proof at a time').load).toBe(
      '1.60 2.90 6.20 (1/5/15 min, end of the benchmark)',
    );
    expect(find(figures, 'epoch latency, close -> finalised, 1,000 devices').load).toBe(
      '2.04 mean, 2.31 max (1 min, during the run)',
    );
    expect(find(figures, 'development ptau 2^18, prepared').load).toBe('11.67 before, 10.26 after (1 min)');
    expect(find(figures, 'gas per device-epoch, epoch_b16_d16').load).toBe('n/a (does not depend on load)');
    expect(find(figures, 'demo (second run, artifacts cached)').load).toBeNull();
  });

  it('says the 1,000-device epoch latency is projected from a smaller run', () => {
    expect(find(figures, 'epoch latency, close -> finalised, 1,000 devices').note).toMatch(
      /^projected from 64 devices: 49,882 ms/,
    );
  });

  it('summarises the demo phases and its slowest epoch', () => {
    expect(find(figures, 'demo (second run, artifacts cached)').note).toBe(
      'build 1 s, setup 15 s, fleet 40 s, proving 46 s, verify 5 s; 2 epochs, slowest close -> finalised 31 s',
    );
  });

  it('says when the demo run built its artifacts (not a cached second run)', () => {
    const files = fixtures();
    (files['demo.json'] as { timingsMs: { build: number } }).timingsMs.build = 95_000;
    expect(find(reportFigures(files), 'demo (second run, artifacts cached)').note).toMatch(
      /^the build took 95 s, so the artifacts were not cached/,
    );
  });
});

describe('reportFigures: gateway burst and paced runs', () => {
  it('takes the burst run as the ingest rate and lists paced runs without a goal', () => {
    const files = fixtures();
    const gateway = files['gateway-ingest.json'] as { throughput: Array<Record<string, unknown>> };
    const [aedes, mosquitto] = gateway.throughput as [Record<string, unknown>, Record<string, unknown>];
    gateway.throughput = [
      { ...aedes, offeredRatePerS: 4000, readingsPerS: 3990, lagAfterPublishS: 0.4, maxQueueDepth: 120 },
      { ...aedes, offeredRatePerS: 'burst', readingsPerS: 4100, readingsPerGatewayCpuS: 2010 },
      mosquitto,
    ];
    delete gateway.throughput[1]!.readingsPerProcessCpuS;
    const figures = reportFigures(files);
    const burst = find(figures, 'ingest rate via aedes, every validation on');
    expect([burst.value, burst.status, burst.note]).toEqual([
      4100,
      'not met',
      'burst of 20,000 readings; 2,010 readings per gateway CPU-second',
    ]);
    const paced = find(figures, 'ingest via aedes paced at 4,000 readings/s');
    expect([paced.value, paced.group, paced.goal, paced.status, paced.command]).toEqual([
      3990,
      'other',
      null,
      'no goal',
      'npm run bench:gateway -- --rate 4000',
    ]);
    expect(paced.note).toMatch(/committed 0.4 s after the last publish; gateway queue up to 120$/);
  });
});

describe('reportFigures: goals judged', () => {
  const figures = reportFigures(fixtures());
  const status = (name: string) => find(figures, name).status;

  it('judges ">=" goals inclusively: 5,000 readings/s meets the ingest goal, 4,032 does not', () => {
    expect(status('ingest rate via mosquitto, every validation on')).toBe('met');
    expect(status('ingest rate via aedes, every validation on')).toBe('not met');
  });

  it('judges "<=" goals inclusively: p99 250 ms meets the goal, 251 ms does not', () => {
    expect(status('publish -> ledger latency p99 at 1,000 readings/s')).toBe('met');
    expect(status('publish -> ledger latency p99 at 300 readings/s')).toBe('not met');
  });

  it('judges gas, constraints, proving, epoch latency, ptau and demo against their goals', () => {
    expect(status('gas per device-epoch, epoch_b16_d16')).toBe('not met');
    expect(status('gas per device-epoch, epoch_b64_d20 (estimated)')).toBe('met');
    expect(status('constraints per device-epoch, epoch_b16_d16')).toBe('met');
    expect(status('proving throughput, epoch_b16_d16, one proof at a time')).toBe('met');
    expect(status('epoch latency, close -> finalised, 1,000 devices')).toBe('met');
    expect(status('development ptau 2^18, prepared')).toBe('met');
    expect(status('demo (second run, artifacts cached)')).toBe('met');
  });

  it('fails figures beyond their goal', () => {
    const files = fixtures();
    const circuits = files['circuits.json'] as { results: Array<Record<string, unknown>> };
    const b16 = circuits.results.find((r) => r.instance === 'epoch_b16_d16')!;
    b16.constraintsPerSlot = 10_001;
    b16.slotsPerMinute = 59;
    (files['oracle-epoch.json'] as Record<string, unknown>).projected1000DevicesMin = 20.1;
    (files['ptau-dev.json'] as { measurements: Array<Record<string, unknown>> }).measurements[1]!.seconds =
      600.2;
    (files['demo.json'] as { timingsMs: { total: number } }).timingsMs.total = 180_001;
    const changed = reportFigures(files);
    for (const name of [
      'constraints per device-epoch, epoch_b16_d16',
      'proving throughput, epoch_b16_d16, one proof at a time',
      'epoch latency, close -> finalised, 1,000 devices',
      'development ptau 2^18, prepared',
      'demo (second run, artifacts cached)',
    ])
      expect([name, find(changed, name).status]).toEqual([name, 'not met']);
  });

  it('marks figures without a stated goal as "no goal"', () => {
    const withoutGoal = figures.filter((f) => f.group !== 'headline' && f.value !== null);
    expect(withoutGoal.length).toBeGreaterThanOrEqual(8);
    for (const f of withoutGoal) {
      expect(f.goal).toBeNull();
      expect(f.status).toBe('no goal');
    }
  });

  it('uses the measured latency instead of the projection once the run has 1,000 devices', () => {
    const files = fixtures();
    Object.assign(files['oracle-epoch.json'] as object, { devices: 1000 });
    const f = find(reportFigures(files), 'epoch latency, close -> finalised, 1,000 devices');
    expect([f.value, f.note]).toEqual([(49_882 * 1000) / 1000 / 60_000, 'measured with 1,000 devices']);
  });
});

describe('reportFigures: missing results are "not run", never invented', () => {
  it('shows every figure as not run when there are no result files', () => {
    const figures = reportFigures({});
    expect(figures.length).toBeGreaterThanOrEqual(HEADLINE_NAMES.length + MEMORY_NAMES.length);
    for (const name of [...HEADLINE_NAMES, ...MEMORY_NAMES])
      expect(find(figures, name).status).toBe('not run');
    for (const f of figures) {
      expect([f.name, f.value, f.status, f.load]).toEqual([f.name, null, 'not run', null]);
      expect(f.note).toBe(`no ${f.source.replace('bench/results/', '')}: run \`${f.command}\``);
      expect(formatValue(f)).toBe('not run');
    }
  });

  it('keeps the goal of a figure not run, so the report still shows what is expected', () => {
    const f = find(reportFigures({}), 'demo (second run, artifacts cached)');
    expect(formatGoal(f)).toBe('<= 3 min');
  });

  it('shows one missing file as not run and keeps the others', () => {
    const files = fixtures();
    delete files['demo.json'];
    const figures = reportFigures(files);
    expect(find(figures, 'demo (second run, artifacts cached)').status).toBe('not run');
    expect(find(figures, 'gas per device-epoch, epoch_b16_d16').value).toBe(30001);
  });

  it('shows a figure whose field is missing as not run, naming why', () => {
    const figures = reportFigures(fixtures());
    const b64 = find(figures, 'proving throughput, epoch_b64_d20, one proof at a time');
    expect([b64.value, b64.status]).toEqual([null, 'not run']);
    expect(b64.note).toMatch(/no proving key/);
  });

  it('treats a value of the wrong type as not measured', () => {
    const files = fixtures();
    (files['gas.json'] as { production: Record<string, Record<string, unknown>> }).production
      .epoch_b16_d16!.gasPerDeviceEpoch = '22421';
    (files['gateway-ingest.json'] as { throughput: unknown }).throughput = 'none';
    const figures = reportFigures(files);
    expect(find(figures, 'gas per device-epoch, epoch_b16_d16').status).toBe('not run');
    expect(find(figures, 'ingest rate via aedes, every validation on').status).toBe('not run');
  });

  it('shows a gateway file without a latency part as one latency figure not run', () => {
    const files = fixtures();
    delete (files['gateway-ingest.json'] as Record<string, unknown>).latency;
    const latency = reportFigures(files).filter((f) => f.name.startsWith('publish -> ledger'));
    expect(latency.map((f) => [f.name, f.status])).toEqual([['publish -> ledger latency p99', 'not run']]);
  });

  it('reads the older oracle result shape (phase timings not nested, no load)', () => {
    const files = fixtures();
    const oracle = files['oracle-epoch.json'] as Record<string, unknown>;
    oracle.measuredEpoch = {
      select: 161,
      plan: 105,
      prove: 38_946,
      post: 1472,
      finalise: 144,
      total: 40_828,
    };
    delete oracle.loadAverage;
    const f = find(
      reportFigures(files),
      'proving throughput in the oracle, epoch_demo with 2 prover workers',
    );
    expect([f.value?.toFixed(1), f.load]).toEqual(['98.6', null]);
  });
});

describe('renderReportMarkdown', () => {
  const base: Omit<BenchReport, 'runs' | 'figures'> = {
    machine: { cpus: 2, model: 'AMD EPYC', memoryGiB: 24, node: 'v20.20.2' },
    loadAverageAtEnd: [0.5, 1, 1.5],
    finishedAt: '2026-11-21T17:00:00.000Z',
    runsFinishedAt: '2026-11-21T17:00:00.000Z',
    results: {},
  };

  it('writes the machine line, the headline table with goal and status, memory and the runs', () => {
    const files = fixtures();
    delete files['demo.json'];
    const markdown = renderReportMarkdown({
      ...base,
      runs: [
        { name: 'gateway', ok: true, seconds: 120, loadBefore: 0.5, loadAfter: 1.75 },
        { name: 'demo', ok: false, seconds: 30 },
      ],
      figures: reportFigures(files),
    });
    expect(markdown).toContain(
      'Machine: 2 cores (AMD EPYC), 24 GiB, Node v20.20.2; load average at the end 0.50 1.00 1.50',
    );
    expect(markdown).toContain(
      '| ingest rate via aedes, every validation on | 4,032 readings/s | >= 5,000 readings/s | not met | 1.20 (1 min) | `bench/results/gateway-ingest.json` | `npm run bench:gateway` |',
    );
    expect(markdown).toContain(
      '| demo (second run, artifacts cached) | not run | <= 3 min | not run |  | `bench/results/demo.json` |',
    );
    expect(markdown).toContain('| gateway RSS with 20,000 registered devices | 377 MiB |');
    expect(markdown).toContain('| gateway | ok | 120 | 0.50 | 1.75 |');
    expect(markdown).toContain('| demo | FAILED | 30 |  |  |');
    expect(markdown).not.toContain('Runs of the last');
    const headline = markdown.slice(markdown.indexOf('## Headline'), markdown.indexOf('## Memory'));
    expect(headline).toMatch(/^9 met, 3 not met, 2 not run\./m);
    expect(markdown.indexOf('## Headline')).toBeLessThan(markdown.indexOf('## Runs'));
  });

  it('escapes pipes inside cells so the table keeps its columns', () => {
    const markdown = renderReportMarkdown({
      ...base,
      runs: [],
      figures: reportFigures({}).map((f, i) => (i === 0 ? { ...f, note: 'a | b' } : f)),
    });
    const row = markdown.split('\n').find((l) => l.includes('a \\| b'));
    expect(row).toBeDefined();
    const header = markdown.split('\n').find((l) => l.startsWith('| figure | value | goal'))!;
    const columns = (line: string) => line.replace(/\\\|/g, '').split('|').length;
    expect(columns(row!)).toBe(columns(header));
  });

  it('says when no benchmark run is recorded (report rebuilt from the result files)', () => {
    const markdown = renderReportMarkdown({
      ...base,
      runs: [],
      runsFinishedAt: null,
      figures: reportFigures({}),
    });
    expect(markdown).toContain('No benchmark run is recorded');
    expect(markdown).not.toContain('| benchmark | status |');
  });

  it('says when the runs are those of an earlier npm run bench', () => {
    const markdown = renderReportMarkdown({
      ...base,
      runs: [{ name: 'demo', ok: true, seconds: 364 }],
      runsFinishedAt: '2026-11-21T16:00:00.000Z',
      figures: reportFigures({}),
    });
    expect(markdown).toContain('Runs of the last `npm run bench` (finished 2026-11-21T16:00:00.000Z)');
    expect(markdown).toContain('| demo | ok | 364 |');
  });
});
