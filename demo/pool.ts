import { type Address, parseUnits } from 'viem';
import { poolRegistryAbi, revenueShareTokenAbi, testStablecoinAbi } from '../contracts/abis.ts';
import { type ChainClients, writeAndWait } from '../contracts/chain.ts';
import type { Deployment, PoolDeployment } from '../contracts/deploy.ts';
import type { Registry } from '../gateway/index.ts';
import { DEVICE_KIND_CODE, publicRecord } from '../protocol/index.ts';
import type { FleetGenerator } from '../simulator/generator.ts';
import type { DemoAccount } from './accounts.ts';

/** Whole tokens to base units (the revenue-share token has 18 decimals). */
export const tokenUnits = (tokens: number): bigint => parseUnits(String(tokens), 18);

/**
 * Registers every device of the fleet, in fleet order, on-chain (the pool's Poseidon registration chain) and in
 * the gateway's registry (with its MQTT password hash), so the state-tree slot of a device is the same in both.
 */
export async function registerFleet(
  operator: ChainClients,
  deployment: Deployment,
  pool: PoolDeployment,
  registry: Registry,
  generator: FleetGenerator,
  signal?: AbortSignal,
): Promise<void> {
  if (registry.getPool(pool.poolId) === undefined) {
    await registry.addPool({
      poolId: pool.poolId,
      currency: pool.currencyCode,
      decimals: pool.currencyDecimals,
      maxTariffMinorPerKwh: BigInt(pool.maxTariffMinorPerKwh),
      epochLengthS: pool.epochLengthS,
      genesisTs: pool.genesisTs,
    });
  }
  const records = generator.devices.map((d) => publicRecord(generator.keys.get(d.deviceId)!));
  for (const record of records) {
    signal?.throwIfAborted();
    await writeAndWait(operator, {
      address: deployment.contracts.poolRegistry,
      abi: poolRegistryAbi,
      functionName: 'registerDevice',
      args: [
        pool.poolId,
        BigInt(record.publicKey.Ax),
        BigInt(record.publicKey.Ay),
        record.ratedPowerW,
        DEVICE_KIND_CODE[record.kind],
      ],
    });
  }
  await registry.registerDevices(records);
}

/**
 * Sets up the token side of the pool: allowlists each investor and mints their tokens, grants the distributor
 * its role and mints it enough test stablecoin for every epoch's distribution (so the distributor alone sends
 * transactions while the oracle runs; the operator's nonces stay the oracle's).
 */
export async function setUpInvestors(
  operator: ChainClients,
  deployment: Deployment,
  pool: PoolDeployment,
  investors: ReadonlyArray<{ account: DemoAccount; tokens: number }>,
  distributor: DemoAccount,
  stablecoinUnits: bigint,
): Promise<void> {
  const token = pool.token as Address;
  for (const { account, tokens } of investors) {
    await writeAndWait(operator, {
      address: token,
      abi: revenueShareTokenAbi,
      functionName: 'setVerified',
      args: [account.address, true],
    });
    await writeAndWait(operator, {
      address: token,
      abi: revenueShareTokenAbi,
      functionName: 'mint',
      args: [account.address, tokenUnits(tokens)],
    });
  }
  const role = await operator.publicClient.readContract({
    address: token,
    abi: revenueShareTokenAbi,
    functionName: 'DISTRIBUTOR_ROLE',
  });
  await writeAndWait(operator, {
    address: token,
    abi: revenueShareTokenAbi,
    functionName: 'grantRole',
    args: [role, distributor.address],
  });
  await writeAndWait(operator, {
    address: deployment.contracts.stablecoin,
    abi: testStablecoinAbi,
    functionName: 'mint',
    args: [distributor.address, stablecoinUnits],
  });
  await writeAndWait(distributor.clients, {
    address: deployment.contracts.stablecoin,
    abi: testStablecoinAbi,
    functionName: 'approve',
    args: [token, stablecoinUnits],
  });
}
