/**
 * Batch verification of EdDSA-Poseidon signatures by a random linear combination, exactly as strict as
 * verifying each one with circomlibjs `verifyPoseidon`:
 *
 *   sum_i z_i*R8_i + sum_k (sum_{i of key k} z_i*h_i)*(8*A_k) - (sum_i z_i*S_i)*B8 == O
 *
 * with independent random 128-bit z_i. Every term lies in the prime-order subgroup G: 8*A always does, and
 * each R8 is first checked to be in G exactly ({@link isInPrimeSubgroup}); a valid circomlib signature always
 * has R8 in G (R8 = S*B8 - 8*h*A), so an R8 outside G already means "invalid". Within G (prime order l), a batch
 * containing an invalid signature passes with probability below 2^-127. The multi-scalar multiplication is
 * Pippenger's bucket method with signed 8-bit digits, in the WebAssembly kernel.
 */
import { randomBytes } from 'node:crypto';
import { SUBGROUP_ORDER } from './babyjub.ts';
import { kernel, writeBig } from './wasm/kernel.ts';
import { MSM_MAX_POINTS, N8, POINT_BYTES } from './wasm/kernel-builder.ts';

/** One signature ready for batching: all values canonical, R8 in G, A on the curve, S < l; h = Poseidon(R8, A, m). */
export interface PreparedSignature {
  readonly R8x: bigint;
  readonly R8y: bigint;
  readonly Ax: bigint;
  readonly Ay: bigint;
  readonly S: bigint;
  readonly h: bigint;
}

/** Largest number of signatures in one multi-scalar multiplication (one R8 and at most one key each). */
export const MAX_BATCH_SIGNATURES = MSM_MAX_POINTS / 2;

const WINDOWS = 33; // signed radix-256 digits of scalars below 2^256 (one carry digit)
const ENTRY = 3 * POINT_BYTES; // extended, cached, negated cached

function signedDigits(scalar: bigint, out: Int16Array, offset: number): void {
  let carry = 0;
  let v = scalar;
  for (let w = 0; w < WINDOWS; w++) {
    let d = Number(v & 0xffn) + carry;
    v >>= 8n;
    if (d > 128) {
      d -= 256;
      carry = 1;
    } else carry = 0;
    out[offset + w] = d;
  }
}

/**
 * True when the random linear combination of the signatures' equations vanishes (all valid, except with
 * probability < 2^-127); false when at least one signature is invalid.
 */
export function batchEquationHolds(items: readonly PreparedSignature[]): boolean {
  const n = items.length;
  if (n === 0) return true;
  if (n > MAX_BATCH_SIGNATURES) throw new RangeError(`at most ${MAX_BATCH_SIGNATURES} signatures per batch`);
  const k = kernel();
  const e = k.exports;
  const { pIo, pMsmPoints, pMsmBuckets, pMsmAcc, pMsmRun, pMsmTot, pIdentity } = k.layout;
  const mem = k.bytes;
  const random = randomBytes(16 * n);

  // Scalars: z_i for R8_i; per distinct key, sum of z_i*h_i; for B8, -(sum z_i*S_i).
  const keyIndex = new Map<string, number>();
  const keyCoeff: bigint[] = [];
  const keyOf: PreparedSignature[] = [];
  const zs: bigint[] = new Array(n);
  let sumS = 0n;
  for (let i = 0; i < n; i++) {
    const it = items[i]!;
    let z = 0n;
    for (let b = 0; b < 16; b++) z = (z << 8n) | BigInt(random[16 * i + b]!);
    z |= 1n;
    zs[i] = z;
    sumS += z * it.S;
    const id = `${it.Ax}:${it.Ay}`;
    let ki = keyIndex.get(id);
    if (ki === undefined) {
      ki = keyCoeff.length;
      keyIndex.set(id, ki);
      keyCoeff.push(0n);
      keyOf.push(it);
    }
    keyCoeff[ki]! += z * it.h;
  }
  const points = n + keyCoeff.length;
  const digits = new Int16Array(points * WINDOWS);

  // Load the points: R8_i as is, keys as 8*A; each entry holds extended, cached and negated cached forms.
  const entry = (j: number) => pMsmPoints + j * ENTRY;
  const loadAffine = (j: number, x: bigint, y: bigint) => {
    writeBig(k, pIo, x);
    writeBig(k, pIo + N8, y);
    e.frm_toMontgomery(pIo, pIo);
    e.frm_toMontgomery(pIo + N8, pIo + N8);
    e.ed_fromAffine(pIo, entry(j));
  };
  const finishEntry = (j: number) => {
    const ext = entry(j);
    const cached = ext + POINT_BYTES;
    const neg = cached + POINT_BYTES;
    e.ed_toCached(ext, cached);
    mem.copyWithin(neg, cached, cached + POINT_BYTES);
    e.frm_neg(neg, neg);
    e.frm_neg(neg + 3 * N8, neg + 3 * N8);
  };
  for (let i = 0; i < n; i++) {
    const it = items[i]!;
    loadAffine(i, it.R8x, it.R8y);
    finishEntry(i);
    signedDigits(zs[i]!, digits, i * WINDOWS);
  }
  for (let ki = 0; ki < keyCoeff.length; ki++) {
    const j = n + ki;
    const it = keyOf[ki]!;
    loadAffine(j, it.Ax, it.Ay);
    e.ed_double(entry(j), entry(j), 0);
    e.ed_double(entry(j), entry(j), 0);
    e.ed_double(entry(j), entry(j), 1);
    finishEntry(j);
    signedDigits(keyCoeff[ki]! % SUBGROUP_ORDER, digits, j * WINDOWS);
  }

  // Pippenger, most significant window first.
  const bucket = (b: number) => pMsmBuckets + b * POINT_BYTES;
  const used = new Uint8Array(129);
  let accStarted = false;
  const copyPoint = (from: number, to: number) => mem.copyWithin(to, from, from + POINT_BYTES);
  for (let w = WINDOWS - 1; w >= 0; w--) {
    if (accStarted) {
      for (let d = 0; d < 7; d++) e.ed_double(pMsmAcc, pMsmAcc, 0);
      e.ed_double(pMsmAcc, pMsmAcc, 1);
    }
    used.fill(0);
    let any = false;
    for (let j = 0; j < points; j++) {
      const d = digits[j * WINDOWS + w]!;
      if (d === 0) continue;
      any = true;
      const b = d > 0 ? d : -d;
      const ext = entry(j);
      if (used[b] === 0) {
        used[b] = 1;
        copyPoint(ext, bucket(b));
        if (d < 0) {
          e.frm_neg(bucket(b), bucket(b));
          e.frm_neg(bucket(b) + 3 * N8, bucket(b) + 3 * N8);
        }
      } else {
        e.ed_addCached(bucket(b), d > 0 ? ext + POINT_BYTES : ext + 2 * POINT_BYTES, bucket(b));
      }
    }
    if (!any) continue;
    // total = sum_b b * bucket[b] = sum over b of the running sums from the top.
    let runStarted = false;
    let totStarted = false;
    for (let b = 128; b >= 1; b--) {
      if (used[b] === 1) {
        if (runStarted) e.ed_add(pMsmRun, bucket(b), pMsmRun);
        else {
          copyPoint(bucket(b), pMsmRun);
          runStarted = true;
        }
      }
      if (runStarted) {
        if (totStarted) e.ed_add(pMsmTot, pMsmRun, pMsmTot);
        else {
          copyPoint(pMsmRun, pMsmTot);
          totStarted = true;
        }
      }
    }
    if (accStarted) e.ed_add(pMsmAcc, pMsmTot, pMsmAcc);
    else {
      copyPoint(pMsmTot, pMsmAcc);
      accStarted = true;
    }
  }
  if (!accStarted) copyPoint(pIdentity, pMsmAcc);
  // acc + (l - sum z_i*S_i) * B8 must be the identity.
  writeBig(k, pIo, (SUBGROUP_ORDER - (sumS % SUBGROUP_ORDER)) % SUBGROUP_ORDER);
  e.ed_mulBase(pIo, pIo + 2 * N8);
  e.ed_add(pMsmAcc, pIo + 2 * N8, pMsmAcc);
  return e.ed_eq(pMsmAcc, pIdentity) === 1;
}
