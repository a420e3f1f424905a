import { hexToString, type PublicClient } from 'viem';
import { poolRegistryAbi } from '../contracts/abis.ts';
import type { Registry } from '../gateway/index.ts';
import { type OracleContracts, readDevices, readPoolCount } from './chain.ts';

/** What a registry synchronisation did and found. */
export interface RegistrySyncReport {
  /** Pools created on-chain and added to the gateway's registry by this run. */
  poolsAdded: number[];
  /** Pools whose gateway parameters differ from the chain's (the chain is right; fix the gateway). */
  poolMismatches: Array<{ poolId: number; field: string; chain: string; gateway: string }>;
  /** Devices deactivated on-chain and deactivated in the gateway by this run. */
  devicesDeactivated: string[];
  /** On-chain devices the gateway does not know (register them with their id and MQTT password). */
  unknownToGateway: Array<{ poolId: number; slot: number; keyHash: string }>;
  /** Gateway devices not registered on-chain in their pool: their readings cannot be proven. */
  notOnChain: Array<{ poolId: number; deviceId: string }>;
}

/**
 * Brings the gateway's registry in step with the on-chain registry, which is authoritative: pools created
 * on-chain are added (currency, decimals, tariff cap, epoch length, genesis), devices deactivated on-chain are
 * deactivated, and every difference that needs the operator (a device on-chain the gateway cannot authenticate,
 * a gateway device that was never registered on-chain) is reported.
 *
 * @example
 * const report = await syncRegistry({ publicClient, contracts, registry: gateway.registry });
 */
export async function syncRegistry(options: {
  publicClient: PublicClient;
  contracts: OracleContracts;
  registry: Registry;
  fromBlock?: bigint;
}): Promise<RegistrySyncReport> {
  const { publicClient: client, contracts, registry } = options;
  const report: RegistrySyncReport = {
    poolsAdded: [],
    poolMismatches: [],
    devicesDeactivated: [],
    unknownToGateway: [],
    notOnChain: [],
  };
  const poolCount = await readPoolCount(client, contracts);
  const deactivated = await client.getContractEvents({
    address: contracts.poolRegistry,
    abi: poolRegistryAbi,
    eventName: 'DeviceDeactivated',
    fromBlock: options.fromBlock ?? 0n,
    toBlock: 'latest',
  });
  const deactivatedKeys = new Set(deactivated.map((log) => log.args.keyHash!.toString()));
  for (let poolId = 1; poolId <= poolCount; poolId++) {
    const pool = await client.readContract({
      address: contracts.poolRegistry,
      abi: poolRegistryAbi,
      functionName: 'getPool',
      args: [poolId],
    });
    const chainPool = {
      poolId,
      currency: hexToString(pool.currencyCode).replace(/\0+$/, ''),
      decimals: Number(pool.currencyDecimals),
      maxTariffMinorPerKwh: BigInt(pool.maxTariffMinorPerKwh),
      epochLengthS: Number(pool.epochLengthS),
      genesisTs: Number(pool.genesisTs),
    };
    const local = registry.getPool(poolId);
    if (!local) {
      await registry.addPool(chainPool);
      report.poolsAdded.push(poolId);
    } else {
      for (const field of [
        'currency',
        'decimals',
        'maxTariffMinorPerKwh',
        'epochLengthS',
        'genesisTs',
      ] as const) {
        if (String(local[field]) !== String(chainPool[field]))
          report.poolMismatches.push({
            poolId,
            field,
            chain: String(chainPool[field]),
            gateway: String(local[field]),
          });
      }
    }
    const onChain = await readDevices(client, contracts, poolId, options.fromBlock);
    const gatewayDevices = registry.listDevices(poolId);
    const byKey = new Map(gatewayDevices.map((d) => [d.keyHash, d]));
    const chainKeys = new Set(onChain.map((d) => d.keyHash.toString()));
    for (const device of onChain) {
      const local = byKey.get(device.keyHash.toString());
      if (!local) {
        report.unknownToGateway.push({ poolId, slot: device.slot, keyHash: device.keyHash.toString() });
        continue;
      }
      if (deactivatedKeys.has(device.keyHash.toString()) && local.active) {
        await registry.setActive(local.deviceId, false);
        report.devicesDeactivated.push(local.deviceId);
      }
    }
    for (const device of gatewayDevices)
      if (!chainKeys.has(device.keyHash)) report.notOnChain.push({ poolId, deviceId: device.deviceId });
  }
  return report;
}

/**
 * Runs {@link syncRegistry} now and every `intervalMs` (default 30 s) until stopped; reports go to `onReport`.
 *
 * @example
 * const sync = startRegistrySync({ publicClient, contracts, registry, onReport: (r) => log.info(r) });
 * await sync.stop();
 */
export function startRegistrySync(
  options: Parameters<typeof syncRegistry>[0] & {
    intervalMs?: number;
    onReport?: (report: RegistrySyncReport) => void;
    onError?: (error: unknown) => void;
  },
) {
  let running: Promise<void> | undefined;
  const run = () => {
    running ??= syncRegistry(options)
      .then((report) => options.onReport?.(report))
      .catch((error) => options.onError?.(error))
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  void run();
  const timer = setInterval(run, options.intervalMs ?? 30_000);
  timer.unref();
  return {
    /** Runs one synchronisation now (shares a run in progress). */
    syncNow: run,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
