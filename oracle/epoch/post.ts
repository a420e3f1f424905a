import { attestationRegistryAbi } from '../../contracts/abis.ts';
import { calldataArgs, type ProofBundle } from '../bundles.ts';
import { readAttestationState } from '../chain.ts';
import { JobStateError } from '../errors.ts';
import type { ContractCall } from '../tx-sender.ts';
import { advanceEpochStage, isOnChain, markConfirmed, sendOnce } from './chain-effects.ts';
import type { EpochJobContext, EpochRun, PlannedBatch } from './types.ts';

/**
 * Stage "post": submits the batches in order, reading the chain before each one: a batch already accepted is
 * only marked confirmed; otherwise the chain's root must be the batch's old root, and the batch is sent once
 * (see `sendOnce`), its transaction recorded in the bundle and the stage store. Then moves the epoch to "posted".
 *
 * @throws JobStateError when the chain's root is not the next batch's old root (someone else changed it).
 */
export async function postEpoch(ctx: EpochJobContext, run: EpochRun, batches: PlannedBatch[]): Promise<void> {
  const { poolId, epoch } = run;
  for (const batch of batches) {
    const chain = await readAttestationState(ctx.publicClient, ctx.contracts, poolId);
    if (isOnChain(batch, epoch, chain)) {
      await markConfirmed(ctx, batch.key);
      await ctx.faults?.({ at: 'confirmed', key: batch.key });
      continue;
    }
    if (chain.stateRoot !== batch.oldRoot)
      throw new JobStateError(
        `pool ${poolId} epoch ${epoch}: chain root is not the old root of ${batch.key.kind} batch ${batch.key.index}`,
        {
          details: `chain ${chain.stateRoot}, batch ${batch.oldRoot}`,
          hint: 'the chain was changed by someone else; stop and investigate',
        },
      );
    const bundle = ctx.bundles.readPublic(batch.bundleKey)!;
    const sent = await sendOnce(ctx, batch.key, submitCall(ctx, run, batch, bundle.calldata), async () =>
      isOnChain(batch, epoch, await readAttestationState(ctx.publicClient, ctx.contracts, poolId)),
    );
    await ctx.faults?.({ at: 'mined', key: batch.key });
    if (sent) {
      ctx.bundles.writePublic({ ...bundle, txHash: sent.receipt.transactionHash });
      await ctx.stages.advanceBatch(batch.key, 'posted', { hash: sent.receipt.transactionHash });
    }
    await markConfirmed(ctx, batch.key, sent);
    await ctx.faults?.({ at: 'confirmed', key: batch.key });
  }
  await advanceEpochStage(ctx, poolId, epoch, 'posted');
}

/** The registry call that submits a batch: `submitRegistration` or `submitBatch`, with its proof. */
function submitCall(
  ctx: EpochJobContext,
  run: EpochRun,
  batch: PlannedBatch,
  calldata: ProofBundle['calldata'],
): ContractCall {
  const { proof, pubSignals } = calldataArgs(calldata);
  return batch.key.kind === 'registration'
    ? {
        address: ctx.contracts.attestationRegistry,
        abi: attestationRegistryAbi,
        functionName: 'submitRegistration',
        args: [run.poolId, proof, pubSignals],
      }
    : {
        address: ctx.contracts.attestationRegistry,
        abi: attestationRegistryAbi,
        functionName: 'submitBatch',
        args: [run.poolId, BigInt(run.epoch), proof, pubSignals],
      };
}
