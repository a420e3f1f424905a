/**
 * Round constants and matrices of circomlib's Poseidon in the optimised form (filecoin neptune:
 * pre-added constants, sparse partial-round matrices), read from the `poseidon_constants_opt.json`
 * that ships with circomlibjs, so both implementations use the very same numbers.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Full rounds (all widths). */
export const ROUNDS_FULL = 8;
/** Partial rounds by width t = inputs + 1, index t - 2 (circomlib `N_ROUNDS_P`). */
export const ROUNDS_PARTIAL = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68] as const;
/** Largest number of inputs circomlib's Poseidon accepts. */
export const MAX_POSEIDON_INPUTS = ROUNDS_PARTIAL.length;

/** Constants of one width t. */
export interface PoseidonWidthConstants {
  readonly t: number;
  readonly roundsPartial: number;
  /** Pre-added round constants. */
  readonly C: readonly bigint[];
  /** Sparse partial-round matrices, flattened, (2t - 1) per partial round. */
  readonly S: readonly bigint[];
  /** MDS matrix, `M[j][i]` is the weight of input j in output i. */
  readonly M: readonly (readonly bigint[])[];
  /** Pre-sparse matrix applied before the partial rounds. */
  readonly P: readonly (readonly bigint[])[];
}

interface RawConstants {
  C: string[][];
  S: string[][];
  M: string[][][];
  P: string[][][];
}

let raw: RawConstants | undefined;
const byWidth = new Map<number, PoseidonWidthConstants>();

function loadRaw(): RawConstants {
  if (raw === undefined) {
    const require = createRequire(import.meta.url);
    // The package exports only its entry point; the constants file sits in `src/` of the package root.
    const entry = require.resolve('circomlibjs');
    const root = dirname(dirname(entry));
    raw = JSON.parse(readFileSync(join(root, 'src', 'poseidon_constants_opt.json'), 'utf8')) as RawConstants;
  }
  return raw;
}

/** Constants of width t (2..17), parsed once and cached. */
export function poseidonConstants(t: number): PoseidonWidthConstants {
  let c = byWidth.get(t);
  if (c === undefined) {
    const r = loadRaw();
    const i = t - 2;
    const C = r.C[i];
    const S = r.S[i];
    const M = r.M[i];
    const P = r.P[i];
    const roundsPartial = ROUNDS_PARTIAL[i];
    if (!C || !S || !M || !P || roundsPartial === undefined)
      throw new RangeError(`no Poseidon constants for t=${t}`);
    c = Object.freeze({
      t,
      roundsPartial,
      C: C.map((v) => BigInt(v)),
      S: S.map((v) => BigInt(v)),
      M: M.map((row) => row.map((v) => BigInt(v))),
      P: P.map((row) => row.map((v) => BigInt(v))),
    });
    byWidth.set(t, c);
  }
  return c;
}
