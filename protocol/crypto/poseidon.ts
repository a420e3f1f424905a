/**
 * circomlib-compatible Poseidon hash over the BN254 scalar field in the optimised form of
 * circomlibjs `poseidon_opt.js` (same output as `buildPoseidon()` and circomlib's `Poseidon(n)`),
 * on native bigint with lazy reduction: each matrix row is summed unreduced and reduced once.
 */
import { FIELD_MODULUS as P, mod } from './field.ts';
import { MAX_POSEIDON_INPUTS, poseidonConstants, ROUNDS_FULL } from './poseidon-constants.ts';
import { kernelPoseidon } from './wasm/kernel.ts';
import { MAX_KERNEL_T } from './wasm/kernel-builder.ts';

function pow5(a: bigint): bigint {
  const a2 = (a * a) % P;
  const a4 = (a2 * a2) % P;
  return (a * a4) % P;
}

function mix(state: bigint[], matrix: readonly (readonly bigint[])[], t: number): bigint[] {
  const out: bigint[] = new Array(t);
  for (let i = 0; i < t; i++) {
    let acc = 0n;
    for (let j = 0; j < t; j++) acc += matrix[j]![i]! * state[j]!;
    out[i] = acc % P;
  }
  return out;
}

/**
 * Poseidon hash of 1..16 field elements (inputs are reduced mod p), as circomlibjs `poseidon(inputs)`.
 * Runs in the WebAssembly kernel; {@link poseidonHashReference} is the bigint version it is checked against.
 *
 * @example
 * poseidonHash([1n, 2n]); // 7853200120776062878684798364095072458815029376092732009249414926327459813530n
 */
export function poseidonHash(inputs: readonly bigint[]): bigint {
  const n = inputs.length;
  if (n >= 1 && n < MAX_KERNEL_T) {
    let canonical = true;
    for (let i = 0; i < n; i++) {
      const v = inputs[i]!;
      if (v < 0n || v >= P) {
        canonical = false;
        break;
      }
    }
    return kernelPoseidon(canonical ? inputs : inputs.map(mod));
  }
  return poseidonHashReference(inputs);
}

/**
 * The same hash on native bigint (any width 1..16): the reference the kernel is checked against.
 */
export function poseidonHashReference(inputs: readonly bigint[]): bigint {
  const n = inputs.length;
  if (n < 1 || n > MAX_POSEIDON_INPUTS) {
    throw new RangeError(`Poseidon takes 1..${MAX_POSEIDON_INPUTS} inputs, got ${n}`);
  }
  const t = n + 1;
  const { C, S, M, P: Pre, roundsPartial } = poseidonConstants(t);
  let state: bigint[] = new Array(t);
  state[0] = C[0]!;
  for (let i = 1; i < t; i++) state[i] = (mod(inputs[i - 1]!) + C[i]!) % P;

  const half = ROUNDS_FULL / 2;
  for (let r = 0; r < half - 1; r++) {
    for (let i = 0; i < t; i++) state[i] = (pow5(state[i]!) + C[(r + 1) * t + i]!) % P;
    state = mix(state, M, t);
  }
  for (let i = 0; i < t; i++) state[i] = (pow5(state[i]!) + C[half * t + i]!) % P;
  state = mix(state, Pre, t);

  const partialBase = (half + 1) * t;
  const w = 2 * t - 1;
  for (let r = 0; r < roundsPartial; r++) {
    const s0 = (pow5(state[0]!) + C[partialBase + r]!) % P;
    const o = w * r;
    let acc = S[o]! * s0;
    for (let j = 1; j < t; j++) acc += S[o + j]! * state[j]!;
    for (let k = 1; k < t; k++) state[k] = (state[k]! + s0 * S[o + t + k - 1]!) % P;
    state[0] = acc % P;
  }

  const fullBase = partialBase + roundsPartial;
  for (let r = 0; r < half - 1; r++) {
    for (let i = 0; i < t; i++) state[i] = (pow5(state[i]!) + C[fullBase + r * t + i]!) % P;
    state = mix(state, M, t);
  }
  for (let i = 0; i < t; i++) state[i] = pow5(state[i]!);
  let out = 0n;
  for (let j = 0; j < t; j++) out += M[j]![0]! * state[j]!;
  return out % P;
}
