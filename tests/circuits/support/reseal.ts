import { buildEddsa } from 'circomlibjs';
import type { CircuitInput } from '../../../circuits/witness/epoch-inputs.ts';
import { DOMAIN_TAG, poseidonHash } from '../../../protocol/index.ts';
import { FIELD_MODULUS } from '../../../protocol/crypto/field.ts';

const P = FIELD_MODULUS;
const mod = (x: bigint) => ((x % P) + P) % P;

type Eddsa = {
  signPoseidon: (prv: Uint8Array, m: unknown) => { R8: unknown[]; S: bigint };
  F: { e: (x: bigint) => unknown; toObject: (x: unknown) => bigint };
};
let eddsaPromise: Promise<Eddsa> | undefined;
function eddsa(): Promise<Eddsa> {
  eddsaPromise ??= buildEddsa() as Promise<Eddsa>;
  return eddsaPromise;
}

function col(input: CircuitInput, name: string): string[] {
  return input[name] as string[];
}

/**
 * Test-only mirror of what the epoch circuit COMPUTES (message, new leaves, roots, totals) with none of
 * its checks: after editing a valid input to break one rule, `reseal` re-signs the edited slots with
 * their keys (circomlibjs, independent of our protocol code) and recomputes newRoot and the totals in
 * field arithmetic, so that the only thing wrong with the input is the broken rule.
 */
export async function reseal(
  input: CircuitInput,
  signers: ReadonlyMap<number, string>,
  options: { keepTotals?: boolean; keepNewRoot?: boolean } = {},
): Promise<CircuitInput> {
  const out = structuredClone(input);
  const B = col(out, 'enabled').length;
  const e = await eddsa();
  const g = (name: string, i: number) => BigInt(col(out, name)[i] as string);
  const newLeaves: bigint[] = [];
  let totalE = 0n;
  let totalR = 0n;
  let count = 0n;
  for (let i = 0; i < B; i++) {
    const header =
      1n +
      g('kind', i) * 2n ** 8n +
      BigInt(out.poolId as string) * 2n ** 16n +
      g('seq', i) * 2n ** 48n +
      g('ts', i) * 2n ** 80n;
    const registers = g('energyWh', i) + g('revenueMinor', i) * 2n ** 48n;
    const signer = signers.get(i);
    if (signer) {
      const m = poseidonHash([
        DOMAIN_TAG,
        g('deviceIdField', i),
        mod(header),
        mod(registers),
        g('extras', i),
      ]);
      const sig = e.signPoseidon(Buffer.from(signer, 'hex'), e.F.e(m));
      col(out, 'R8x')[i] = e.F.toObject(sig.R8[0]).toString();
      col(out, 'R8y')[i] = e.F.toObject(sig.R8[1]).toString();
      col(out, 'S')[i] = sig.S.toString();
    }
    const enabled = g('enabled', i);
    const newLeaf =
      enabled === 1n
        ? poseidonHash([
            g('Ax', i),
            g('Ay', i),
            g('ratedPowerW', i),
            g('seq', i),
            g('ts', i),
            g('energyWh', i),
            g('revenueMinor', i),
          ])
        : g('oldLeaf', i);
    newLeaves.push(newLeaf);
    const counting = enabled === 1n && g('lastSeq', i) !== 0n ? 1n : 0n;
    totalE = mod(totalE + counting * (g('energyWh', i) - g('lastEnergyWh', i)));
    totalR = mod(totalR + counting * (g('revenueMinor', i) - g('lastRevenueMinor', i)));
    count += enabled;
  }
  let level = newLeaves;
  while (level.length > 1) {
    const next: bigint[] = [];
    for (let k = 0; k < level.length; k += 2)
      next.push(poseidonHash([level[k] as bigint, level[k + 1] as bigint]));
    level = next;
  }
  let node = level[0] as bigint;
  let index = BigInt(out.blockIndex as string);
  for (const sibling of col(out, 'siblings')) {
    node = index % 2n === 0n ? poseidonHash([node, BigInt(sibling)]) : poseidonHash([BigInt(sibling), node]);
    index /= 2n;
  }
  if (!options.keepNewRoot) out.newRoot = node.toString();
  if (!options.keepTotals) {
    out.totalEnergyWh = totalE.toString();
    out.totalRevenueMinor = totalR.toString();
    out.reportingCount = count.toString();
  }
  return out;
}

/** Sets column `name` at slot `i`. */
export function setSlot(input: CircuitInput, name: string, i: number, value: bigint | number | string): void {
  col(input, name)[i] = String(value);
}
