/**
 * Epoch latency from close to finalised for N devices (select, witness, prove, post, finalise) and prover memory.
 * Runs against a fresh anvil with the contracts deployed, N devices registered on-chain, one baseline epoch (with
 * the registration batches), then the measured epoch where every device reports.
 *
 *   npm run bench:oracle -- [--devices 64] [--epoch-instance epoch_demo] [--registration-instance registration_demo]
 *                           [--concurrency 2]
 *
 * Prints a progress line every 10 proofs (done, rate, remaining time) and the figures, and writes
 * bench/results/oracle-epoch.json. `witnessCpuS` / `proveCpuS` are the per-proof witness and Groth16 times summed
 * over the prover workers (CPU-seconds; they run in parallel, so they exceed the wall-clock `prove` phase).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createPublicClient, http } from 'viem';
import { requireArtifacts } from '../circuits/proving/instances.ts';
import { poolRegistryAbi } from '../contracts/abis.ts';
import { ANVIL_FIRST_TEST_KEY, createChainClients, writeAndWait } from '../contracts/chain.ts';
import { deployAll } from '../contracts/deploy.ts';
import { epochBounds } from '../oracle/epochs.ts';
import { type EpochOutcome, runEpochJob } from '../oracle/epoch-job.ts';
import { createProverPool, type ProverPool, type ProverProgress } from '../oracle/prover-pool.ts';
import { createProgram, parsePositiveInt } from '../lib/cli/index.ts';
import { startAnvil } from '../lib/servers/anvil.ts';
import { makeDevices, MemoryReadingSource, nextReading } from '../tests/oracle/support/fleet.ts';
import { oracleContext, tempDir } from '../tests/oracle/support/harness.ts';
import { parseBenchCommandLine } from './support/cli.ts';

/** The command line of the oracle epoch benchmark. */
export function buildOracleEpochBenchProgram() {
  return createProgram(
    'bench:oracle',
    'Epoch latency from close to finalised for N devices (writes bench/results/oracle-epoch.json)',
  )
    .option('--devices <n>', 'devices registered and reporting in the measured epoch', parsePositiveInt, 64)
    .option('--epoch-instance <name>', 'epoch circuit instance', 'epoch_demo')
    .option('--registration-instance <name>', 'registration circuit instance', 'registration_demo')
    .option('--concurrency <n>', 'prover workers', parsePositiveInt, 2);
}

const { options: values } = await parseBenchCommandLine(buildOracleEpochBenchProgram());
const deviceCount = values.devices;
const epochInstance = values.epochInstance;
const registrationInstance = values.registrationInstance;
requireArtifacts(epochInstance, { proving: true });
requireArtifacts(registrationInstance, { proving: true });

const epochLengthS = 3600;
const load = () => loadavg().map((l) => Number(l.toFixed(2)));
const loadAtStart = load();
const loadSamples: number[] = [];
const loadSampler = setInterval(() => loadSamples.push(loadavg()[0]!), 10_000);
loadSampler.unref();
const benchStartedMs = Date.now();
/** Proving progress of the current epoch: a line every 10 finished proofs. */
const progress = { startedMs: 0, total: 0, done: 0 };
const onProgress = (p: ProverProgress) => {
  if (p.type !== 'finished') return;
  progress.done++;
  if (progress.done % 10 !== 0 && progress.done !== progress.total) return;
  const elapsedS = (Date.now() - progress.startedMs) / 1000;
  const remainingS = (elapsedS / progress.done) * (progress.total - progress.done);
  process.stdout.write(
    `  proofs ${progress.done}/${progress.total}  ${elapsedS.toFixed(0)} s  ` +
      `${(elapsedS / progress.done).toFixed(2)} s/proof  ~${(remainingS / 60).toFixed(1)} min left  ` +
      `load ${load().join(' ')}\n`,
  );
};
const anvil = await startAnvil();
const basePool = createProverPool({ concurrency: values.concurrency, onProgress });
const cpuMs = { witness: 0, prove: 0, proofs: 0 };
/** The pool, counting proofs and summing their witness and proving times. */
const prover: ProverPool = {
  ...basePool,
  prove: (job) => basePool.prove(job),
  async proveAll(jobs) {
    progress.startedMs = Date.now();
    progress.total = jobs.length;
    progress.done = 0;
    const results = await basePool.proveAll(jobs);
    for (const r of results) {
      cpuMs.witness += r.witnessMs;
      cpuMs.prove += r.proveMs;
      cpuMs.proofs++;
    }
    return results;
  },
};
try {
  const deployment = await deployAll({
    rpcUrl: anvil.rpcUrl,
    chainId: 31337,
    outFile: false,
    pools: [
      {
        name: 'bench',
        maxTariffMinorPerKwh: 190,
        epochLengthS,
        genesisTs: Math.floor(Date.now() / 1000) - 3 * epochLengthS,
        investorShareBps: 7_000,
        epochVerifierInstance: epochInstance,
        registrationVerifierInstance: registrationInstance,
      },
    ],
  });
  const pool = deployment.pools[0]!;
  const schedule = { poolId: pool.poolId, genesisTs: pool.genesisTs, epochLengthS };
  const devices = makeDevices('bench', deviceCount);
  const clients = createChainClients({
    rpcUrl: anvil.rpcUrl,
    chainId: 31337,
    privateKey: ANVIL_FIRST_TEST_KEY,
  });
  // viem's default receipt polling (4 s on a chain without a block time) would dominate 1,000 registrations
  const fastClients = {
    ...clients,
    publicClient: createPublicClient({
      chain: clients.chain,
      transport: http(anvil.rpcUrl),
      pollingInterval: 20,
    }),
  };
  const registerStartedMs = Date.now();
  for (const [i, d] of devices.entries()) {
    if (i > 0 && i % 250 === 0) process.stdout.write(`  ${i} devices registered on-chain\n`);
    await writeAndWait(fastClients, {
      address: deployment.contracts.poolRegistry,
      abi: poolRegistryAbi,
      functionName: 'registerDevice',
      args: [pool.poolId, BigInt(d.publicKey.Ax), BigInt(d.publicKey.Ay), d.ratedPowerW, 1],
    });
  }
  const registerOnChainS = (Date.now() - registerStartedMs) / 1000;
  process.stdout.write(`${deviceCount} devices registered on-chain in ${registerOnChainS.toFixed(1)} s\n`);
  const source = new MemoryReadingSource();
  source.addDevices(devices);
  for (const epoch of [1, 2]) {
    const bounds = epochBounds(schedule, epoch);
    for (const [i, d] of devices.entries())
      source.add(nextReading(d, pool.poolId, bounds.startTs + 60 + (i % 3000), 10_000));
  }
  const ctx = await oracleContext({
    chain: { rpcUrl: anvil.rpcUrl, deployment, prover },
    dataDir: tempDir('bench'),
    readings: source,
  });
  ctx.circuitsOf = () => ({ epoch: epochInstance, registration: registrationInstance });
  const outcomes: EpochOutcome[] = [];
  const cpuS: Array<{ proofs: number; witnessCpuS: number; proveCpuS: number; loadAtEnd: number[] }> = [];
  for (const epoch of [1, 2]) {
    process.stdout.write(`epoch ${epoch}: closing (load ${load().join(' ')})\n`);
    const before = { ...cpuMs };
    const outcome = await runEpochJob(ctx, schedule, epoch);
    outcomes.push(outcome);
    cpuS.push({
      proofs: cpuMs.proofs - before.proofs,
      witnessCpuS: Number(((cpuMs.witness - before.witness) / 1000).toFixed(1)),
      proveCpuS: Number(((cpuMs.prove - before.prove) / 1000).toFixed(1)),
      loadAtEnd: load(),
    });
    process.stdout.write(
      `epoch ${epoch}: ${outcome.registrationBatches} registration + ${outcome.epochBatches} epoch batches, ` +
        `${outcome.reportingCount} reporting, ${JSON.stringify(outcome.timingsMs)} ms, ${JSON.stringify(cpuS.at(-1))}\n`,
    );
  }
  ctx.close();
  const measured = outcomes[1]!;
  const msPerDevice = measured.timingsMs.total / deviceCount;
  const result = {
    devices: deviceCount,
    epochInstance,
    registrationInstance,
    proverConcurrency: values.concurrency,
    registerOnChainS: Number(registerOnChainS.toFixed(1)),
    baselineEpoch: {
      registrationBatches: outcomes[0]!.registrationBatches,
      epochBatches: outcomes[0]!.epochBatches,
      ...cpuS[0]!,
      timingsMs: outcomes[0]!.timingsMs,
      totalMin: Number((outcomes[0]!.timingsMs.total / 60_000).toFixed(1)),
    },
    measuredEpoch: {
      registrationBatches: measured.registrationBatches,
      epochBatches: measured.epochBatches,
      reportingCount: measured.reportingCount,
      ...cpuS[1]!,
      timingsMs: measured.timingsMs,
      totalMin: Number((measured.timingsMs.total / 60_000).toFixed(1)),
    },
    msPerDeviceEpoch: Math.round(msPerDevice),
    projected1000DevicesMin: Number(((msPerDevice * 1000) / 60_000).toFixed(1)),
    proverPeakRssMiB: Math.round(basePool.peakRssBytes() / 2 ** 20),
    loadAverage: {
      atStart: loadAtStart,
      meanDuringRun: Number(
        (loadSamples.reduce((a, b) => a + b, 0) / Math.max(1, loadSamples.length)).toFixed(2),
      ),
      maxDuringRun: Number(Math.max(0, ...loadSamples).toFixed(2)),
    },
    benchWallMin: Number(((Date.now() - benchStartedMs) / 60_000).toFixed(1)),
    machine: 'shared 2-core reference machine',
    measuredAt: new Date().toISOString(),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  mkdirSync(join('bench', 'results'), { recursive: true });
  writeFileSync(join('bench', 'results', 'oracle-epoch.json'), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  clearInterval(loadSampler);
  await basePool.close();
  await anvil.stop();
}
process.exit(0);
