/**
 * Gas of the on-chain operations, measured on anvil with real Groth16 proofs for every circuit instance pair
 * that has a built proving key. Run: `npm run bench:gas` (writes bench/results/gas.json).
 *
 * Groth16 verification costs the same for every circuit size (it depends on the number of public inputs only,
 * 10 for every epoch instance), so the submitBatch gas measured here also holds for the production instances;
 * gas per device-epoch = submitBatch gas / B.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Address, TransactionReceipt } from 'viem';
import { terminateCurves } from '../circuits/build.ts';
import { loadInstances } from '../circuits/proving/instances.ts';
import { proveBatch, toSolidityCalldata } from '../circuits/proving/prove.ts';
import {
  poolRegistryAbi,
  revenueShareTokenAbi,
  testFxFeedAbi,
  testStablecoinAbi,
} from '../contracts/abis.ts';
import { buildContracts, readArtifact } from '../contracts/build.ts';
import { createChainClients, writeAndWait } from '../contracts/chain.ts';
import { deployArtifact } from '../contracts/deploy.ts';
import {
  deployTestVerifiers,
  EPOCH_LENGTH_S,
  type PoolCircuits,
  ProvenPool,
} from '../tests/contracts/proven-pool.ts';
import {
  ANVIL_KEYS,
  circuitBuilt,
  deployCore,
  instanceIdOf,
  poolParams,
} from '../tests/contracts/support.ts';
import { CONVERSION_MODE, tokenArgs, tokenIssuance } from '../tests/contracts/token-fixture.ts';
import { startAnvil } from '../lib/servers/anvil.ts';
import { createProgram } from '../lib/cli/index.ts';
import { parseBenchCommandLine } from './support/cli.ts';
import { fullBatchInput } from './support/full-batch.ts';

/** The command line of the gas benchmark (no options: it measures every instance pair with built keys). */
export function buildGasBenchProgram() {
  return createProgram(
    'bench:gas',
    'Gas of the on-chain operations on anvil with real Groth16 proofs (writes bench/results/gas.json)',
  );
}

await parseBenchCommandLine(buildGasBenchProgram());
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const instances = loadInstances();

/** Epoch/registration instance pairs of the same depth whose proving keys are built. */
function builtPairs(): PoolCircuits[] {
  const pairs: PoolCircuits[] = [];
  for (const [epochInstance, epoch] of Object.entries(instances)) {
    if (epoch.template !== 'EpochBatch' || !circuitBuilt(epochInstance)) continue;
    const registration = Object.entries(instances).find(
      ([name, r]) => r.template === 'Registration' && r.params[1] === epoch.params[1] && circuitBuilt(name),
    );
    if (!registration) continue;
    pairs.push({
      epochInstance,
      registrationInstance: registration[0],
      batchSize: epoch.params[0]!,
      registrationSlots: registration[1].params[0]!,
      depth: epoch.params[1]!,
    });
  }
  return pairs;
}

const gasOf = (receipt: TransactionReceipt) => Number(receipt.gasUsed);
const average = (values: number[]) => Math.round(values.reduce((s, v) => s + v, 0) / values.length);

await buildContracts({ log: () => {} });
const anvil = await startAnvil();
const figures: Record<string, unknown> = {};
try {
  const accounts = ANVIL_KEYS.map((privateKey) =>
    createChainClients({ rpcUrl: anvil.rpcUrl, chainId: 31337, privateKey }),
  );
  const [admin, operator, holderA, holderB] = accounts as [
    (typeof accounts)[0],
    (typeof accounts)[0],
    (typeof accounts)[0],
    (typeof accounts)[0],
  ];
  const core = await deployCore(admin);
  const pairs = builtPairs();
  if (pairs.length === 0)
    throw new Error('no circuit instance pair with a proving key: run `npm run build:circuits` first');
  const perInstance: Record<string, unknown>[] = [];
  let tokenPool: ProvenPool | undefined;
  for (const circuits of pairs) {
    const verifiers = await deployTestVerifiers(admin, core, circuits);
    const latest = (await admin.publicClient.getBlock()).timestamp;
    const pool = await ProvenPool.create(
      admin,
      operator,
      core,
      verifiers,
      latest - 4n * BigInt(EPOCH_LENGTH_S),
      7_000,
      circuits,
    );
    tokenPool ??= pool;
    const devices = Math.max(circuits.batchSize, circuits.registrationSlots);
    const registerGas: number[] = [];
    for (const gas of await pool.registerDevices(devices)) registerGas.push(Number(gas));
    const registrationGas: number[] = [];
    while (pool.state.count < devices)
      registrationGas.push(gasOf(await pool.submitRegistration(await pool.proveRegistration())));
    const slots = Array.from({ length: circuits.batchSize }, (_, slot) => slot);
    const epochGas: Record<number, number[]> = { 1: [], 2: [] };
    const finalizeGas: number[] = [];
    for (const epoch of [1, 2]) {
      const readings = new Map(
        slots.map((slot) => [slot, pool.reading(slot, epoch, epoch * 50_000, epoch * 9_000)]),
      );
      for (const proof of await pool.proveEpoch(epoch, readings))
        epochGas[epoch]!.push(gasOf(await pool.submitBatch(epoch, proof)));
      finalizeGas.push(gasOf(await pool.finalize(epoch)));
    }
    const submitBatchGas = average(epochGas[2]!);
    perInstance.push({
      epochInstance: circuits.epochInstance,
      registrationInstance: circuits.registrationInstance,
      batchSize: circuits.batchSize,
      registrationSlots: circuits.registrationSlots,
      depth: circuits.depth,
      registerDeviceGas: average(registerGas),
      submitRegistrationGas: average(registrationGas),
      submitRegistrationGasPerDevice: Math.round(average(registrationGas) / circuits.registrationSlots),
      submitBatchBaselineGas: average(epochGas[1]!),
      submitBatchGas,
      finalizeEpochGas: average(finalizeGas),
      gasPerDeviceEpoch: Math.round(submitBatchGas / circuits.batchSize),
    });
  }
  figures.instances = perInstance;

  // Verifier gas of every epoch instance with a proving key, with a real full-batch proof: Groth16
  // verification costs the same for any B and D (10 public inputs), which this measures directly.
  const verifierGas: Record<string, number> = {};
  for (const [name, instance] of Object.entries(instances)) {
    if (instance.template !== 'EpochBatch' || !circuitBuilt(name)) continue;
    if (!existsSync(join(root, 'build', 'contracts', `Groth16Verifier_${name}.json`))) continue;
    const verifier = {
      ...(await deployArtifact(admin, `Groth16Verifier_${name}`)),
      abi: readArtifact(`Groth16Verifier_${name}`).abi,
    };
    const batch = fullBatchInput(instance.template, instance.params[0]!, instance.params[1]!);
    if (!batch) throw new Error(`no full batch for ${name}`);
    const { proof, publicSignals } = await proveBatch(name, batch.input);
    const call = toSolidityCalldata(proof, publicSignals);
    const args = [call.a, call.b, call.c, call.pubSignals] as const;
    const accepted = await admin.publicClient.readContract({
      address: verifier.address,
      abi: verifier.abi,
      functionName: 'verifyProof',
      args,
    });
    if (accepted !== true) throw new Error(`the ${name} verifier rejected a valid proof`);
    // Sent as a transaction with a fixed gas limit: gas estimation is useless here, because the
    // verifier returns false (it does not revert) when the pairing precompile runs out of gas.
    const hash = await admin.walletClient.writeContract({
      address: verifier.address,
      abi: verifier.abi,
      functionName: 'verifyProof',
      args,
      gas: 2_000_000n,
    });
    const receipt = await admin.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') throw new Error(`verifyProof of ${name} failed`);
    verifierGas[name] = Number(receipt.gasUsed);
  }
  figures.verifyProofGas = verifierGas;

  // createPool at the first pair's depth: D Poseidon calls plus two verifier-registry lookups
  const createdPool = await writeAndWait(admin, {
    address: core.poolRegistry,
    abi: poolRegistryAbi,
    functionName: 'createPool',
    args: [
      poolParams({
        operator: operator.account.address,
        treeDepth: pairs[0]!.depth,
        epochInstanceId: instanceIdOf({
          template: 'EpochBatch',
          batchSize: pairs[0]!.batchSize,
          treeDepth: pairs[0]!.depth,
        }),
        registrationInstanceId: instanceIdOf({
          template: 'Registration',
          batchSize: pairs[0]!.registrationSlots,
          treeDepth: pairs[0]!.depth,
        }),
      }),
    ],
  });
  figures.createPoolGas = { treeDepth: pairs[0]!.depth, gas: gasOf(createdPool) };

  // token operations on the first pool (epoch 2 has proven revenue): one token per conversion mode
  const pool = tokenPool!;
  const { timestamp } = await admin.publicClient.getBlock();
  const fxFeed = (await deployArtifact(admin, 'TestFxFeed', [admin.account.address, 8, 'CNY / USD'])).address;
  // 0.14 USD per CNY: the same 1,400e18 rate as the fixed-rate token
  await writeAndWait(admin, {
    address: fxFeed,
    abi: testFxFeedAbi,
    functionName: 'setAnswer',
    args: [14_000_000n, timestamp],
  });
  const issuances = {
    fixedRate: tokenIssuance(),
    fxFeed: tokenIssuance({
      mode: CONVERSION_MODE.FxFeed,
      fixedRateE18: 0n,
      fx: { feed: fxFeed, maxAgeS: 86_400, minAnswer: 1_000_000n, maxAnswer: 100_000_000n },
    }),
  };
  const distributeGas: Record<string, number> = {};
  const tokens: Address[] = [];
  for (const [mode, issuance] of Object.entries(issuances)) {
    const token = (
      await deployArtifact(
        admin,
        'RevenueShareToken',
        tokenArgs(admin.account.address, core, pool.poolId, issuance),
      )
    ).address;
    tokens.push(token);
    const t = { address: token, abi: revenueShareTokenAbi };
    for (const role of ['AGENT_ROLE', 'DISTRIBUTOR_ROLE'] as const) {
      const id = await admin.publicClient.readContract({ ...t, functionName: role });
      await writeAndWait(admin, { ...t, functionName: 'grantRole', args: [id, admin.account.address] });
    }
    for (const holder of [holderA, holderB]) {
      await writeAndWait(admin, { ...t, functionName: 'setVerified', args: [holder.account.address, true] });
      await writeAndWait(admin, { ...t, functionName: 'mint', args: [holder.account.address, 10n ** 21n] });
    }
    await writeAndWait(admin, {
      address: core.stablecoin,
      abi: testStablecoinAbi,
      functionName: 'mint',
      args: [admin.account.address, 10n ** 15n],
    });
    await writeAndWait(admin, {
      address: core.stablecoin,
      abi: testStablecoinAbi,
      functionName: 'approve',
      args: [token, 10n ** 15n],
    });
    distributeGas[mode] = gasOf(await writeAndWait(admin, { ...t, functionName: 'distribute', args: [2n] }));
  }
  figures.distributeGas = distributeGas;
  // withdraw and transfer on the last token deployed (the FX-feed one; neither depends on the mode)
  const t = { address: tokens.at(-1)!, abi: revenueShareTokenAbi };
  figures.withdrawFundsGas = gasOf(await writeAndWait(holderA, { ...t, functionName: 'withdrawFunds' }));
  figures.transferGas = gasOf(
    await writeAndWait(holderA, {
      ...t,
      functionName: 'transfer',
      args: [holderB.account.address, 10n ** 18n],
    }),
  );
  const first = perInstance[0] as { epochInstance: string; submitBatchGas: number };
  const measured = first.submitBatchGas;
  // submitBatch of a production instance = the measured submitBatch of the first pool, with its
  // verifier's gas replaced by the production verifier's measured gas (the rest does not depend on B).
  const b16Verify = verifierGas.epoch_b16_d16;
  const baseVerify = verifierGas[first.epochInstance];
  const b16SubmitBatch =
    b16Verify !== undefined && baseVerify !== undefined ? measured - baseVerify + b16Verify : undefined;
  figures.production = {
    note: 'epoch_b16_d16: its real verifier measured with a real full-batch proof; epoch_b64_d20 (no zkey): same verifier cost assumed',
    epoch_b16_d16:
      b16SubmitBatch === undefined
        ? null
        : {
            batchSize: 16,
            submitBatchGas: b16SubmitBatch,
            gasPerDeviceEpoch: Math.round(b16SubmitBatch / 16),
          },
    epoch_b64_d20: {
      batchSize: 64,
      gasPerDeviceEpoch: Math.round((b16SubmitBatch ?? measured) / 64),
      estimated: true,
    },
    goalGasPerDeviceEpoch: 30_000,
  };
} finally {
  await anvil.stop();
}
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'gas.json'), `${JSON.stringify(figures, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
// snarkjs keeps its curve's worker threads alive: release them so the process ends.
await terminateCurves();
