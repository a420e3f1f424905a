import { type LeafState, leafStateFromJson, leafStateToJson } from '../circuits/model/leaf.ts';
import { PoolState } from '../circuits/model/pool-state.ts';
import { poseidonHash } from '../protocol/index.ts';
import { JobStateError } from './errors.ts';
import type { StageStore } from './stage-store.ts';

/**
 * Rebuilds a pool's state tree from the leaves persisted at its last finalised epoch (the registration chain is
 * recomputed from the leaves in slot order) and checks it against the persisted root.
 *
 * @example
 * const state = await loadPoolState(stages, 1, 8);
 */
export async function loadPoolState(stages: StageStore, poolId: number, depth: number): Promise<PoolState> {
  const rows = await stages.leaves<Record<keyof LeafState, string>>(poolId);
  const leaves: LeafState[] = [];
  let chain = 0n;
  for (const [i, row] of rows.entries()) {
    if (row.slot !== i)
      throw new JobStateError(`pool ${poolId}: persisted leaves skip slot ${i}`, {
        hint: 'the oracle database is damaged; restore it from a backup',
      });
    const leaf = leafStateFromJson(row.leaf);
    leaves.push(leaf);
    chain = poseidonHash([chain, poseidonHash([poseidonHash([leaf.Ax, leaf.Ay]), leaf.ratedPowerW])]);
  }
  const state = new PoolState(depth, leaves, chain);
  const saved = await stages.poolState(poolId);
  if (saved && saved.root !== state.root.toString())
    throw new JobStateError(
      `pool ${poolId}: rebuilt root ${state.root} differs from the persisted ${saved.root}`,
      {
        hint: 'the oracle database is damaged; restore it from a backup',
      },
    );
  return state;
}

/** The leaves of `after` that differ from `before` (new slots and updated ones), as JSON for persistence. */
export function changedLeaves(before: PoolState, after: PoolState): Array<{ slot: number; leaf: unknown }> {
  const out: Array<{ slot: number; leaf: unknown }> = [];
  after.leaves().forEach((leaf, slot) => {
    if (slot >= before.count || before.tree.leaf(slot) !== after.tree.leaf(slot))
      out.push({ slot, leaf: leafStateToJson(leaf) });
  });
  return out;
}
