import { attestationRegistryAbi } from '../../contracts/abis.ts';
import { readAttestationState } from '../chain.ts';
import { JobStateError } from '../errors.ts';
import { changedLeaves } from '../pool-state-store.ts';
import type { BatchKey } from '../stage-store.ts';
import { sendOnce } from './chain-effects.ts';
import type { EpochJobContext, EpochPlan, EpochRun } from './types.ts';

/**
 * Stage "finalise": finalises the epoch on-chain (once), checks that the chain's root is the planned one, then
 * finalises it locally with the leaves it changed.
 *
 * @throws JobStateError when the finalised root differs from the computed one.
 */
export async function finaliseEpoch(ctx: EpochJobContext, run: EpochRun, plan: EpochPlan): Promise<void> {
  const { poolId, epoch } = run;
  const finalizeKey: BatchKey = { poolId, epoch, kind: 'finalize', index: 0 };
  await sendOnce(
    ctx,
    finalizeKey,
    {
      address: ctx.contracts.attestationRegistry,
      abi: attestationRegistryAbi,
      functionName: 'finalizeEpoch',
      args: [poolId, BigInt(epoch)],
    },
    async () =>
      (await readAttestationState(ctx.publicClient, ctx.contracts, poolId)).lastFinalisedEpoch >= epoch,
  );
  await ctx.faults?.({ at: 'finalised-on-chain' });
  const finalChain = await readAttestationState(ctx.publicClient, ctx.contracts, poolId);
  if (finalChain.lastFinalisedEpoch === epoch && finalChain.stateRoot !== plan.state.root)
    throw new JobStateError(`pool ${poolId} epoch ${epoch}: finalised root differs from the computed one`, {
      details: `chain ${finalChain.stateRoot}, computed ${plan.state.root}`,
    });
  await ctx.stages.finaliseEpoch(
    poolId,
    epoch,
    plan.state.root.toString(),
    changedLeaves(run.before, plan.state),
  );
}
