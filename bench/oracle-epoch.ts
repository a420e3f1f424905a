/**
 * Epoch latency from close to finalised for N devices (select, witness, prove, post, finalise) and prover memory.
 * Runs against a fresh anvil with the contracts deployed, N devices registered on-chain, one baseline epoch (with
 * the registration batches), then the measured epoch where every device reports.
 *
 *   npm run bench:oracle -- [--devices 64] [--epoch-instance epoch_demo] [--registration-instance registration_demo]
 *                           [--concurrency 2]
 *
 * Prints the figures and writes bench/results/oracle-epoch.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { requireArtifacts } from '../circuits/ts/instances.ts';
import { poolRegistryAbi } from '../contracts/abis.ts';
import { ANVIL_FIRST_TEST_KEY, createChainClients, writeAndWait } from '../contracts/chain.ts';
import { deployAll } from '../contracts/deploy.ts';
import { epochBounds } from '../oracle/epochs.ts';
import { type EpochOutcome, runEpochJob } from '../oracle/epoch-job.ts';
import { createProverPool } from '../oracle/prover-pool.ts';
import { startAnvil } from '../tests/support/anvil.ts';
import { makeDevices, MemoryReadingSource, nextReading } from '../tests/oracle/support/fleet.ts';
import { oracleContext, tempDir } from '../tests/oracle/support/harness.ts';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '64' },
    'epoch-instance': { type: 'string', default: 'epoch_demo' },
    'registration-instance': { type: 'string', default: 'registration_demo' },
    concurrency: { type: 'string', default: '2' },
  },
});
const deviceCount = Number(values.devices);
const epochInstance = values['epoch-instance']!;
const registrationInstance = values['registration-instance']!;
requireArtifacts(epochInstance, { proving: true });
requireArtifacts(registrationInstance, { proving: true });

const epochLengthS = 3600;
const anvil = await startAnvil();
const prover = createProverPool({ concurrency: Number(values.concurrency) });
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
  for (const d of devices) {
    await writeAndWait(clients, {
      address: deployment.contracts.poolRegistry,
      abi: poolRegistryAbi,
      functionName: 'registerDevice',
      args: [pool.poolId, BigInt(d.publicKey.Ax), BigInt(d.publicKey.Ay), d.ratedPowerW, 1],
    });
  }
  const source = new MemoryReadingSource();
  source.addDevices(devices);
  for (const epoch of [1, 2]) {
    const bounds = epochBounds(schedule, epoch);
    for (const [i, d] of devices.entries())
      source.add(nextReading(d, pool.poolId, bounds.startTs + 60 + (i % 3000), 10_000));
  }
  const ctx = await oracleContext({
    rpcUrl: anvil.rpcUrl,
    deployment,
    dataDir: tempDir('bench'),
    prover,
    readings: source,
  });
  ctx.circuitsOf = () => ({ epoch: epochInstance, registration: registrationInstance });
  const outcomes: EpochOutcome[] = [];
  for (const epoch of [1, 2]) {
    const outcome = await runEpochJob(ctx, schedule, epoch);
    outcomes.push(outcome);
    process.stdout.write(
      `epoch ${epoch}: ${outcome.registrationBatches} registration + ${outcome.epochBatches} epoch batches, ` +
        `${outcome.reportingCount} reporting, ${JSON.stringify(outcome.timingsMs)} ms\n`,
    );
  }
  ctx.close();
  const measured = outcomes[1]!;
  const msPerDevice = measured.timingsMs.total / deviceCount;
  const result = {
    devices: deviceCount,
    epochInstance,
    registrationInstance,
    proverConcurrency: Number(values.concurrency),
    baselineEpoch: outcomes[0]!.timingsMs,
    measuredEpoch: measured.timingsMs,
    epochBatches: measured.epochBatches,
    msPerDeviceEpoch: Math.round(msPerDevice),
    projected1000DevicesMin: Number(((msPerDevice * 1000) / 60_000).toFixed(1)),
    proverPeakRssMiB: Math.round(prover.peakRssBytes() / 2 ** 20),
    machine: 'shared 2-core reference machine',
    measuredAt: new Date().toISOString(),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  mkdirSync(join('bench', 'results'), { recursive: true });
  writeFileSync(join('bench', 'results', 'oracle-epoch.json'), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await prover.close();
  await anvil.stop();
}
process.exit(0);
