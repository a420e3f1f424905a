import { type PublicKey, poseidonHash } from '../../protocol/index.ts';
import { BaseError } from '../../lib/errors.ts';
import { freshLeafState, type LeafState, leafHash } from './leaf.ts';
import { StateTree } from './state-tree.ts';

/** Thrown when a pool's state is used inconsistently (full tree, unknown slot). */
export class PoolStateError extends BaseError {
  override name = 'PoolStateError';
}

/**
 * The proven state of one pool: the leaf preimages of its registered devices (slot i = i-th
 * registered device), their Poseidon state tree and the registration chain value (docs/SPEC.md 5, 6).
 */
export class PoolState {
  readonly tree: StateTree;
  private readonly leafStates: LeafState[];
  /** Registration chain after the last registered device (`chain_count`). */
  chain: bigint;

  constructor(depth: number, leaves: readonly LeafState[] = [], chain = 0n) {
    this.tree = new StateTree(depth);
    this.leafStates = [...leaves];
    this.chain = chain;
    this.tree.setMany(this.leafStates.map((leaf, slot) => [slot, leafHash(leaf)] as const));
  }

  /** Tree depth D. */
  get depth(): number {
    return this.tree.depth;
  }

  /** Registered devices (= next free slot). */
  get count(): number {
    return this.leafStates.length;
  }

  /** Current state root. */
  get root(): bigint {
    return this.tree.root;
  }

  /** Leaf preimage of `slot`. */
  leaf(slot: number): LeafState {
    const leaf = this.leafStates[slot];
    if (!leaf) throw new PoolStateError(`slot ${slot} holds no registered device (count ${this.count})`);
    return leaf;
  }

  /** All leaf preimages, by slot. */
  leaves(): readonly LeafState[] {
    return this.leafStates;
  }

  /** Appends a device at slot `count`, folding its deviceCommit into the chain; returns the slot. */
  register(publicKey: PublicKey, ratedPowerW: number | bigint): number {
    if (this.count >= this.tree.capacity) {
      throw new PoolStateError(`the state tree of depth ${this.depth} is full (${this.count} devices)`);
    }
    const leaf = freshLeafState(publicKey, ratedPowerW);
    const slot = this.count;
    this.leafStates.push(leaf);
    this.tree.set(slot, leafHash(leaf));
    const keyHash = poseidonHash([leaf.Ax, leaf.Ay]);
    this.chain = poseidonHash([this.chain, poseidonHash([keyHash, leaf.ratedPowerW])]);
    return slot;
  }

  /** Replaces the leaf preimage of a registered slot. */
  update(slot: number, leaf: LeafState): void {
    this.leaf(slot);
    this.leafStates[slot] = leaf;
    this.tree.set(slot, leafHash(leaf));
  }

  /** An independent copy. */
  clone(): PoolState {
    const copy = Object.create(PoolState.prototype) as PoolState;
    Object.assign(copy, { tree: this.tree.clone(), leafStates: [...this.leafStates], chain: this.chain });
    return copy;
  }
}
