/**
 * The slice of ffjavascript's BN254 curve object (`buildBn128`) that the setup code uses.
 * ffjavascript ships no types; these describe its wasm-backed groups and field.
 */

/** A group of ffjavascript's wasm curve: points are Uint8Arrays in Montgomery form. */
export type WasmGroup = {
  /** Generator, jacobian. */
  g: Uint8Array;
  fromRng(rng: unknown): Uint8Array;
  toAffine(point: Uint8Array): Uint8Array;
  timesFr(point: Uint8Array, scalar: Uint8Array): Uint8Array;
  toRprLEM(buffer: Uint8Array, offset: number, point: Uint8Array): void;
  toRprUncompressed(buffer: Uint8Array, offset: number, point: Uint8Array): void;
  toUncompressed(point: Uint8Array): Uint8Array;
};

/** The growable linear memory of the wasm instance. */
export type WasmMemory = { readonly buffer: ArrayBuffer; grow(pages: number): number };

/** ffjavascript's BN254 curve (single-threaded instance). */
export type Bn254Curve = {
  Fr: { fromRng(rng: unknown): Uint8Array; toString(value: Uint8Array): string };
  G1: WasmGroup;
  G2: WasmGroup;
  tm: { instance: { exports: Record<string, unknown> }; memory: WasmMemory };
};
