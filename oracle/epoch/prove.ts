import { artifactPaths } from '../../circuits/proving/instances.ts';
import { type ProofBundle, toCalldata } from '../bundles.ts';
import { readAttestationState } from '../chain.ts';
import { JobStateError, ProvingError } from '../errors.ts';
import { advanceEpochStage, isOnChain } from './chain-effects.ts';
import type { EpochJobContext, EpochRun, PlannedBatch } from './types.ts';

/**
 * Stage "prove": proves, in parallel, every batch without a stored proof and bundle, checks each proof's public
 * signals against the plan, writes its public bundle (and the private readings of epoch batches) and stores the
 * batch as "proved"; then moves the epoch to "proved".
 *
 * @throws JobStateError when a batch unknown here is already on-chain (another oracle posts for this pool).
 * @throws ProvingError when a proof's public signals are not the planned ones.
 */
export async function proveEpoch(
  ctx: EpochJobContext,
  run: EpochRun,
  batches: PlannedBatch[],
): Promise<void> {
  const { poolId, epoch } = run;
  const toProve = await batchesToProve(ctx, run, batches);
  if (toProve.length > 0) {
    const results = await ctx.prover.proveAll(
      toProve.map((batch) => {
        const paths = artifactPaths(batch.instance);
        return {
          label: `pool ${poolId} epoch ${epoch} ${batch.key.kind} ${batch.key.index}`,
          input: batch.input,
          wasmPath: paths.wasm,
          zkeyPath: paths.zkey,
        };
      }),
    );
    for (const [i, batch] of toProve.entries()) {
      const result = results[i]!;
      if (result.publicSignals.join(',') !== batch.publicSignals.join(','))
        throw new ProvingError(
          `the proof of ${batch.key.kind} batch ${batch.key.index} has unexpected public signals`,
          {
            details: `expected ${batch.publicSignals.join(',')}, got ${result.publicSignals.join(',')}`,
          },
        );
      const bundle: ProofBundle = {
        version: 1,
        kind: batch.bundleKey.kind,
        poolId,
        epoch,
        batchIndex: batch.bundleKey.batchIndex,
        instance: batch.instance,
        publicSignals: result.publicSignals,
        proof: result.proof,
        calldata: toCalldata(result.proof, result.publicSignals),
      };
      const path = ctx.bundles.writePublic(bundle);
      if (batch.privateReadings)
        ctx.bundles.writePrivate(batch.bundleKey, { readings: batch.privateReadings });
      await ctx.stages.saveProvedBatch(batch.key, {
        oldRoot: batch.oldRoot.toString(),
        newRoot: batch.newRoot.toString(),
        bundlePath: path,
      });
    }
    ctx.onLog?.('epoch proved', { poolId, epoch, proofs: toProve.length });
  }
  await advanceEpochStage(ctx, poolId, epoch, 'proved');
}

/** The batches without both a stored record and a public bundle; none of them may be on-chain already. */
async function batchesToProve(
  ctx: EpochJobContext,
  run: EpochRun,
  batches: PlannedBatch[],
): Promise<PlannedBatch[]> {
  const { poolId, epoch } = run;
  const chainAtStart = await readAttestationState(ctx.publicClient, ctx.contracts, poolId);
  const toProve: PlannedBatch[] = [];
  for (const batch of batches) {
    const record = await ctx.stages.batch(batch.key);
    const bundleOnDisk = ctx.bundles.readPublic(batch.bundleKey);
    if (record && bundleOnDisk) continue;
    if (!record && isOnChain(batch, epoch, chainAtStart))
      throw new JobStateError(
        `pool ${poolId} epoch ${epoch}: batch ${batch.key.kind} ${batch.key.index} is on-chain but unknown here`,
        {
          hint: 'another oracle instance posts for this pool, or the oracle database was lost',
        },
      );
    toProve.push(batch);
  }
  return toProve;
}
