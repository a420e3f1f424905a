import type { Hex } from 'viem';
import type { Groth16VerificationKey } from './keys.ts';

const PUSH1 = 0x60;
const PUSH32 = 0x7f;

/**
 * The values of every PUSH1..PUSH32 immediate in EVM bytecode, walking the code as the EVM does (immediates are
 * skipped, so data is never read as an opcode). snarkjs's Solidity verifier holds its key as `uint256 constant`s,
 * which solc emits as PUSH immediates (PUSH32, or shorter for a value with leading zero bytes).
 */
export function pushImmediates(code: Hex): Set<bigint> {
  const bytes = Buffer.from(code.slice(2), 'hex');
  const values = new Set<bigint>();
  for (let pc = 0; pc < bytes.length; pc++) {
    const op = bytes[pc]!;
    if (op < PUSH1 || op > PUSH32) continue;
    const size = op - PUSH1 + 1;
    const immediate = bytes.subarray(pc + 1, pc + 1 + size);
    if (immediate.length > 0) values.add(BigInt(`0x${immediate.toString('hex')}`));
    pc += size;
  }
  return values;
}

/** Every coordinate of a key, named as in snarkjs's Solidity verifier (alpha, beta, gamma, delta, IC). */
export function keyCoordinates(key: Groth16VerificationKey): { name: string; value: bigint }[] {
  const g2 = (name: string, point: string[][]) => [
    { name: `${name}.x0`, value: BigInt(point[0]![0]!) },
    { name: `${name}.x1`, value: BigInt(point[0]![1]!) },
    { name: `${name}.y0`, value: BigInt(point[1]![0]!) },
    { name: `${name}.y1`, value: BigInt(point[1]![1]!) },
  ];
  return [
    { name: 'alpha.x', value: BigInt(key.vk_alpha_1[0]!) },
    { name: 'alpha.y', value: BigInt(key.vk_alpha_1[1]!) },
    ...g2('beta', key.vk_beta_2),
    ...g2('gamma', key.vk_gamma_2),
    ...g2('delta', key.vk_delta_2),
    ...key.IC.flatMap((point, i) => [
      { name: `IC${i}.x`, value: BigInt(point[0]!) },
      { name: `IC${i}.y`, value: BigInt(point[1]!) },
    ]),
  ];
}

/**
 * The coordinates of `key` that do not occur as push immediates in `code` (empty when the deployed verifier embeds
 * the whole key). Compare with `nPublic + 1` IC points: a verifier of another circuit lacks them.
 *
 * @example
 * const missing = missingKeyConstants(await client.getCode({ address }), key);
 */
export function missingKeyConstants(code: Hex | undefined, key: Groth16VerificationKey): string[] {
  const coordinates = keyCoordinates(key);
  if (!code || code === '0x') return coordinates.map((c) => c.name);
  const present = pushImmediates(code);
  return coordinates.filter((c) => !present.has(c.value)).map((c) => c.name);
}
