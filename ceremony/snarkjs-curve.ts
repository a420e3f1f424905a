/** Stops snarkjs's worker threads (its cached BN254 curve) so a process can exit. */
export async function terminateSnarkjs(): Promise<void> {
  const global = globalThis as { curve_bn128?: { terminate: () => Promise<void> } };
  if (global.curve_bn128) {
    await global.curve_bn128.terminate();
    delete global.curve_bn128;
  }
}
