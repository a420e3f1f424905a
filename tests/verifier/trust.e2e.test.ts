import { execFile } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { revenueShareTokenAbi, verifierRegistryAbi } from '../../contracts/abis.ts';
import { ANVIL_FIRST_TEST_KEY, createChainClients, writeAndWait } from '../../contracts/chain.ts';
import { deployArtifact } from '../../contracts/deploy.ts';
import { governThroughTimelock, scheduleThroughTimelock, TEMPLATE_ID } from '../../contracts/governance.ts';
import { openBundleSource, type ProofBundle } from '../../oracle/bundles.ts';
import { runEpochJob } from '../../oracle/epoch-job.ts';
import { epochBounds } from '../../oracle/epochs.ts';
import type { Finding } from '../../verifier/checks.ts';
import { type VerifyPoolOptions, verifyPool } from '../../verifier/verify-pool.ts';
import { MemoryReadingSource, makeDevices, nextReading } from '../oracle/support/fleet.ts';
import {
  oracleContext,
  publicClientFor,
  registerOnChain,
  tempDir,
  useTestChain,
} from '../oracle/support/harness.ts';

/**
 * The verifier trusting nothing the operator chooses, end to end on anvil with real proofs of the test instances:
 * keys chosen by the pool's on-chain instances and compared with the deployed verifiers' constants, every public
 * signal, the feed and token bound to the pool, development keys, governance changes and undistributed epochs.
 */
const poolId = 1;
const dataDir = tempDir('verify-trust');
const chain = useTestChain(2, 4);

beforeAll(async () => {
  const devices = makeDevices('trust', 2);
  await registerOnChain(chain.rpcUrl, chain.deployment, poolId, devices);
  const source = new MemoryReadingSource();
  source.addDevices(devices);
  const pool = chain.deployment.pools[0]!;
  const schedule = { poolId, genesisTs: pool.genesisTs, epochLengthS: pool.epochLengthS };
  for (const epoch of [1, 2]) {
    const { startTs } = epochBounds(schedule, epoch);
    devices.forEach((d, i) => {
      source.add(nextReading(d, poolId, startTs + 100 * (i + 1), 10_000));
    });
  }
  const ctx = await oracleContext({ chain, dataDir, readings: source });
  try {
    for (const epoch of [1, 2]) await runEpochJob(ctx, schedule, epoch);
  } finally {
    ctx.close();
  }
}, 600_000);

const pool1 = () => chain.deployment.pools[0]!;
const pool2 = () => chain.deployment.pools[1]!;
const bundlesDir = () => join(dataDir, 'bundles', 'public');
const clients = () =>
  createChainClients({ rpcUrl: chain.rpcUrl, chainId: 31337, privateKey: ANVIL_FIRST_TEST_KEY });
const verify = (options: Partial<Omit<VerifyPoolOptions, 'bundles'>> & { bundles?: string } = {}) =>
  verifyPool({
    publicClient: publicClientFor(chain.rpcUrl),
    contracts: {
      poolRegistry: chain.deployment.contracts.poolRegistry,
      attestationRegistry: chain.deployment.contracts.attestationRegistry,
    },
    poolId,
    feed: pool1().feed,
    token: pool1().token,
    ...options,
    bundles: openBundleSource(options.bundles ?? bundlesDir()),
  });
const line = (f: Finding) => `${f.check} | ${f.subject} | ${f.message}`;
const failures = (report: { findings: Finding[] }) => report.findings.filter((f) => !f.ok).map(line);
const warnings = (report: { findings: Finding[] }) => report.findings.filter((f) => f.warning).map(line);

/** A copy of the bundle directory with one bundle changed by `edit`. */
function editedBundles(path: string, edit: (bundle: ProofBundle) => void): string {
  const copy = tempDir('verify-trust-bundles');
  cpSync(bundlesDir(), copy, { recursive: true });
  const file = join(copy, path);
  const bundle = JSON.parse(readFileSync(file, 'utf8'));
  edit(bundle);
  writeFileSync(file, JSON.stringify(bundle));
  return copy;
}

describe('verifier keys, signals and bindings chosen by the chain, not the operator', () => {
  it('passes on honest data, warning of the development keys and the epochs not yet distributed (control)', async () => {
    const report = await verify();
    expect(failures(report)).toEqual([]);
    // 1 registration batch (R = 2) and 2 + 2 epoch batches (B = 1)
    expect(report.findings.filter((f) => f.check === 'proof' && f.ok)).toHaveLength(5);
    expect(report.findings.filter((f) => f.check === 'verifier-key').map(line)).toEqual([
      `verifier-key | verifier of epoch_test | ${pool1().epochVerifier} embeds every constant of the given verification key`,
      `verifier-key | verifier of registration_test | ${pool1().registrationVerifier} embeds every constant of the given verification key`,
      'verifier-key | verifier of registration_test | on-chain verifier rejects a valid proof with an altered public signal',
      'verifier-key | verifier of epoch_test | on-chain verifier rejects a valid proof with an altered public signal',
    ]);
    expect(warnings(report)).toEqual([
      expect.stringMatching(
        /^key-trust \| key of epoch_test \| development key \(.*development powers of tau.*allowed on the local chain 31337$/,
      ),
      expect.stringMatching(/^key-trust \| key of registration_test \| development key /),
      expect.stringMatching(
        /^distribution \| epoch 1 distribution \| not distributed yet; the grace period ends at \d+/,
      ),
      expect.stringMatching(
        /^distribution \| epoch 2 distribution \| not distributed yet; the grace period ends at \d+/,
      ),
    ]);
  }, 300_000);

  it('fails a development key when the chain is treated as production (library and CLI)', async () => {
    const report = await verify({ treatChainAsProduction: true });
    expect(failures(report)).toEqual([
      expect.stringMatching(
        /^key-trust \| key of epoch_test \| development key .*not acceptable on chain 31337 \(treated as production\)$/,
      ),
      expect.stringMatching(
        /^key-trust \| key of registration_test \| development key .*not acceptable on chain 31337/,
      ),
    ]);
    const args = ['--rpc', chain.rpcUrl, '--pool', '1', '--bundles', bundlesDir()];
    args.push('--pool-registry', chain.deployment.contracts.poolRegistry);
    args.push('--attestation-registry', chain.deployment.contracts.attestationRegistry, '--production-chain');
    const cli = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'verifier/cli.ts', ...args], {
      timeout: 180_000,
    }).then(
      () => ({ code: 0, stdout: '' }),
      (error: { code: number; stdout: string }) => error,
    );
    expect(cli.code).toBe(1);
    expect(cli.stdout.trim().split('\n').at(-1)).toMatch(
      /^NOT VERIFIED: 2 of \d+ checks failed; first: key-trust key of epoch_test: development key/,
    );
  }, 300_000);

  it('fails a bundle that names another instance than the one the pool references', async () => {
    const bundles = editedBundles('pool-1/epoch-1/batch-0.json', (bundle) => {
      bundle.instance = 'epoch_demo';
    });
    expect(failures(await verify({ bundles }))).toEqual([
      "proof | epoch 1 batch 0 | the bundle names instance epoch_demo, but the pool's epoch instance on chain is epoch_test",
      'feed | feed round 1 | feed round 1 not backed: batch 0 of epoch 1 names another circuit instance',
    ]);
  }, 300_000);

  it("fails a registration bundle whose chain signal differs from the pool registry's chain", async () => {
    let changed = '';
    const bundles = editedBundles('pool-1/registration/count-2.json', (bundle) => {
      changed = String(BigInt(bundle.publicSignals[6]!) + 1n);
      bundle.publicSignals[6] = changed;
      bundle.calldata.pubSignals[6] = changed;
    });
    const [first, ...rest] = failures(await verify({ bundles }));
    expect(rest).toEqual([]);
    expect(first).toMatch(
      /^proof \| registration 0->2 \| bundle public signals \[.*\] differ from the chain's record \[.*\]$/,
    );
    expect(first).toContain(`, ${changed}] differ`);
  }, 300_000);

  it('uses only the keys it is given: another instance key fails the constants check and every epoch proof', async () => {
    const registrationKey = join('build', 'circuits', 'registration_test', 'verification_key.json');
    const report = await verify({ vkeyFiles: { epoch_test: registrationKey } });
    const failed = failures(report);
    expect(failed[0]).toMatch(
      /^verifier-key \| verifier of epoch_test \| on-chain verifier for instance epoch_test \(0x[0-9a-fA-F]{40}\) does not embed the given verification key \(20 constants missing, first delta.x0, delta.x1, delta.y0\)$/,
    );
    expect(failed.filter((f) => /^proof \| epoch \d batch \d \| /.test(f))).toHaveLength(4);
  }, 300_000);

  it("fails another pool's feed and token, naming the pool they belong to", async () => {
    const report = await verify({ feed: pool2().feed, token: pool2().token });
    expect(failures(report)).toEqual([
      `contracts | feed ${pool2().feed} | the feed belongs to pool 2, not pool 1 (its rounds and distributions are not checked)`,
      `contracts | token ${pool2().token} | the token belongs to pool 2, not pool 1 (its rounds and distributions are not checked)`,
    ]);
  }, 300_000);

  it('reports a tampered batch first, and the feed round as following from it', async () => {
    const bundles = editedBundles('pool-1/epoch-2/batch-1.json', (bundle) => {
      [bundle.proof.pi_a, bundle.proof.pi_c] = [bundle.proof.pi_c, bundle.proof.pi_a];
      [bundle.calldata.a, bundle.calldata.c] = [bundle.calldata.c, bundle.calldata.a];
    });
    const report = await verify({ bundles });
    expect(failures(report)).toEqual([
      'proof | epoch 2 batch 1 | INVALID proof in the bundle (snarkjs with the epoch_test key: invalid, on-chain verifier: invalid)',
      'feed | feed round 2 | feed round 2 not backed: batch 1 of epoch 2 failed proof verification',
    ]);
    expect(report.findings.find((f) => f.subject === 'feed round 2')?.cause).toBe('epoch 2 batch 1');
  }, 300_000);
});

describe('governance and payouts over time', () => {
  it('reports a rate change through the timelock and a pending supply cap change with its ready time', async () => {
    const { timelock } = chain.deployment.contracts;
    const token = pool1().token;
    const call = (functionName: string, args: unknown[]) => ({
      target: token,
      abi: revenueShareTokenAbi,
      functionName,
      args,
    });
    await governThroughTimelock(clients(), timelock, [call('setConversionRate', [2_800n * 10n ** 18n])], {
      local: true,
    });
    const scheduled = await scheduleThroughTimelock(clients(), timelock, [
      call('setSupplyCap', [5n * 10n ** 27n]),
    ]);
    const report = await verify();
    expect(failures(report)).toEqual([]);
    expect(warnings(report)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          new RegExp(
            `^payout \\| conversion rate \\| rate changed at block \\d+: ${1_400n * 10n ** 18n} -> ${2_800n * 10n ** 18n} `,
          ),
        ),
        expect.stringMatching(
          new RegExp(
            `^governance \\| pending operation 0x[0-9a-f]{8} \\| setSupplyCap\\(${5n * 10n ** 27n}\\) on the token scheduled at block ${scheduled.receipt.blockNumber}, executable from ${scheduled.readyAtS} `,
          ),
        ),
      ]),
    );
  }, 300_000);

  it('reports a verifier replaced through the timelock, and the always-true verifier fails the constants check', async () => {
    const alwaysTrue = (await deployArtifact(clients(), 'AlwaysTrueVerifier')).address;
    await governThroughTimelock(
      clients(),
      chain.deployment.contracts.timelock,
      [
        {
          target: chain.deployment.contracts.verifierRegistry,
          abi: verifierRegistryAbi,
          functionName: 'setVerifier',
          args: [TEMPLATE_ID.EpochBatch, 1, 4, alwaysTrue],
        },
      ],
      { local: true },
    );
    const report = await verify();
    expect(failures(report)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^verifier-key \\| verifier of epoch_test \\| on-chain verifier for instance epoch_test \\(${alwaysTrue}\\) does not embed the given verification key \\(36 constants missing`,
        ),
      ),
      'verifier-key | verifier of epoch_test | on-chain verifier for instance epoch_test accepts a valid proof with an altered public signal',
    ]);
    expect(warnings(report)).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^governance \\| verifier of the epoch instance \\| replaced at block \\d+: ${pool1().epochVerifier} -> ${alwaysTrue}$`,
        ),
      ),
    );
  }, 300_000);

  it('fails epochs left undistributed past the grace period, and shows the shortfall once recorded', async () => {
    const client = publicClientFor(chain.rpcUrl);
    await client.request({
      method: 'evm_increaseTime' as never,
      params: [pool1().distributionGraceS + 1] as never,
    });
    await client.request({ method: 'evm_mine' as never, params: [] as never });
    const late = await verify();
    expect(failures(late).filter((f) => f.startsWith('distribution'))).toEqual([
      expect.stringMatching(
        /^distribution \| epoch 1 distribution \| not distributed within the grace period: finalised at \d+, due at \d+, not recorded \(anyone may call recordUndistributed\(1\)\)$/,
      ),
      expect.stringMatching(
        /^distribution \| epoch 2 distribution \| not distributed within the grace period/,
      ),
    ]);
    await writeAndWait(clients(), {
      address: pool1().token,
      abi: revenueShareTokenAbi,
      functionName: 'recordUndistributed',
      args: [2n],
    });
    const recorded = await verify();
    expect(failures(recorded).filter((f) => f.startsWith('distribution'))).toEqual([
      expect.stringMatching(
        /^distribution \| epoch 1 distribution \| not distributed within the grace period/,
      ),
    ]);
    // recorded at the rate in force then (2,800e18 since the governed change): 2000 fen x 70 % x 0.0028
    expect(warnings(recorded)).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^distribution \\| epoch 2 distribution \\| not distributed; recorded as undistributed at \\d+: required 3920000 units at rate ${2_800n * 10n ** 18n}, shortfall 3920000$`,
        ),
      ),
    );
  }, 300_000);
});
