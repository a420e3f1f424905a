import { poseidonHash } from '../../protocol/index.ts';
import { BaseError } from '../../lib/errors.ts';

/** Thrown for a slot index outside the tree or a depth that is not supported. */
export class StateTreeError extends BaseError {
  override name = 'StateTreeError';
}

const zeroCache: bigint[] = [0n];

/**
 * Root of an empty subtree of height `height` (all leaves 0): `zero(0) = 0`,
 * `zero(h) = Poseidon(zero(h-1), zero(h-1))`. The on-chain initial state root is `zeroRoot(D)`.
 *
 * @example
 * const initialRoot = zeroRoot(20);
 */
export function zeroRoot(height: number): bigint {
  while (zeroCache.length <= height) {
    const below = zeroCache[zeroCache.length - 1] as bigint;
    zeroCache.push(poseidonHash([below, below]));
  }
  return zeroCache[height] as bigint;
}

/**
 * Sparse binary Poseidon Merkle tree of depth `depth` (docs/SPEC.md section 6): leaf i sits at
 * position i of level 0, a node is `Poseidon(left, right)`, absent nodes are the empty-subtree
 * hashes. Only non-empty nodes are stored, so 20,000 leaves at depth 20 cost about 20 hashes each.
 */
export class StateTree {
  readonly depth: number;
  /** levels[h] maps a node index at height h to its value (only non-zero-subtree nodes). */
  private readonly levels: Map<number, bigint>[];

  constructor(depth: number) {
    if (!Number.isInteger(depth) || depth < 1 || depth > 32) {
      throw new StateTreeError(`tree depth must be an integer in 1..32, got ${depth}`);
    }
    this.depth = depth;
    this.levels = Array.from({ length: depth + 1 }, () => new Map<number, bigint>());
  }

  /** Number of leaf positions (2^depth). */
  get capacity(): number {
    return 2 ** this.depth;
  }

  /** Current root. */
  get root(): bigint {
    return this.node(this.depth, 0);
  }

  /** Value of node `index` at height `height` (0 = leaves). */
  node(height: number, index: number): bigint {
    return this.levels[height]?.get(index) ?? zeroRoot(height);
  }

  /** Leaf value at `slot` (0 for an unused slot). */
  leaf(slot: number): bigint {
    this.checkSlot(slot);
    return this.node(0, slot);
  }

  /** Sets leaf `slot` to `value` and updates the path to the root. */
  set(slot: number, value: bigint): void {
    this.checkSlot(slot);
    this.store(0, slot, value);
    let index = slot;
    for (let h = 1; h <= this.depth; h++) {
      index = Math.floor(index / 2);
      this.store(h, index, poseidonHash([this.node(h - 1, 2 * index), this.node(h - 1, 2 * index + 1)]));
    }
  }

  /** Sets many leaves at once, hashing each touched node once (faster than repeated `set`). */
  setMany(entries: Iterable<readonly [number, bigint]>): void {
    let touched = new Set<number>();
    for (const [slot, value] of entries) {
      this.checkSlot(slot);
      this.store(0, slot, value);
      touched.add(Math.floor(slot / 2));
    }
    for (let h = 1; h <= this.depth; h++) {
      const next = new Set<number>();
      for (const index of touched) {
        this.store(h, index, poseidonHash([this.node(h - 1, 2 * index), this.node(h - 1, 2 * index + 1)]));
        next.add(Math.floor(index / 2));
      }
      touched = next;
    }
  }

  /** Siblings from height `fromHeight` up to the root for the node `index` at that height. */
  siblings(index: number, fromHeight = 0): bigint[] {
    const out: bigint[] = [];
    let i = index;
    for (let h = fromHeight; h < this.depth; h++) {
      out.push(this.node(h, i ^ 1));
      i = Math.floor(i / 2);
    }
    return out;
  }

  /** An independent copy. */
  clone(): StateTree {
    const copy = new StateTree(this.depth);
    this.levels.forEach((level, h) => {
      for (const [k, v] of level) copy.levels[h]?.set(k, v);
    });
    return copy;
  }

  private store(height: number, index: number, value: bigint): void {
    const level = this.levels[height] as Map<number, bigint>;
    if (value === zeroRoot(height)) level.delete(index);
    else level.set(index, value);
  }

  private checkSlot(slot: number): void {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.capacity) {
      throw new StateTreeError(`slot ${slot} is outside a tree of depth ${this.depth}`, {
        hint: `slots are 0..${this.capacity - 1}`,
      });
    }
  }
}

/**
 * Root reached from `node` at height `fromHeight`, position `index`, with `siblings` (what the
 * circuits' RootFromPath computes). Auditors use it to check a leaf's inclusion in an attested root.
 *
 * @example
 * const ok = rootFromPath(leafHash(leaf), slot, tree.siblings(slot)) === attestedRoot;
 */
export function rootFromPath(node: bigint, index: number, siblings: readonly bigint[]): bigint {
  let cur = node;
  let i = index;
  for (const sibling of siblings) {
    cur = i % 2 === 0 ? poseidonHash([cur, sibling]) : poseidonHash([sibling, cur]);
    i = Math.floor(i / 2);
  }
  return cur;
}
