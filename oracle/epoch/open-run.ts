import { getInstance } from '../../circuits/proving/instances.ts';
import { readPool } from '../chain.ts';
import { epochBounds, type PoolSchedule } from '../epochs.ts';
import { JobStateError, OracleConfigError } from '../errors.ts';
import { loadPoolState } from '../pool-state-store.ts';
import type { EpochJobContext, EpochRun } from './types.ts';

/**
 * Fixes what a run of epoch `epoch` is about and checks it before any stage: the circuits' tree depth and the
 * pool's schedule against the registry, that `epoch` is the next epoch to finalise locally, and that an empty
 * persisted tree has the registry's empty root.
 *
 * @throws OracleConfigError when the circuits or the schedule disagree with the chain.
 * @throws JobStateError when the epoch is not the next one or the empty roots differ.
 */
export async function openEpochRun(
  ctx: EpochJobContext,
  pool: PoolSchedule,
  epoch: number,
): Promise<EpochRun> {
  const { poolId } = pool;
  const circuits = ctx.circuitsOf(poolId);
  const epochInstance = getInstance(circuits.epoch);
  const registrationInstance = getInstance(circuits.registration);
  const [batchSize, depth] = epochInstance.params as [number, number];
  const [registrationSize, registrationDepth] = registrationInstance.params as [number, number];
  const chainPool = await readPool(ctx.publicClient, ctx.contracts, poolId);
  if (depth !== chainPool.treeDepth || registrationDepth !== chainPool.treeDepth)
    throw new OracleConfigError(
      `pool ${poolId}: circuit depth ${depth}/${registrationDepth} != tree depth ${chainPool.treeDepth}`,
    );
  if (chainPool.genesisTs !== pool.genesisTs || chainPool.epochLengthS !== pool.epochLengthS)
    throw new OracleConfigError(`pool ${poolId}: schedule differs from the chain's`, {
      details: `chain genesis ${chainPool.genesisTs} length ${chainPool.epochLengthS}`,
    });
  const bounds = epochBounds(pool, epoch);
  const localFinalised = (await ctx.stages.poolState(poolId))?.finalisedEpoch ?? 0;
  if (epoch !== localFinalised + 1)
    throw new JobStateError(
      `pool ${poolId}: epoch ${epoch} requested but the next epoch is ${localFinalised + 1}`,
    );

  const before = await loadPoolState(ctx.stages, poolId, depth);
  if (before.count === 0 && before.root !== chainPool.emptyRoot)
    throw new JobStateError(`pool ${poolId}: the empty tree root differs from the registry's`, {
      details: `local ${before.root}, chain ${chainPool.emptyRoot}`,
      hint: 'the circuits and the contracts disagree on the tree (depth or hash)',
    });
  return { poolId, epoch, bounds, chainPool, circuits, batchSize, registrationSize, before };
}
