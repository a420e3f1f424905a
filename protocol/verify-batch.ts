/** Verification of many readings at once (batch verification with exact fallback). */
import { batchEquationHolds, MAX_BATCH_SIGNATURES, type PreparedSignature } from './crypto/batch-verify.ts';
import { parseDecimal } from './crypto/field.ts';
import { poseidonHash } from './crypto/poseidon.ts';
import { allInPrimeSubgroup, isInPrimeSubgroup, SUBGROUP_BATCH_MIN } from './crypto/subgroup.ts';
import { kernelCheckSignature } from './crypto/wasm/kernel.ts';
import { encodeValidReading } from './encoding.ts';
import { publicKeyToPoint } from './keys.ts';
import { verifyReading } from './sign.ts';
import type { PublicKey, SignedReading } from './types.ts';
import { validateReading } from './validate.ts';

/** One reading and the key it must verify against. */
export interface VerifyItem {
  reading: SignedReading;
  publicKey: PublicKey;
}

/** Below this many signatures a group is verified one by one (the batch's fixed costs would dominate). */
const BATCH_MIN = 32;

interface Prepared extends PreparedSignature {
  readonly index: number;
}

/** Keys seen recently (parsed and checked on the curve), oldest first; bounded so that memory stays flat. */
const keyPoints = new Map<string, { x: bigint; y: bigint }>();
const KEY_CACHE_ENTRIES = 16_384;

/** `publicKeyToPoint`, remembered for the most recent keys (a fleet's devices send again and again). */
function keyPoint(publicKey: PublicKey): { x: bigint; y: bigint } {
  const id =
    typeof publicKey?.Ax === 'string' && typeof publicKey.Ay === 'string'
      ? `${publicKey.Ax},${publicKey.Ay}`
      : undefined;
  const known = id === undefined ? undefined : keyPoints.get(id);
  if (known !== undefined) return known;
  const point = publicKeyToPoint(publicKey); // throws for anything but a canonical curve point: never cached
  if (id !== undefined) {
    if (keyPoints.size >= KEY_CACHE_ENTRIES) keyPoints.delete(keyPoints.keys().next().value!);
    keyPoints.set(id, point);
  }
  return point;
}

function prepare(item: VerifyItem, index: number, validated: boolean): Prepared | undefined {
  try {
    // R8 on the curve, S < l, canonical encodings (already checked when the reading comes from parseReading)
    const r = validated ? item.reading : validateReading(item.reading);
    const A = keyPoint(item.publicKey); // A on the curve
    const R8x = parseDecimal(r.sig.R8x)!;
    const R8y = parseDecimal(r.sig.R8y)!;
    const m = poseidonHash(encodeValidReading(r));
    const h = poseidonHash([R8x, R8y, A.x, A.y, m]);
    return { index, R8x, R8y, Ax: A.x, Ay: A.y, S: parseDecimal(r.sig.S)!, h };
  } catch {
    return undefined;
  }
}

/**
 * The members of `group` whose R8 lies in the prime-order subgroup (exactly). A valid signature has
 * R8 = S*B8 - 8*h*A in that subgroup; outside it, it is invalid. Large groups are tested together
 * ({@link allInPrimeSubgroup}) and halved when that fails.
 */
function withR8InSubgroup(group: readonly Prepared[]): Prepared[] {
  if (group.length < SUBGROUP_BATCH_MIN) return group.filter((p) => isInPrimeSubgroup(p.R8x, p.R8y));
  if (allInPrimeSubgroup(group.map((p) => ({ x: p.R8x, y: p.R8y })))) return [...group];
  const half = group.length >> 1;
  return [...withR8InSubgroup(group.slice(0, half)), ...withR8InSubgroup(group.slice(half))];
}

function verifyGroup(group: readonly Prepared[], out: boolean[]): void {
  if (group.length < BATCH_MIN) {
    verifyEach(group, out);
    return;
  }
  if (batchEquationHolds(group)) {
    for (const p of group) out[p.index] = true;
    return;
  }
  // At least one is invalid: halve while the halves are large enough for a batch to pay off, then check
  // one by one (cheap here: h is known, so a single check is two scalar multiplications).
  const half = group.length >> 1;
  for (const part of [group.slice(0, half), group.slice(half)]) {
    if (part.length < 2 * BATCH_MIN) verifyEach(part, out);
    else verifyGroup(part, out);
  }
}

function verifyEach(group: readonly Prepared[], out: boolean[]): void {
  for (const p of group) out[p.index] = kernelCheckSignature(p.R8x, p.R8y, p.Ax, p.Ay, p.S, p.h);
}

/**
 * Verifies many readings; result i is exactly `verifyReading(items[i].reading, items[i].publicKey)`.
 * From 32 readings on, the signatures are checked together with one random linear combination (multi-scalar
 * multiplication); when that fails the group is halved (down to 64) and then checked one by one, so the result
 * never depends on the other readings. Smaller inputs are checked one by one.
 *
 * @example
 * const ok = verifyBatch(batch.map((m) => ({ reading: m.reading, publicKey: registry.key(m.reading.deviceId) })));
 */
export function verifyBatch(items: readonly VerifyItem[]): boolean[] {
  return verifyBatchOf(items, false);
}

/**
 * {@link verifyBatch} for readings that `parseReading` / `validateReading` returned (and nothing changed since):
 * their schema, encodings and R8 curve check are not repeated. For the parse-and-verify path only.
 */
export function verifyParsedBatch(items: readonly VerifyItem[]): boolean[] {
  return verifyBatchOf(items, true);
}

function verifyBatchOf(items: readonly VerifyItem[], validated: boolean): boolean[] {
  const out: boolean[] = new Array(items.length).fill(false);
  if (items.length < BATCH_MIN) {
    for (let i = 0; i < items.length; i++) out[i] = verifyReading(items[i]!.reading, items[i]!.publicKey);
    return out;
  }
  const candidates: Prepared[] = [];
  for (let i = 0; i < items.length; i++) {
    const p = prepare(items[i]!, i, validated);
    if (p) candidates.push(p);
  }
  const prepared = withR8InSubgroup(candidates);
  for (let start = 0; start < prepared.length; start += MAX_BATCH_SIGNATURES) {
    verifyGroup(prepared.slice(start, start + MAX_BATCH_SIGNATURES), out);
  }
  return out;
}
