import { describe, expect, it } from 'vitest';
import { freshLeafState, leafHash } from '../../circuits/model/leaf.ts';
import { PoolState } from '../../circuits/model/pool-state.ts';
import { rootFromPath, StateTree, StateTreeError, zeroRoot } from '../../circuits/model/state-tree.ts';
import { poseidonHash } from '../../protocol/index.ts';
import { buildPoseidon } from 'circomlibjs';
import { seededRandom, testDevice } from './support/fleet.ts';

/** Root of a dense tree, computed level by level (the obvious definition). */
function denseRoot(depth: number, leaves: Map<number, bigint>): bigint {
  let level = Array.from({ length: 2 ** depth }, (_, i) => leaves.get(i) ?? 0n);
  while (level.length > 1) {
    const next: bigint[] = [];
    for (let i = 0; i < level.length; i += 2)
      next.push(poseidonHash([level[i] as bigint, level[i + 1] as bigint]));
    level = next;
  }
  return level[0] as bigint;
}

describe('StateTree', () => {
  it('the empty root is the dense root of zeros, and matches circomlibjs Poseidon', async () => {
    expect(new StateTree(4).root).toBe(denseRoot(4, new Map()));
    const poseidon = await buildPoseidon();
    expect(zeroRoot(1)).toBe(poseidon.F.toObject(poseidon([0n, 0n])));
  });

  it('sparse updates give the dense root; siblings prove inclusion', () => {
    const random = seededRandom(7);
    const tree = new StateTree(6);
    const leaves = new Map<number, bigint>();
    for (let k = 0; k < 40; k++) {
      const slot = Math.floor(random() * 64);
      const value = BigInt(Math.floor(random() * 1e9));
      tree.set(slot, value);
      leaves.set(slot, value);
    }
    expect(tree.root).toBe(denseRoot(6, leaves));
    for (const [slot, value] of leaves)
      expect(rootFromPath(value, slot, tree.siblings(slot))).toBe(tree.root);
    expect(rootFromPath(1n, 3, tree.siblings(3))).not.toBe(tree.root);
    const batch = new StateTree(6);
    batch.setMany(leaves);
    expect(batch.root).toBe(tree.root);
    // block subtree path, as the epoch circuit climbs from a block of 4
    const blockRoot = denseRoot(2, new Map([0, 1, 2, 3].map((i) => [i, tree.leaf(8 + i)])));
    expect(rootFromPath(blockRoot, 2, tree.siblings(2, 2))).toBe(tree.root);
  });

  it('setting a leaf back to 0 restores the empty root; clones are independent', () => {
    const tree = new StateTree(5);
    tree.set(9, 123n);
    const copy = tree.clone();
    tree.set(9, 0n);
    expect(tree.root).toBe(zeroRoot(5));
    expect(copy.leaf(9)).toBe(123n);
  });

  it('refuses slots outside the tree and unsupported depths', () => {
    expect(() => new StateTree(4).set(16, 1n)).toThrow(StateTreeError);
    expect(() => new StateTree(4).set(-1, 1n)).toThrow(StateTreeError);
    expect(() => new StateTree(0)).toThrow(StateTreeError);
  });

  it('a pool state holds leaves at registration order and rebuilds from persisted leaves', () => {
    const state = new PoolState(4);
    const a = testDevice(1);
    const b = testDevice(2, 7000);
    expect(state.register(a.publicKey, a.ratedPowerW)).toBe(0);
    expect(state.register(b.publicKey, b.ratedPowerW)).toBe(1);
    expect(state.tree.leaf(1)).toBe(leafHash(freshLeafState(b.publicKey, 7000)));
    const rebuilt = new PoolState(4, state.leaves(), state.chain);
    expect(rebuilt.root).toBe(state.root);
  });

  it('20,000 devices at depth 20 build in seconds (zero-subtree cache)', () => {
    const started = Date.now();
    const tree = new StateTree(20);
    tree.setMany(Array.from({ length: 20_000 }, (_, i) => [i, BigInt(i + 1)] as const));
    const elapsedMs = Date.now() - started;
    expect(tree.leaf(19_999)).toBe(20_000n);
    expect(elapsedMs).toBeLessThan(60_000);
  });
});
