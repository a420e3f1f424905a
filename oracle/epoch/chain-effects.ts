/**
 * Exactly-once effects on the chain, shared by the post and finalise stages: whether a batch is already
 * accepted, sending a call once across restarts (resuming persisted signed transactions first), and moving the
 * durable stages of batches and epochs forward.
 */
import type { AttestationState } from '../chain.ts';
import { TransactionRevertedError, TransactionSupersededError } from '../errors.ts';
import type { BatchKey } from '../stage-store.ts';
import type { ContractCall, SentTx } from '../tx-sender.ts';
import type { EpochJobContext, PlannedBatch } from './types.ts';

/** Whether a planned batch is already accepted on-chain. */
export function isOnChain(batch: PlannedBatch, epoch: number, chain: AttestationState): boolean {
  if (batch.key.kind === 'registration') return chain.attestedCount >= batch.newCount!;
  if (chain.lastFinalisedEpoch >= epoch) return true;
  return chain.openEpoch === epoch && chain.openBatchCount > batch.key.index;
}

/** Moves a batch to stage "confirmed" (with its transaction, if this run mined it) unless it is there already. */
export async function markConfirmed(ctx: EpochJobContext, key: BatchKey, sent?: SentTx): Promise<void> {
  const record = await ctx.stages.batch(key);
  if (!record || record.stage === 'confirmed') return;
  await ctx.stages.advanceBatch(
    key,
    'confirmed',
    sent ? { hash: sent.receipt.transactionHash, blockNumber: sent.receipt.blockNumber } : undefined,
  );
}

/** Moves the epoch's durable stage forward to `stage` (a resumed job may already be past it). */
export async function advanceEpochStage(
  ctx: EpochJobContext,
  poolId: number,
  epoch: number,
  stage: 'proved' | 'posted',
): Promise<void> {
  const current = (await ctx.stages.epoch(poolId, epoch))?.stage;
  if (current === 'selected' || (current === 'proved' && stage === 'posted'))
    await ctx.stages.advanceEpoch(poolId, epoch, stage);
}

/**
 * Sends `call` for slot `key` unless `done()` says the chain already has its effect: resumes persisted signed
 * transactions first; sends a new one only if none of them made it. Returns the mined transaction, if any.
 */
export async function sendOnce(
  ctx: EpochJobContext,
  key: BatchKey,
  call: ContractCall,
  done: () => Promise<boolean>,
): Promise<SentTx | undefined> {
  if (await done()) return undefined;
  const records = await ctx.stages.signedRecords(key);
  if (records.length > 0) {
    const nonces = [...new Set(records.map((r) => r.nonce))].sort((a, b) => a - b);
    for (const nonce of nonces) {
      try {
        const sent = await ctx.sender.resume(records.filter((r) => r.nonce === nonce));
        if (await done()) return sent;
      } catch (error) {
        if (!(error instanceof TransactionSupersededError) && !(error instanceof TransactionRevertedError))
          throw error;
      }
    }
    if (await done()) return undefined;
    ctx.onLog?.('persisted transaction did not land; sending again', { key: bundleLabel(key) });
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await ctx.sender.send(call, {
        onSigned: async (record) => {
          await ctx.stages.recordSigned(key, record);
          await ctx.faults?.({ at: 'signed', key });
        },
      });
    } catch (error) {
      // A revert because the effect is already there (e.g. a replacement of ours landed) is success.
      if (error instanceof TransactionRevertedError && (await done())) return undefined;
      // Our nonce was taken by another transaction: if the effect is not on-chain, send again (new nonce).
      if (error instanceof TransactionSupersededError && attempt < 3) {
        if (await done()) return undefined;
        ctx.onLog?.('transaction superseded; sending again', { key: bundleLabel(key), attempt });
        continue;
      }
      throw error;
    }
  }
}

function bundleLabel(key: BatchKey): string {
  return `${key.poolId}/${key.epoch}/${key.kind}/${key.index}`;
}
