/**
 * Verification and signing throughput of EdDSA-Poseidon readings (message hash + signature check), per core,
 * for circomlibjs, @zk-kit/eddsa-poseidon, this project's bigint reference and its WebAssembly kernel, and the
 * throughput of the worker-thread pool. Each figure runs for a bounded time.
 *
 * Run: `npm run bench:protocol` (or `npx tsx bench/protocol-verify.ts [secondsPerFigure]`).
 * Writes bench/results/protocol-verify.json.
 */
import { createRequire } from 'node:module';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { writeFileSync } from 'node:fs';
import { buildEddsa, buildPoseidon } from 'circomlibjs';
import { verifyMessageReference } from '../protocol/crypto/eddsa.ts';
import { poseidonHashReference } from '../protocol/crypto/poseidon.ts';
import { kernel } from '../protocol/crypto/wasm/kernel.ts';
import { encodeReading } from '../protocol/encoding.ts';
import {
  createVerifyPool,
  derivePublicKey,
  type PublicKey,
  type Reading,
  type SignedReading,
  signReading,
  verifyBatch,
  verifyReading,
} from '../protocol/index.ts';
import { createProgram, floatArg } from '../lib/cli/index.ts';
import { parseBenchCommandLine } from './support/cli.ts';

type Point = [bigint, bigint];
const zk = createRequire(import.meta.url)('@zk-kit/eddsa-poseidon/blake-1') as {
  signMessage(privateKey: Uint8Array, message: bigint): { R8: Point; S: bigint };
  verifySignature(message: bigint, signature: { R8: Point; S: bigint }, publicKey: Point): boolean;
};
const poseidonLite = createRequire(import.meta.url)('poseidon-lite') as {
  poseidon5(inputs: bigint[]): bigint;
};

/** The command line of the protocol benchmark (positional, as before: seconds per figure). */
export function buildProtocolVerifyBenchProgram() {
  return createProgram(
    'bench:protocol',
    'EdDSA-Poseidon verification and signing throughput (writes bench/results/protocol-verify.json)',
  ).argument('[secondsPerFigure]', 'seconds each figure runs for', floatArg({ min: 0.001 }), 3);
}

const {
  args: [seconds],
} = await parseBenchCommandLine(buildProtocolVerifyBenchProgram());
const KEYS = 512; // a batch of 512 holds 512 distinct keys (the unfavourable case for batching)
const READINGS = 1024;

interface Figure {
  name: string;
  /** Operations per wall-clock second (depends on what else the machine runs). */
  opsPerSecond: number;
  /** Operations per second of CPU time of this process: the per-core figure, robust to other load. */
  opsPerCpuSecond: number;
  ops: number;
}

function measure(name: string, fn: (i: number) => unknown, minOps = 3, opsPerCall = 1): Figure {
  fn(0); // warm-up
  const deadline = performance.now() + seconds * 1000;
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  let calls = 0;
  while (calls < minOps || performance.now() < deadline) {
    fn(calls);
    calls++;
  }
  const cpu = process.cpuUsage(cpuStart);
  const elapsedS = (performance.now() - start) / 1000;
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const ops = calls * opsPerCall;
  const figure = { name, opsPerSecond: ops / elapsedS, opsPerCpuSecond: ops / cpuS, ops };
  const wall = figure.opsPerSecond.toFixed(1).padStart(9);
  const perCpu = figure.opsPerCpuSecond.toFixed(1).padStart(9);
  console.log(`${name.padEnd(56)} ${wall} /s wall ${perCpu} /s cpu  (${ops} ops, ${elapsedS.toFixed(1)} s)`);
  return figure;
}

const t0 = performance.now();
kernel();
const kernelInitMs = performance.now() - t0;

const privateKeys = Array.from({ length: KEYS }, (_, i) => Buffer.alloc(32, i + 1).toString('hex'));
const publicKeys: PublicKey[] = privateKeys.map(derivePublicKey);
const readings: Reading[] = Array.from({ length: READINGS }, (_, i) => ({
  v: 1,
  kind: 'ev',
  poolId: 1,
  deviceId: `ev-${String(i % KEYS).padStart(4, '0')}`,
  seq: 1 + Math.floor(i / KEYS),
  ts: 1_767_225_600 + i,
  energyWh: 1_000 * i,
  revenueMinor: 700 * i,
  powerW: 60_000,
  sessionId: i,
}));
const signed: SignedReading[] = readings.map((r, i) => signReading(r, privateKeys[i % KEYS]!));
const items = signed.map((reading, i) => ({ reading, publicKey: publicKeys[i % KEYS]! }));
const pick = (i: number) => i % READINGS;

console.log(
  `cpu: ${cpus()[0]?.model} x${availableParallelism()}, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
console.log(
  `${seconds} s per figure; verification = message hash (Poseidon of the encoding) + signature check\n`,
);

console.log(`kernel build + B8 table: ${kernelInitMs.toFixed(0)} ms`);

const results = [];
// This project: WebAssembly kernel (the path verifyReading takes) and verifyBatch.
results.push(
  measure('own: verifyReading (wasm kernel, validation included)', (i) => {
    const it = items[pick(i)]!;
    if (!verifyReading(it.reading, it.publicKey)) throw new Error('verification failed');
  }),
);
for (const size of [64, 256, 512]) {
  results.push(
    measure(
      `own: verifyBatch of ${size} (per reading)`,
      (i) => {
        const start = (i * size) % READINGS;
        if (verifyBatch(items.slice(start, start + size)).includes(false))
          throw new Error('verification failed');
      },
      2,
      size,
    ),
  );
}
// This project: bigint reference (no WebAssembly).
results.push(
  measure('own: bigint reference (Poseidon + double-and-add)', (i) => {
    const it = items[pick(i)]!;
    const m = poseidonHashReference(encodeReading(it.reading));
    const s = it.reading.sig;
    const ok = verifyMessageReference(
      m,
      { R8x: BigInt(s.R8x), R8y: BigInt(s.R8y), S: BigInt(s.S) },
      { x: BigInt(it.publicKey.Ax), y: BigInt(it.publicKey.Ay) },
    );
    if (!ok) throw new Error('verification failed');
  }),
);

// circomlibjs
const eddsa = await buildEddsa();
const poseidonWasm = await buildPoseidon();
const F = eddsa.babyJub.F;
results.push(
  measure('circomlibjs: poseidon + eddsa.verifyPoseidon', (i) => {
    const it = items[pick(i)]!;
    const m = poseidonWasm(encodeReading(it.reading));
    const s = it.reading.sig;
    const ok = eddsa.verifyPoseidon(m, { R8: [F.e(BigInt(s.R8x)), F.e(BigInt(s.R8y))], S: BigInt(s.S) }, [
      F.e(BigInt(it.publicKey.Ax)),
      F.e(BigInt(it.publicKey.Ay)),
    ]);
    if (!ok) throw new Error('verification failed');
  }),
);
// zk-kit
results.push(
  measure('@zk-kit/eddsa-poseidon: poseidon-lite + verifySignature', (i) => {
    const it = items[pick(i)]!;
    const m = poseidonLite.poseidon5(encodeReading(it.reading));
    const s = it.reading.sig;
    const ok = zk.verifySignature(m, { R8: [BigInt(s.R8x), BigInt(s.R8y)], S: BigInt(s.S) }, [
      BigInt(it.publicKey.Ax),
      BigInt(it.publicKey.Ay),
    ]);
    if (!ok) throw new Error('verification failed');
  }),
);

// Signing
const signing = [];
signing.push(
  measure('own: signReading (wasm kernel)', (i) => signReading(readings[pick(i)]!, privateKeys[i % KEYS]!)),
);
signing.push(
  measure('circomlibjs: poseidon + eddsa.signPoseidon', (i) => {
    const m = poseidonWasm(encodeReading(readings[pick(i)]!));
    eddsa.signPoseidon(Buffer.from(privateKeys[i % KEYS]!, 'hex'), m);
  }),
);
signing.push(
  measure('@zk-kit/eddsa-poseidon: poseidon-lite + signMessage', (i) => {
    const m = poseidonLite.poseidon5(encodeReading(readings[pick(i)]!));
    zk.signMessage(Buffer.from(privateKeys[i % KEYS]!, 'hex'), m);
  }),
);

// Pool
const poolResults = [];
for (const threads of [1, 2]) {
  const pool = createVerifyPool({ threads });
  await pool.ready();
  await pool.verifyBatch(items.slice(0, 64));
  const batch = [...items, ...items, ...items, ...items];
  const start = performance.now();
  let verified = 0;
  while (performance.now() - start < seconds * 1000) {
    const res = await pool.verifyBatch(batch);
    verified += res.length;
  }
  const elapsedS = (performance.now() - start) / 1000;
  const rate = verified / elapsedS;
  const label = `pool: ${threads} thread(s), batches of ${batch.length}`;
  console.log(
    `${label.padEnd(56)} ${rate.toFixed(1).padStart(9)} /s wall  (${verified} readings, ${elapsedS.toFixed(1)} s)`,
  );
  poolResults.push({ threads, readingsPerSecond: rate, verified, elapsedS });
  await pool.close();
}

const report = {
  date: new Date().toISOString(),
  cpu: cpus()[0]?.model,
  cores: availableParallelism(),
  loadAverage: loadavg(),
  secondsPerFigure: seconds,
  kernelInitMs,
  verificationsPerSecondPerCore: results,
  signaturesPerSecondPerCore: signing,
  pool: poolResults,
};
writeFileSync(
  new URL('./results/protocol-verify.json', import.meta.url),
  `${JSON.stringify(report, null, 2)}\n`,
);
console.log('\nwrote bench/results/protocol-verify.json');
