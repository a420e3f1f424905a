import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPublicClient, http, zeroAddress } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DevelopmentKeyRefusedError } from '../../ceremony/errors.ts';
import { artifactPaths } from '../../circuits/proving/instances.ts';
import {
  attestationRegistryAbi,
  governanceTimelockAbi,
  poolRegistryAbi,
  revenueFeedAbi,
  revenueShareTokenAbi,
  verifierRegistryAbi,
} from '../../contracts/abis.ts';
import { ANVIL_FIRST_TEST_KEY } from '../../contracts/chain.ts';
import {
  DeployConfigError,
  type Deployment,
  deployAll,
  type PoolDeployment,
} from '../../contracts/deploy.ts';
import { readDeployment } from '../../contracts/deployment.ts';
import { startAnvil } from '../../lib/servers/anvil.ts';
import { EPOCH_INSTANCE, REGISTRATION_INSTANCE } from './proven-pool.ts';
import { instanceIdOf, requireCircuitBuilt, startTestChain, type TestChain } from './support.ts';

requireCircuitBuilt(EPOCH_INSTANCE);
requireCircuitBuilt(REGISTRATION_INSTANCE);
const pool = {
  name: 'test',
  maxTariffMinorPerKwh: 190,
  epochLengthS: 900,
  genesisTs: 1_767_225_600,
  investorShareBps: 6_500,
  epochVerifierInstance: EPOCH_INSTANCE,
  registrationVerifierInstance: REGISTRATION_INSTANCE,
};

const FX = { maxAgeS: 86_400, minAnswer: 5_000_000n, maxAnswer: 50_000_000n, testAnswer: 12_800_000n };

describe('deployAll', () => {
  let chain: TestChain;
  let dir: string;
  let deployment: Deployment;

  beforeAll(async () => {
    chain = await startTestChain();
    dir = mkdtempSync(join(tmpdir(), 'deployments-'));
    deployment = await deployAll({
      rpcUrl: chain.rpcUrl,
      chainId: 31337,
      pools: [
        pool,
        {
          ...pool,
          name: 'second',
          currencyCode: 'HKD',
          investorShareBps: 5_000,
          token: { fx: FX, supplyCap: 5_000n * 10n ** 18n, distributionGraceS: 3_600 },
        },
      ],
      outFile: join(dir, '31337.json'),
      governance: { minDelayS: 60 },
    });
  });

  afterAll(async () => {
    await chain?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('deployAll writes the deployment file that readDeployment returns', () => {
    const file = join(dir, '31337.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(deployment);
    expect(readDeployment(file)).toEqual(deployment);
    expect(Object.keys(deployment.verifiers).sort()).toEqual([EPOCH_INSTANCE, REGISTRATION_INSTANCE]);
    expect(deployment.pools.map((p) => [p.name, p.poolId, p.treeDepth, p.currencyCode])).toEqual([
      ['test', 1, 4, 'CNY'],
      ['second', 2, 4, 'HKD'],
    ]);
  });

  it('deployAll deploys code at every address', async () => {
    const client = chain.accounts[0]!.publicClient;
    const addresses = [
      ...Object.values(deployment.contracts),
      ...Object.values(deployment.verifiers),
      ...deployment.pools.flatMap((p) => [p.feed, p.token]),
    ];
    for (const address of addresses)
      expect((await client.getCode({ address }))?.length ?? 0).toBeGreaterThan(2);
  });

  it('deployAll wires the pools, roles, feeds and tokens', async () => {
    const client = chain.accounts[0]!.publicClient;
    const operator = deployment.deployer;
    for (const p of deployment.pools) {
      const onChain = await client.readContract({
        address: deployment.contracts.poolRegistry,
        abi: poolRegistryAbi,
        functionName: 'getPool',
        args: [p.poolId],
      });
      expect(onChain).toMatchObject({
        investorShareBps: p.investorShareBps,
        treeDepth: 4,
        epochLengthS: 900,
        epochInstanceId: p.epochInstanceId,
        registrationInstanceId: p.registrationInstanceId,
      });
      expect(
        await client.readContract({
          address: deployment.contracts.poolRegistry,
          abi: poolRegistryAbi,
          functionName: 'verifiersOf',
          args: [p.poolId],
        }),
      ).toEqual([p.epochVerifier, p.registrationVerifier]);
      const attester = await client.readContract({
        address: deployment.contracts.attestationRegistry,
        abi: attestationRegistryAbi,
        functionName: 'attesterRole',
        args: [p.poolId],
      });
      expect(
        await client.readContract({
          address: deployment.contracts.attestationRegistry,
          abi: attestationRegistryAbi,
          functionName: 'hasRole',
          args: [attester, operator],
        }),
      ).toBe(true);
      expect(
        await client.readContract({ address: p.feed, abi: revenueFeedAbi, functionName: 'poolId' }),
      ).toBe(p.poolId);
      expect(
        await client.readContract({ address: p.feed, abi: revenueFeedAbi, functionName: 'description' }),
      ).toBe(`Proven revenue of pool ${p.poolId} (${p.currencyCode})`);
      expect(
        await client.readContract({ address: p.token, abi: revenueShareTokenAbi, functionName: 'poolId' }),
      ).toBe(p.poolId);
      for (const role of ['AGENT_ROLE', 'DISTRIBUTOR_ROLE'] as const) {
        const id = await client.readContract({
          address: p.token,
          abi: revenueShareTokenAbi,
          functionName: role,
        });
        expect(
          await client.readContract({
            address: p.token,
            abi: revenueShareTokenAbi,
            functionName: 'hasRole',
            args: [id, operator],
          }),
        ).toBe(true);
      }
    }
  });

  it('deployAll registers the verifiers per instance through the timelock, which governs registry and tokens', async () => {
    const client = chain.accounts[0]!.publicClient;
    const { timelock, verifierRegistry } = deployment.contracts;
    expect(deployment.governance).toEqual({
      minDelayS: 60,
      proposers: [deployment.deployer],
      executors: [deployment.deployer],
    });
    expect(
      await client.readContract({
        address: timelock,
        abi: governanceTimelockAbi,
        functionName: 'getMinDelay',
      }),
    ).toBe(60n);
    expect(
      await client.readContract({
        address: verifierRegistry,
        abi: verifierRegistryAbi,
        functionName: 'governance',
      }),
    ).toBe(timelock);
    expect(deployment.instances).toEqual({
      [EPOCH_INSTANCE]: {
        instanceId: instanceIdOf({ template: 'EpochBatch', batchSize: 1, treeDepth: 4 }),
        template: 'EpochBatch',
        batchSize: 1,
        treeDepth: 4,
        verifier: deployment.verifiers[EPOCH_INSTANCE],
      },
      [REGISTRATION_INSTANCE]: {
        instanceId: instanceIdOf({ template: 'Registration', batchSize: 2, treeDepth: 4 }),
        template: 'Registration',
        batchSize: 2,
        treeDepth: 4,
        verifier: deployment.verifiers[REGISTRATION_INSTANCE],
      },
    });
    for (const instance of Object.values(deployment.instances)) {
      expect(
        await client.readContract({
          address: verifierRegistry,
          abi: verifierRegistryAbi,
          functionName: 'verifierOf',
          args: [instance.instanceId],
        }),
      ).toBe(instance.verifier);
    }
    for (const p of deployment.pools) {
      const token = { address: p.token, abi: revenueShareTokenAbi } as const;
      const role = await client.readContract({ ...token, functionName: 'GOVERNANCE_ROLE' });
      expect(await client.readContract({ ...token, functionName: 'hasRole', args: [role, timelock] })).toBe(
        true,
      );
      expect(
        await client.readContract({ ...token, functionName: 'hasRole', args: [role, deployment.deployer] }),
      ).toBe(false);
      expect(await client.readContract({ ...token, functionName: 'supplyCap' })).toBe(BigInt(p.supplyCap));
    }
  });

  it('deployAll records the payout mode: a fixed rate, or an FX feed with its bounds', async () => {
    const client = chain.accounts[0]!.publicClient;
    const [fixed, fx] = deployment.pools as [PoolDeployment, PoolDeployment];
    expect(fixed.payout).toEqual({ mode: 'fixedRate', conversionRateE18: (1_400n * 10n ** 18n).toString() });
    expect(fixed.supplyCap).toBe((10n ** 27n).toString());
    expect(fixed.distributionGraceS).toBe(604_800);
    expect(fx.payout).toMatchObject({
      mode: 'fxFeed',
      testFeed: true,
      maxAgeS: 86_400,
      minAnswer: '5000000',
      maxAnswer: '50000000',
    });
    const token = { address: fx.token, abi: revenueShareTokenAbi } as const;
    expect(await client.readContract({ ...token, functionName: 'conversionMode' })).toBe(1);
    expect(await client.readContract({ ...token, functionName: 'fxFeed' })).toEqual({
      feed: fx.payout.mode === 'fxFeed' ? fx.payout.feed : zeroAddress,
      maxAgeS: 86_400,
      minAnswer: 5_000_000n,
      maxAnswer: 50_000_000n,
    });
    // 0.128 stablecoin per HKD: 1 cent = 1,280 units of a 6-decimal stablecoin
    expect(await client.readContract({ ...token, functionName: 'conversionRateE18' })).toBe(
      1_280n * 10n ** 18n,
    );
    expect(
      await client.readContract({
        address: fixed.token,
        abi: revenueShareTokenAbi,
        functionName: 'conversionMode',
      }),
    ).toBe(0);
  });

  it('deployAll refuses a chain id the RPC does not serve', async () => {
    await expect(
      deployAll({
        rpcUrl: chain.rpcUrl,
        chainId: 5,
        outFile: false,
        build: false,
        pools: [pool],
        governance: { minDelayS: 60 },
      }),
    ).rejects.toThrow(/the RPC serves chain 31337, not the configured 5/);
  });

  it('deployAll refuses governance the deployer cannot act through', async () => {
    await expect(
      deployAll({
        rpcUrl: chain.rpcUrl,
        chainId: 31337,
        outFile: false,
        build: false,
        pools: [pool],
        governance: { proposers: [chain.accounts[1]!.account.address] },
      }),
    ).rejects.toThrow(/cannot register the verifiers through the timelock/);
  });

  it('deployAll refuses instances of different tree depths', async () => {
    await expect(
      deployAll({
        rpcUrl: chain.rpcUrl,
        chainId: 31337,
        outFile: false,
        build: false,
        pools: [{ ...pool, registrationVerifierInstance: 'registration_demo' }],
      }),
    ).rejects.toThrow(DeployConfigError);
  });

  it('deployAll refuses an unknown or mismatched instance', async () => {
    await expect(
      deployAll({
        rpcUrl: chain.rpcUrl,
        chainId: 31337,
        outFile: false,
        build: false,
        pools: [{ ...pool, epochVerifierInstance: REGISTRATION_INSTANCE }],
      }),
    ).rejects.toThrow(/unknown or mismatched circuit instances/);
  });

  it('deployAll refuses an instance whose verifier is not built', async () => {
    await expect(
      deployAll({
        rpcUrl: chain.rpcUrl,
        chainId: 31337,
        outFile: false,
        build: false,
        pools: [
          {
            ...pool,
            epochVerifierInstance: 'epoch_b16_d16',
            registrationVerifierInstance: 'registration_r16_d20',
          },
        ],
      }),
    ).rejects.toThrow(DeployConfigError);
  });

  it('readDeployment refuses a missing file with a hint', () => {
    expect(() => readDeployment(join(dir, 'missing.json'))).toThrow(/npm run deploy/);
  });
});

describe('deployAll on a public chain (anvil playing chain 133)', () => {
  let publicChain: Awaited<ReturnType<typeof startAnvil>>;

  beforeAll(async () => {
    publicChain = await startAnvil({ chainId: 133 });
  });

  afterAll(async () => {
    await publicChain?.stop();
  });

  it('refuses to deploy without a timelock delay', async () => {
    await expect(
      deployAll({ rpcUrl: publicChain.rpcUrl, chainId: 133, outFile: false, build: false, pools: [pool] }),
    ).rejects.toThrow(/no timelock delay configured/);
  });

  it('refuses the development verification keys (anyone who knows the published seed can forge proofs)', async () => {
    const refusal = await deployAll({
      rpcUrl: publicChain.rpcUrl,
      chainId: 133,
      outFile: false,
      build: false,
      pools: [pool],
      governance: { minDelayS: 3_600 },
    }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(DevelopmentKeyRefusedError);
    expect((refusal as DevelopmentKeyRefusedError).hint).toMatch(/npm run ceremony/);
    // nothing was deployed: the refusal comes before the first transaction
    const client = createPublicClient({ transport: http(publicChain.rpcUrl) });
    expect(
      await client.getTransactionCount({ address: privateKeyToAccount(ANVIL_FIRST_TEST_KEY).address }),
    ).toBe(0);
  });

  it('refuses a build transcript passed off as a ceremony transcript', async () => {
    await expect(
      deployAll({
        rpcUrl: publicChain.rpcUrl,
        chainId: 133,
        outFile: false,
        build: false,
        pools: [pool],
        governance: { minDelayS: 3_600 },
        ceremonyTranscripts: {
          [EPOCH_INSTANCE]: artifactPaths(EPOCH_INSTANCE).dir + '/transcript.json',
          [REGISTRATION_INSTANCE]: artifactPaths(REGISTRATION_INSTANCE).dir + '/transcript.json',
        },
      }),
    ).rejects.toBeInstanceOf(DevelopmentKeyRefusedError);
  });
});
