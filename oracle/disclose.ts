import type { PublicClient } from 'viem';
import { freshLeafState, type LeafState, leafStateFromJson } from '../circuits/model/leaf.ts';
import { PoolState } from '../circuits/model/pool-state.ts';
import type { SignedReading } from '../protocol/index.ts';
import type { BundleStore } from './bundles.ts';
import { type OracleContracts, readDevices, readPool } from './chain.ts';
import { OracleError } from './errors.ts';
import { createDisclosure, type Disclosure } from '../verifier/disclosure.ts';

/** The private record of an epoch batch: its closing readings and the leaves they produced. */
interface PrivateBatch {
  readings: Array<{ slot: number; reading: SignedReading; leafAfter: Record<keyof LeafState, string> }>;
}

/**
 * Builds, for an auditor, the disclosure of one device's closing reading of a past epoch: the state tree at the end
 * of that epoch is rebuilt from the on-chain registrations and the private batch records of epochs 1..epoch, and the
 * reading's Merkle path in it is returned with the reading. Nothing about other devices is disclosed.
 *
 * @example
 * const disclosure = await discloseReading({ publicClient, contracts, bundles, poolId: 1, epoch: 3, deviceId: 'ev-0001' });
 * writeFileSync('ev-0001-epoch-3.json', JSON.stringify(disclosure, null, 2));
 */
export async function discloseReading(options: {
  publicClient: PublicClient;
  contracts: OracleContracts;
  bundles: BundleStore;
  poolId: number;
  epoch: number;
  deviceId: string;
  fromBlock?: bigint;
}): Promise<Disclosure> {
  const { poolId, epoch, bundles } = options;
  const pool = await readPool(options.publicClient, options.contracts, poolId);
  const devices = await readDevices(options.publicClient, options.contracts, poolId, options.fromBlock);
  let registeredCount = 0;
  for (const path of bundles.list(poolId)) {
    const match = /registration\/count-(\d+)\.json$/.exec(path);
    if (!match) continue;
    const bundle = bundles.readPublic({
      kind: 'registration',
      poolId,
      epoch: 0,
      batchIndex: Number(match[1]),
    });
    if (bundle && bundle.epoch <= epoch) registeredCount = Math.max(registeredCount, bundle.batchIndex);
  }
  const leaves: LeafState[] = devices
    .slice(0, registeredCount)
    .map((d) => freshLeafState({ Ax: d.Ax.toString(), Ay: d.Ay.toString() }, d.ratedPowerW));
  let target: { slot: number; reading: SignedReading } | undefined;
  for (let e = 1; e <= epoch; e++) {
    for (let batchIndex = 0; ; batchIndex++) {
      const batch = bundles.readPrivate<PrivateBatch>({ kind: 'epoch', poolId, epoch: e, batchIndex });
      if (!batch) break;
      for (const entry of batch.readings) {
        leaves[entry.slot] = leafStateFromJson(entry.leafAfter);
        if (e === epoch && entry.reading.deviceId === options.deviceId) target = entry;
      }
    }
  }
  if (!target)
    throw new OracleError(
      `device ${options.deviceId} has no proven closing reading in epoch ${epoch} of pool ${poolId}`,
      {
        hint: 'a device that did not report in an epoch has nothing to disclose for it; pick an epoch it reported in',
      },
    );
  const state = new PoolState(pool.treeDepth, leaves);
  return createDisclosure(state, poolId, epoch, target.slot, target.reading);
}
