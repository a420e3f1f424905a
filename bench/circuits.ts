/**
 * Benchmark of the circuits: constraints per instance and per slot (from the compiled r1cs), and for
 * every instance with a Groth16 setup: witness time, proving time (snarkjs fullProve), verification
 * time, peak RSS and device-epochs proven per minute with full batches.
 *
 * Usage: npx tsx bench/circuits.ts [--runs N] [instance names...]
 * Compile the production instances first: npx tsx circuits/build.ts --compile-only epoch_b16_d16 epoch_b64_d20
 * Writes bench/results/circuits.json.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import * as snarkjs from 'snarkjs';
import { terminateCurves } from '../circuits/build.ts';
import { artifactPaths, loadInstances, PROJECT_ROOT } from '../circuits/proving/instances.ts';
import { proveBatch, verifyBatchProof } from '../circuits/proving/prove.ts';
import { createProgram, parsePositiveInt } from '../lib/cli/index.ts';
import { parseBenchCommandLine } from './support/cli.ts';
import { fullBatchInput } from './support/full-batch.ts';

/** The command line of the circuits benchmark. */
export function buildCircuitsBenchProgram() {
  return createProgram('bench:circuits', 'Benchmark of the circuits (writes bench/results/circuits.json)')
    .argument('[instances...]', 'instance names (default: every instance)')
    .option('--runs <n>', 'proofs per instance', parsePositiveInt, 3);
}

const {
  args: [names],
  options: { runs },
} = await parseBenchCommandLine(buildCircuitsBenchProgram());

function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

const instances = loadInstances();
const results: Record<string, unknown>[] = [];
process.stdout.write(
  `circuits benchmark: ${cpus().length} cores, load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}\n`,
);
for (const instance of Object.values(instances)) {
  if (names.length > 0 && !names.includes(instance.name)) continue;
  const paths = artifactPaths(instance.name);
  if (!existsSync(paths.info)) {
    process.stdout.write(
      `${instance.name}: not compiled (npx tsx circuits/build.ts --compile-only ${instance.name})\n`,
    );
    continue;
  }
  const info = JSON.parse(readFileSync(paths.info, 'utf8')) as { constraints: number };
  const [slots = 1, depth = 1] = instance.params;
  const row: Record<string, unknown> = {
    instance: instance.name,
    template: instance.template,
    params: instance.params,
    constraints: info.constraints,
    constraintsPerSlot: Math.round(info.constraints / slots),
  };
  if (existsSync(paths.zkey)) {
    const batch = fullBatchInput(instance.template, slots, depth);
    if (!batch) throw new Error('no batch');
    const witnessMs: number[] = [];
    const proveMs: number[] = [];
    const verifyMs: number[] = [];
    for (let r = 0; r < runs; r++) {
      let t = performance.now();
      await snarkjs.wtns.calculate(batch.input, paths.wasm, { type: 'mem' });
      witnessMs.push(performance.now() - t);
      t = performance.now();
      const { proof, publicSignals } = await proveBatch(instance.name, batch.input);
      proveMs.push(performance.now() - t);
      t = performance.now();
      if (!(await verifyBatchProof(instance.name, proof, publicSignals)))
        throw new Error(`${instance.name}: proof does not verify`);
      verifyMs.push(performance.now() - t);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
    Object.assign(row, {
      runs,
      witnessMs: Math.round(median(witnessMs)),
      proveMs: Math.round(median(proveMs)),
      verifyMs: Math.round(median(verifyMs)),
      peakRssMb: peakRssMb(),
      slotsPerMinute:
        instance.template === 'EpochBatch' ? Math.round((slots * 60_000) / median(proveMs)) : undefined,
    });
  }
  results.push(row);
  process.stdout.write(`${JSON.stringify(row)}\n`);
}
await terminateCurves();
const out = join(PROJECT_ROOT, 'bench', 'results');
mkdirSync(out, { recursive: true });
// merge with earlier runs of other instances (one row per instance, newest wins)
const file = join(out, 'circuits.json');
const earlier = existsSync(file)
  ? (JSON.parse(readFileSync(file, 'utf8')) as { results: Record<string, unknown>[] }).results
  : [];
const date = new Date().toISOString();
const load = loadavg().map((l) => Number(l.toFixed(1)));
const merged = [
  ...earlier.filter((row) => !results.some((r) => r.instance === row.instance)),
  ...results.map((row) => ({ ...row, date, load })),
];
writeFileSync(file, `${JSON.stringify({ cores: cpus().length, results: merged }, null, 2)}\n`);
process.stdout.write(`written bench/results/circuits.json\n`);
