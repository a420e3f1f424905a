import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attestationRegistryAbi,
  poolRegistryAbi,
  revenueFeedAbi,
  revenueShareTokenAbi,
} from '../../contracts/abis.ts';
import { type Deployment, DeployConfigError, deployAll } from '../../contracts/deploy.ts';
import { readDeployment } from '../../contracts/deployment.ts';
import { EPOCH_INSTANCE, REGISTRATION_INSTANCE } from './proven-pool.ts';
import { requireCircuitBuilt, startTestChain, type TestChain } from './support.ts';

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
      pools: [pool, { ...pool, name: 'second', currencyCode: 'HKD', investorShareBps: 5_000 }],
      outFile: join(dir, '31337.json'),
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
        epochVerifier: p.epochVerifier,
        registrationVerifier: p.registrationVerifier,
      });
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
