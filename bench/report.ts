/**
 * Headline figures of the benchmark report, computed from the result files in `bench/results/`
 * (pure: the caller reads the files). A figure whose file or field is missing is reported as
 * "not run", never estimated here. Goals are the ones the project states for each figure.
 */

/** Parsed result files by file name (`gateway-ingest.json`); a missing file is absent or `undefined`. */
export type ResultFiles = Readonly<Record<string, unknown>>;

/** A goal a figure must meet: `value >= goal` or `value <= goal`, in the figure's unit. */
export interface Goal {
  readonly comparison: '>=' | '<=';
  readonly value: number;
}

/** `met` / `not met` against the goal; `no goal` when none is stated; `not run` when not measured. */
export type FigureStatus = 'met' | 'not met' | 'no goal' | 'not run';

/** Which table of the report a figure belongs to. */
export type FigureGroup = 'headline' | 'memory' | 'other';

/** One figure of the report. */
export interface Figure {
  readonly group: FigureGroup;
  readonly name: string;
  /** The measured value in `unit`, unrounded (the goal is judged on it; {@link formatValue} rounds); `null` when not run. */
  readonly value: number | null;
  readonly unit: string;
  readonly goal: Goal | null;
  readonly status: FigureStatus;
  /** The result file it was read from (`bench/results/<file>`). */
  readonly source: string;
  /** The load average when it was measured, as the result file records it; `null` when it does not. */
  readonly load: string | null;
  /** The command that reproduces it. */
  readonly command: string;
  /** What the value means (instance, projection, companion figures) or why it was not run. */
  readonly note: string | null;
}

/** A benchmark run of `npm run bench`. */
export interface BenchRun {
  readonly name: string;
  readonly ok: boolean;
  readonly seconds: number;
  /** 1-minute load average just before and just after the run (absent in older reports). */
  readonly loadBefore?: number;
  readonly loadAfter?: number;
}

/** The machine the report was produced on. */
export interface MachineFacts {
  readonly cpus: number;
  readonly model: string;
  readonly memoryGiB: number;
  readonly node: string;
}

/** Everything `report.json` holds. */
export interface BenchReport {
  readonly machine: MachineFacts;
  readonly loadAverageAtEnd: readonly number[];
  readonly finishedAt: string;
  /** Benchmark runs of the last `npm run bench` (kept when the report is rebuilt from the result files). */
  readonly runs: readonly BenchRun[];
  /** When those runs finished (`finishedAt` when this report ran them); `null` when none is recorded. */
  readonly runsFinishedAt: string | null;
  readonly figures: readonly Figure[];
  readonly results: ResultFiles;
}

/** Goals stated in the project's issue, in each figure's unit. */
export const GOALS = {
  ingestReadingsPerS: { comparison: '>=', value: 5_000 },
  publishToLedgerP99Ms: { comparison: '<=', value: 250 },
  constraintsPerDeviceEpoch: { comparison: '<=', value: 10_000 },
  provingDeviceEpochsPerMin: { comparison: '>=', value: 60 },
  gasPerDeviceEpoch: { comparison: '<=', value: 30_000 },
  epochLatency1000DevicesMin: { comparison: '<=', value: 20 },
  ptau2Pow18Min: { comparison: '<=', value: 10 },
  demoSecondRunMin: { comparison: '<=', value: 3 },
} as const satisfies Record<string, Goal>;

/** The production epoch instances (batch size 16 and 64). */
const PRODUCTION_EPOCH_INSTANCES = ['epoch_b16_d16', 'epoch_b64_d20'] as const;
/** A demo build phase longer than this compiled circuits or contracts: the run was not a cached second run. */
const DEMO_CACHED_BUILD_MAX_MS = 30_000;
/** The memory benchmark's device counts of the gateway. */
const GATEWAY_MEMORY_DEVICES = [10_000, 20_000] as const;

type Json = Record<string, unknown>;

function asObject(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function asArray(value: unknown): Json[] {
  return Array.isArray(value) ? value.map(asObject).filter((v): v is Json => v !== undefined) : [];
}

function asNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The value at a path of object keys and array indexes, or `undefined`. */
function at(value: unknown, ...keys: Array<string | number>): unknown {
  let current = value;
  for (const key of keys) {
    current =
      typeof key === 'number'
        ? Array.isArray(current)
          ? current[key]
          : undefined
        : asObject(current)?.[key];
  }
  return current;
}

/** A number from a result file for a note (`20,000`), or `?` when absent. */
function n(value: unknown): string {
  const number = asNumber(value);
  return number === undefined ? '?' : formatNumber(number);
}

function judge(value: number | null, goal: Goal | null): FigureStatus {
  if (value === null) return 'not run';
  if (goal === null) return 'no goal';
  const met = goal.comparison === '>=' ? value >= goal.value : value <= goal.value;
  return met ? 'met' : 'not met';
}

function loadText(values: unknown, label: string): string | null {
  const numbers = Array.isArray(values) ? values.map(asNumber) : [];
  if (numbers.length === 0 || numbers.some((n) => n === undefined)) return null;
  return `${(numbers as number[]).map((n) => n.toFixed(2)).join(' ')} (${label})`;
}

interface FigureInput {
  readonly group: FigureGroup;
  readonly name: string;
  readonly value: number | undefined;
  readonly unit: string;
  readonly goal?: Goal;
  readonly file: string;
  readonly load?: string | null;
  /** The figure does not depend on how busy the machine is (constraints, gas). */
  readonly loadIndependent?: boolean;
  readonly command: string;
  readonly note?: string | null;
  /** Said when the value is missing (default: the file or field is missing). */
  readonly missing?: string;
}

function figure(files: ResultFiles, input: FigureInput): Figure {
  const value = input.value ?? null;
  const goal = input.goal ?? null;
  const fileMissing = files[input.file] === undefined;
  return {
    group: input.group,
    name: input.name,
    value,
    unit: input.unit,
    goal,
    status: judge(value, goal),
    source: `bench/results/${input.file}`,
    load:
      value === null ? null : input.loadIndependent ? 'n/a (does not depend on load)' : (input.load ?? null),
    command: input.command,
    note:
      value !== null
        ? (input.note ?? null)
        : fileMissing
          ? `no ${input.file}: run \`${input.command}\``
          : (input.missing ?? `${input.file} has no such figure: run \`${input.command}\``),
  };
}

function gatewayFigures(files: ResultFiles): Figure[] {
  const file = 'gateway-ingest.json';
  const json = files[file];
  const command = 'npm run bench:gateway';
  const endLoad = loadText(at(json, 'machine', 'loadAverage'), '1/5/15 min, end of the benchmark');
  const throughput = asArray(at(json, 'throughput'));
  const rowLoad = (row: Json | undefined) => {
    const load1m = asNumber(row?.loadAverage1m);
    return load1m === undefined ? endLoad : `${load1m.toFixed(2)} (1 min)`;
  };
  const cpuNote = (row: Json) =>
    `${n(row.messages)} readings; ${n(row.readingsPerGatewayCpuS ?? row.readingsPerProcessCpuS)} readings per gateway CPU-second`;
  // burst runs (everything published at once: the rate the gateway drains a backlog) are the headline;
  // paced runs (a steady offered rate) say whether the gateway keeps up with that rate
  const paced = (row: Json) => typeof row.offeredRatePerS === 'number' && row.offeredRatePerS > 0;
  const ingest = (['aedes', 'mosquitto'] as const).map((broker) => {
    const row = throughput.find((r) => r.broker === broker && !paced(r));
    return figure(files, {
      group: 'headline',
      name: `ingest rate via ${broker}, every validation on`,
      value: asNumber(row?.readingsPerS),
      unit: 'readings/s',
      goal: GOALS.ingestReadingsPerS,
      file,
      load: rowLoad(row),
      command,
      note: row ? `burst of ${cpuNote(row)}` : null,
    });
  });
  const pacedIngest = throughput.filter(paced).map((row) =>
    figure(files, {
      group: 'other',
      name: `ingest via ${row.broker} paced at ${n(row.offeredRatePerS)} readings/s`,
      value: asNumber(row.readingsPerS),
      unit: 'readings/s',
      file,
      load: rowLoad(row),
      command: `${command} -- --rate ${row.offeredRatePerS}`,
      note: `${cpuNote(row)}; committed ${n(row.lagAfterPublishS)} s after the last publish; gateway queue up to ${n(row.maxQueueDepth)}`,
    }),
  );
  const latencyRows = asArray(at(json, 'latency')).sort(
    (a, b) => (asNumber(b.ratePerS) ?? 0) - (asNumber(a.ratePerS) ?? 0),
  );
  const latency =
    latencyRows.length === 0
      ? [
          figure(files, {
            group: 'headline',
            name: 'publish -> ledger latency p99',
            value: undefined,
            unit: 'ms',
            goal: GOALS.publishToLedgerP99Ms,
            file,
            command,
          }),
        ]
      : latencyRows.map((row) =>
          figure(files, {
            group: 'headline',
            name: `publish -> ledger latency p99 at ${n(row.ratePerS)} readings/s`,
            value: asNumber(row.p99Ms),
            unit: 'ms',
            goal: GOALS.publishToLedgerP99Ms,
            file,
            load: endLoad,
            command,
            note: `p50 ${n(row.p50Ms)} ms, max ${n(row.maxMs)} ms over ${n(row.readings)} readings`,
          }),
        );
  const memoryRows = asArray(at(json, 'memory'));
  const memory = GATEWAY_MEMORY_DEVICES.map((devices) => {
    const row = memoryRows.find((r) => r.devices === devices);
    return figure(files, {
      group: 'memory',
      name: `gateway RSS with ${devices.toLocaleString('en-US')} registered devices`,
      value: asNumber(row?.rssMiB),
      unit: 'MiB',
      file,
      load: endLoad,
      command,
      note: row ? `baseline before registering ${n(row.baselineRssMiB)} MiB` : null,
    });
  });
  return [...ingest, ...latency, ...memory, ...pacedIngest];
}

function circuitRow(files: ResultFiles, instance: string): Json | undefined {
  return asArray(at(files['circuits.json'], 'results')).find((r) => r.instance === instance);
}

function circuitLoad(row: Json | undefined): string | null {
  return loadText(row?.load, '1/5/15 min, end of the benchmark');
}

function circuitFigures(files: ResultFiles): Figure[] {
  const file = 'circuits.json';
  const constraints = PRODUCTION_EPOCH_INSTANCES.map((instance) => {
    const row = circuitRow(files, instance);
    return figure(files, {
      group: 'headline',
      name: `constraints per device-epoch, ${instance}`,
      value: asNumber(row?.constraintsPerSlot),
      unit: 'constraints',
      goal: GOALS.constraintsPerDeviceEpoch,
      file,
      loadIndependent: true,
      command: `npx tsx circuits/build.ts --compile-only ${instance} && npm run bench:circuits -- ${instance}`,
      note: row
        ? `${n(row.constraints)} constraints for a batch of ${n(at(row, 'params', 0))} device-epochs`
        : null,
      missing: `${instance} not compiled: npx tsx circuits/build.ts --compile-only ${instance}`,
    });
  });
  const proving = PRODUCTION_EPOCH_INSTANCES.map((instance) => {
    const row = circuitRow(files, instance);
    return figure(files, {
      group: 'headline',
      name: `proving throughput, ${instance}, one proof at a time`,
      value: asNumber(row?.slotsPerMinute),
      unit: 'device-epochs/min',
      goal: GOALS.provingDeviceEpochsPerMin,
      file,
      load: circuitLoad(row),
      command: `npm run bench:circuits -- --runs 2 ${instance}`,
      note: row
        ? `${n(row.proveMs)} ms per full batch of ${n(at(row, 'params', 0))} (median of ${n(row.runs)}), witness ${n(row.witnessMs)} ms`
        : null,
      missing: `${instance} has no proving key (no Groth16 setup), so no proof was timed`,
    });
  });
  const memory = PRODUCTION_EPOCH_INSTANCES.map((instance) => {
    const row = circuitRow(files, instance);
    return figure(files, {
      group: 'memory',
      name: `prover peak RSS, one ${instance} proof`,
      value: asNumber(row?.peakRssMb),
      unit: 'MiB',
      file,
      load: circuitLoad(row),
      command: `npm run bench:circuits -- --runs 2 ${instance}`,
      note: row?.peakRssMb === undefined ? null : 'peak of the benchmark process up to this instance',
      missing: `${instance} has no proving key, so no proof was timed`,
    });
  });
  return [...constraints, ...proving, ...memory];
}

function oracleLoad(json: unknown): string | null {
  const load = at(json, 'loadAverage');
  const mean = asNumber(at(load, 'meanDuringRun'));
  const max = asNumber(at(load, 'maxDuringRun'));
  if (mean === undefined) return null;
  return `${mean.toFixed(2)} mean, ${max?.toFixed(2) ?? '?'} max (1 min, during the run)`;
}

/** The measured epoch's phase timings: the current shape nests them in `timingsMs`, older files did not. */
function oracleTimings(json: unknown): Json | undefined {
  const measured = at(json, 'measuredEpoch');
  return asObject(at(measured, 'timingsMs')) ?? asObject(measured);
}

function oracleFigures(files: ResultFiles): Figure[] {
  const file = 'oracle-epoch.json';
  const json = files[file];
  const devices = asNumber(at(json, 'devices'));
  const command = `npm run bench:oracle -- --devices ${devices ?? 64}`;
  const load = oracleLoad(json);
  const timings = oracleTimings(json);
  const proveMs = asNumber(timings?.prove);
  const totalMs = asNumber(timings?.total);
  const concurrency = asNumber(at(json, 'proverConcurrency'));
  const instance = at(json, 'epochInstance');
  const projectedMin = asNumber(at(json, 'projected1000DevicesMin'));
  const measured1000 = devices !== undefined && devices >= 1000 && totalMs !== undefined;
  return [
    figure(files, {
      group: 'headline',
      name: `proving throughput in the oracle, ${instance ?? 'epoch'} with ${concurrency ?? '?'} prover workers`,
      value:
        devices !== undefined && proveMs !== undefined && proveMs > 0
          ? (devices * 60_000) / proveMs
          : undefined,
      unit: 'device-epochs/min',
      goal: GOALS.provingDeviceEpochsPerMin,
      file,
      load,
      command,
      note: `${n(devices)} device-epochs proven in ${n(proveMs)} ms (the measured epoch's prove phase)`,
    }),
    figure(files, {
      group: 'headline',
      name: 'epoch latency, close -> finalised, 1,000 devices',
      value: measured1000 ? ((totalMs as number) * 1000) / (devices as number) / 60_000 : projectedMin,
      unit: 'min',
      goal: GOALS.epochLatency1000DevicesMin,
      file,
      load,
      command,
      note: measured1000
        ? `measured with ${n(devices)} devices`
        : `projected from ${n(devices)} devices: ${n(totalMs)} ms for the epoch, ${n(at(json, 'msPerDeviceEpoch'))} ms per device-epoch (${instance})`,
    }),
    figure(files, {
      group: 'memory',
      name: `prover peak RSS in the oracle, ${concurrency ?? '?'} workers`,
      value: asNumber(at(json, 'proverPeakRssMiB')),
      unit: 'MiB',
      file,
      load,
      command,
      note: `${instance}, ${n(devices)} devices`,
    }),
  ];
}

function gasFigures(files: ResultFiles): Figure[] {
  const file = 'gas.json';
  const production = at(files[file], 'production');
  return PRODUCTION_EPOCH_INSTANCES.map((instance) => {
    const row = asObject(at(production, instance));
    const estimated = row?.estimated === true;
    return figure(files, {
      group: 'headline',
      name: `gas per device-epoch, ${instance}${estimated ? ' (estimated)' : ''}`,
      value: asNumber(row?.gasPerDeviceEpoch),
      unit: 'gas',
      goal: GOALS.gasPerDeviceEpoch,
      file,
      loadIndependent: true,
      command: 'npm run bench:gas',
      note: row
        ? estimated
          ? `no proving key: the measured submitBatch of the B=16 verifier divided by ${n(row.batchSize)}`
          : `submitBatch ${n(row.submitBatchGas)} gas / ${n(row.batchSize)} device-epochs, verifier measured with a real proof`
        : null,
      missing: `gas.json has no ${instance} figure (needs its proving key)`,
    });
  });
}

function ptauFigures(files: ResultFiles): Figure[] {
  const file = 'ptau-dev.json';
  const row = asArray(at(files[file], 'measurements')).find((m) => m.tool === 'dev-ptau' && m.power === 18);
  const seconds = asNumber(row?.seconds);
  const before = asNumber(row?.loadBefore);
  const after = asNumber(row?.loadAfter);
  const load =
    before === undefined || after === undefined
      ? null
      : `${before.toFixed(2)} before, ${after.toFixed(2)} after (1 min)`;
  const command = "npm run bench:ptau -- --powers 18 --snarkjs ''";
  return [
    figure(files, {
      group: 'headline',
      name: 'development ptau 2^18, prepared',
      value: seconds === undefined ? undefined : seconds / 60,
      unit: 'min',
      goal: GOALS.ptau2Pow18Min,
      file,
      load,
      command,
      note: `${n(row?.threads)} threads`,
      missing: 'ptau-dev.json has no dev-ptau run at power 18',
    }),
    figure(files, {
      group: 'memory',
      name: 'development ptau 2^18 peak RSS',
      value: asNumber(row?.peakRssMiB) === undefined ? undefined : Math.round(row?.peakRssMiB as number),
      unit: 'MiB',
      file,
      load,
      command,
      missing: 'ptau-dev.json has no dev-ptau run at power 18',
    }),
  ];
}

function demoFigures(files: ResultFiles): Figure[] {
  const file = 'demo.json';
  const json = files[file];
  const timings = asObject(at(json, 'timingsMs'));
  const totalMs = asNumber(timings?.total);
  const epochs = asArray(at(json, 'epochs'));
  const seconds = (key: string) => Math.round((asNumber(timings?.[key]) ?? Number.NaN) / 1000);
  const slowestEpochMs = Math.max(
    0,
    ...epochs.map((e) => asNumber(at(e, 'outcome', 'timingsMs', 'total')) ?? 0),
  );
  const buildMs = asNumber(timings?.build);
  const uncached =
    buildMs !== undefined && buildMs > DEMO_CACHED_BUILD_MAX_MS
      ? `the build took ${seconds('build')} s, so the artifacts were not cached: run the demo again for this figure; `
      : '';
  return [
    figure(files, {
      group: 'headline',
      name: 'demo (second run, artifacts cached)',
      value: totalMs === undefined ? undefined : totalMs / 60_000,
      unit: 'min',
      goal: GOALS.demoSecondRunMin,
      file,
      load: loadText(at(json, 'loadAverage'), '1/5/15 min'),
      command: 'npm run demo -- --json bench/results/demo.json',
      note: `${uncached}build ${seconds('build')} s, setup ${seconds('setup')} s, fleet ${seconds('fleet')} s, proving ${seconds('proving')} s, verify ${seconds('verify')} s; ${epochs.length} epochs, slowest close -> finalised ${Math.round(slowestEpochMs / 1000)} s`,
    }),
  ];
}

function otherFigures(files: ResultFiles): Figure[] {
  const protocol = files['protocol-verify.json'];
  const protocolLoad = loadText(at(protocol, 'loadAverage'), '1/5/15 min, end of the benchmark');
  const pool = asArray(at(protocol, 'pool')).sort(
    (a, b) => (asNumber(b.threads) ?? 0) - (asNumber(a.threads) ?? 0),
  )[0];
  const ownVerify = asArray(at(protocol, 'verificationsPerSecondPerCore'))
    .filter((r) => typeof r.name === 'string' && r.name.startsWith('own:'))
    .map((r) => asNumber(r.opsPerSecond) ?? 0);
  const timeseries = files['timeseries-write.json'];
  return [
    figure(files, {
      group: 'other',
      name: 'signature verification (hash + EdDSA), one core, best batch size',
      value: ownVerify.length === 0 ? undefined : Math.round(Math.max(...ownVerify)),
      unit: 'readings/s',
      file: 'protocol-verify.json',
      load: protocolLoad,
      command: 'npm run bench:protocol',
    }),
    figure(files, {
      group: 'other',
      name: `verification pool, ${pool?.threads ?? '?'} threads`,
      value:
        asNumber(pool?.readingsPerSecond) === undefined
          ? undefined
          : Math.round(pool?.readingsPerSecond as number),
      unit: 'readings/s',
      file: 'protocol-verify.json',
      load: protocolLoad,
      command: 'npm run bench:protocol',
    }),
    ...(['duckdb', 'victoriaMetrics'] as const).map((store) =>
      figure(files, {
        group: 'other',
        name: `time-series writes, ${store === 'duckdb' ? 'DuckDB' : 'VictoriaMetrics'}`,
        value: asNumber(at(timeseries, store, 'pointsPerS')),
        unit: 'points/s',
        file: 'timeseries-write.json',
        load: null,
        command: 'npm run bench:timeseries',
        note: `${n(at(timeseries, 'readings'))} points in batches of ${n(at(timeseries, 'batchSize'))}`,
      }),
    ),
  ];
}

/**
 * The report's figures (headline, memory, other) from the parsed result files.
 *
 * @example
 * const figures = reportFigures({ 'gas.json': JSON.parse(readFileSync('bench/results/gas.json', 'utf8')) });
 * figures.filter((f) => f.status === 'not met').forEach((f) => console.log(f.name));
 */
export function reportFigures(files: ResultFiles): Figure[] {
  const all = [
    ...gatewayFigures(files),
    ...circuitFigures(files),
    ...oracleFigures(files),
    ...gasFigures(files),
    ...ptauFigures(files),
    ...demoFigures(files),
    ...otherFigures(files),
  ];
  const order: FigureGroup[] = ['headline', 'memory', 'other'];
  return order.flatMap((group) => all.filter((f) => f.group === group));
}

/** A number for a reader: thousands separated, at most 2 decimals below 10, 1 below 100. */
export function formatNumber(value: number): string {
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return value.toLocaleString('en-US', { maximumFractionDigits: digits });
}

/** `4,545 readings/s`, or `not run`. */
export function formatValue(figure: Figure): string {
  return figure.value === null ? 'not run' : `${formatNumber(figure.value)} ${figure.unit}`;
}

/** `>= 5,000 readings/s`, or an empty string. */
export function formatGoal(figure: Figure): string {
  return figure.goal === null
    ? ''
    : `${figure.goal.comparison} ${formatNumber(figure.goal.value)} ${figure.unit}`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/**
 * The Markdown report: the machine line, the headline figures with goal and status, memory, other
 * figures, then the status of each benchmark run.
 *
 * @example
 * writeFileSync('bench/results/report.md', renderReportMarkdown(report));
 */
export function renderReportMarkdown(report: BenchReport): string {
  const m = report.machine;
  const table = (figures: readonly Figure[], withGoal: boolean) => [
    withGoal
      ? '| figure | value | goal | status | load at measurement | source | command | note |'
      : '| figure | value | load at measurement | source | command | note |',
    withGoal ? '|---|---|---|---|---|---|---|---|' : '|---|---|---|---|---|---|',
    ...figures.map((f) =>
      [
        '',
        cell(f.name),
        cell(formatValue(f)),
        ...(withGoal ? [cell(formatGoal(f)), f.status] : []),
        cell(f.load ?? (f.value === null ? '' : 'not recorded')),
        `\`${f.source}\``,
        `\`${cell(f.command)}\``,
        cell(f.note ?? ''),
        '',
      ]
        .join(' | ')
        .trim(),
    ),
  ];
  const headline = report.figures.filter((f) => f.group === 'headline');
  const counts = (['met', 'not met', 'not run'] as const).map(
    (status) => `${headline.filter((f) => f.status === status).length} ${status}`,
  );
  const lines = [
    '# Benchmark report',
    '',
    `Machine: ${m.cpus} cores (${m.model}), ${m.memoryGiB} GiB, Node ${m.node}; load average at the end ${report.loadAverageAtEnd
      .map((l) => l.toFixed(2))
      .join(' ')}; written ${report.finishedAt}.`,
    '',
    '## Headline figures',
    '',
    `${counts.join(', ')}. Each row was measured when its result file was written (the load column says how busy the machine was then); "not run" means the result file or figure is missing.`,
    '',
    ...table(headline, true),
    '',
    '## Memory',
    '',
    ...table(
      report.figures.filter((f) => f.group === 'memory'),
      false,
    ),
    '',
    '## Other figures',
    '',
    ...table(
      report.figures.filter((f) => f.group === 'other'),
      false,
    ),
    '',
    '## Runs',
    '',
    ...(report.runs.length === 0
      ? [
          'No benchmark run is recorded: this report was rebuilt from the result files (`npm run bench:report`).',
        ]
      : [
          ...(report.runsFinishedAt === report.finishedAt
            ? []
            : [
                `Runs of the last \`npm run bench\` (finished ${report.runsFinishedAt ?? 'at an unknown time'}); this report was rebuilt from the result files since (\`npm run bench:report\`).`,
                '',
              ]),
          '| benchmark | status | seconds | load before (1 min) | load after (1 min) |',
          '|---|---|---|---|---|',
          ...report.runs.map(
            (r) =>
              `| ${r.name} | ${r.ok ? 'ok' : 'FAILED'} | ${r.seconds} | ${r.loadBefore?.toFixed(2) ?? ''} | ${r.loadAfter?.toFixed(2) ?? ''} |`,
          ),
        ]),
    '',
    "Each benchmark's full figures are in `bench/results/<name>.json` and collected in `bench/results/report.json`.",
    '',
  ];
  return lines.join('\n');
}
