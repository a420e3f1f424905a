/**
 * Benchmark of a three-party phase-2 ceremony (`npm run bench:ceremony`).
 *
 *   npm run bench:ceremony -- [--instance epoch_demo] [--ptau build/ptau/pot15_dev_<tag>.ptau]
 *
 * Runs, in one process, import-ptau (verify skipped: recorded), init (zkey new), three contributions,
 * the beacon, finalize (zkey verify + exports) and verify-transcript, printing each step's seconds and
 * the 1-minute load average around it, and writes bench/results/ceremony.json. Needs the instance's
 * r1cs (`npx tsx circuits/build.ts --compile-only epoch_demo`) and a ptau of the right power
 * (default: the development ptau from dev-ptau/, `npm run setup:dev -- --power 15`).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as snarkjs from 'snarkjs';
import { requiredPtauPower } from '../circuits/build.ts';
import { artifactPaths } from '../circuits/proving/instances.ts';
import { terminateSnarkjs } from '../ceremony/snarkjs-curve.ts';
import { applyBeacon, contribute, finalizeCeremony, importPtau, initCeremony } from '../ceremony/steps.ts';
import { verifyTranscript } from '../ceremony/verify.ts';
import { ensureDevPtau } from '../dev-ptau/dev-ptau.ts';
import { createProgram } from '../lib/cli/index.ts';
import { parseBenchCommandLine } from './support/cli.ts';

type Step = { step: string; seconds: number; loadBefore: number; loadAfter: number };

async function timed(steps: Step[], step: string, work: () => Promise<unknown>): Promise<void> {
  const loadBefore = loadavg()[0] as number;
  const startedMs = performance.now();
  await work();
  const seconds = (performance.now() - startedMs) / 1000;
  steps.push({ step, seconds, loadBefore, loadAfter: loadavg()[0] as number });
  process.stdout.write(
    `${step.padEnd(22)} ${seconds.toFixed(1).padStart(7)} s  (load ${loadBefore.toFixed(1)} -> ${(loadavg()[0] as number).toFixed(1)})\n`,
  );
}

/** The command line of the ceremony benchmark. */
export function buildCeremonyBenchProgram() {
  return createProgram(
    'bench:ceremony',
    'Benchmark of a three-party phase-2 ceremony (writes bench/results/ceremony.json)',
  )
    .option('--instance <name>', 'circuit instance of the ceremony', 'epoch_demo')
    .option('--ptau <path>', 'prepared ptau to import (default: the development ptau of the needed power)');
}

const { options: values } = await parseBenchCommandLine(buildCeremonyBenchProgram());
const instance = values.instance;
const r1csPath = artifactPaths(instance).r1cs;
const info = await snarkjs.r1cs.info(r1csPath, undefined);
const constraints = Number(info.nConstraints);
const power = requiredPtauPower(constraints, Number(info.nPubInputs) + Number(info.nOutputs));
const ptauPath = values.ptau ?? (await ensureDevPtau({ power }));
const dir = await mkdtemp(join(tmpdir(), 'bench-ceremony-'));
const steps: Step[] = [];
try {
  await timed(steps, 'import-ptau (no verify)', () =>
    importPtau({ ptauPath, skipVerifyReason: 'benchmark', recordPath: join(dir, 'ptau.import.json') }),
  );
  await timed(steps, 'init (zkey new)', () =>
    initCeremony({
      instance,
      ptauPath,
      outDir: dir,
      r1csPath,
      ptauRecordPath: join(dir, 'ptau.import.json'),
    }),
  );
  for (const [i, name] of ['alice', 'bob', 'carol'].entries()) {
    const inPath = join(dir, `${instance}_${String(i).padStart(4, '0')}.zkey`);
    const outPath = join(dir, `${instance}_${String(i + 1).padStart(4, '0')}.zkey`);
    await timed(steps, `contribute ${name}`, () => contribute({ inPath, outPath, name }));
  }
  await timed(steps, 'beacon (2^10)', () =>
    applyBeacon({
      inPath: join(dir, `${instance}_0003.zkey`),
      outPath: join(dir, 'final.zkey'),
      beaconHashHex: 'ab'.repeat(32),
      iterationsExp: 10,
    }),
  );
  await timed(steps, 'finalize (zkey verify)', () =>
    finalizeCeremony({ transcriptPath: join(dir, 'transcript.json'), ptauPath, r1csPath }),
  );
  await timed(steps, 'verify-transcript', () =>
    verifyTranscript(join(dir, 'transcript.json'), { ptauPath, r1csPath }),
  );
  const totalSeconds = steps.reduce((sum, s) => sum + s.seconds, 0);
  process.stdout.write(
    `total ${totalSeconds.toFixed(1)} s, ${constraints} constraints, ptau 2^${power}, ${cpus().length} cpus\n`,
  );
  const resultsPath = fileURLToPath(new URL('./results/ceremony.json', import.meta.url));
  await writeFile(
    resultsPath,
    `${JSON.stringify({ date: new Date().toISOString(), instance, constraints, ptauPower: power, cpus: cpus().length, contributors: 3, steps, totalSeconds }, null, 2)}\n`,
  );
  process.stdout.write(`wrote ${resultsPath}\n`);
} finally {
  await rm(dir, { recursive: true, force: true });
  await terminateSnarkjs();
}
