import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toJson } from '../../lib/json.ts';
import { buildKernel } from '../../protocol/crypto/wasm/kernel-builder.ts';

/**
 * The verification kernel is generated at start-up; its bytes and memory layout are pinned so that a change to
 * the builder's structure cannot silently change the code it emits. A deliberate change to the kernel updates
 * these hashes in the same commit (and the protocol benchmark says what it cost).
 */
const KERNEL_SHA256 = '6bb7a92940859f304b6048c5db8de89f61cd0266342c527e7bfa89dfa78d010f';
const KERNEL_BYTES = 30750;
const LAYOUT_SHA256 = '4d2da521d47fa824a2a890c20fb32415bb66d77fe2eed5fd700ef9b0a166ce58';

const sha256 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

describe('verification kernel', () => {
  const { bytes, layout } = buildKernel();

  it('emits the recorded WebAssembly bytes', () => {
    expect(bytes.length).toBe(KERNEL_BYTES);
    expect(sha256(bytes)).toBe(KERNEL_SHA256);
  });

  it('keeps the recorded memory layout and constant fills', () => {
    expect(sha256(toJson(layout))).toBe(LAYOUT_SHA256);
  });
});
