import { poseidonHash, type PublicKey } from '../../protocol/index.ts';

/**
 * Preimage of a state-tree leaf (docs/SPEC.md section 6):
 * `leaf = Poseidon(Ax, Ay, ratedPowerW, lastSeq, lastTs, lastEnergyWh, lastRevenueMinor)`.
 * A freshly registered device has zeros in the last four fields; an unused slot is the value 0.
 */
export interface LeafState {
  readonly Ax: bigint;
  readonly Ay: bigint;
  readonly ratedPowerW: bigint;
  readonly lastSeq: bigint;
  readonly lastTs: bigint;
  readonly lastEnergyWh: bigint;
  readonly lastRevenueMinor: bigint;
}

/**
 * The leaf value of a device.
 *
 * @example
 * const leaf = leafHash(freshLeafState(publicKey, 120_000));
 */
export function leafHash(state: LeafState): bigint {
  return poseidonHash([
    state.Ax,
    state.Ay,
    state.ratedPowerW,
    state.lastSeq,
    state.lastTs,
    state.lastEnergyWh,
    state.lastRevenueMinor,
  ]);
}

/** The leaf preimage of a device just registered with `publicKey` and `ratedPowerW`. */
export function freshLeafState(publicKey: PublicKey, ratedPowerW: number | bigint): LeafState {
  return {
    Ax: BigInt(publicKey.Ax),
    Ay: BigInt(publicKey.Ay),
    ratedPowerW: BigInt(ratedPowerW),
    lastSeq: 0n,
    lastTs: 0n,
    lastEnergyWh: 0n,
    lastRevenueMinor: 0n,
  };
}

/** The public key stored in a leaf, as decimal strings. */
export function leafPublicKey(state: LeafState): PublicKey {
  return { Ax: state.Ax.toString(), Ay: state.Ay.toString() };
}

/** JSON-safe form of a leaf preimage (decimal strings), for persistence by the oracle. */
export function leafStateToJson(state: LeafState): Record<keyof LeafState, string> {
  return {
    Ax: state.Ax.toString(),
    Ay: state.Ay.toString(),
    ratedPowerW: state.ratedPowerW.toString(),
    lastSeq: state.lastSeq.toString(),
    lastTs: state.lastTs.toString(),
    lastEnergyWh: state.lastEnergyWh.toString(),
    lastRevenueMinor: state.lastRevenueMinor.toString(),
  };
}

/** Inverse of {@link leafStateToJson}. */
export function leafStateFromJson(json: Record<keyof LeafState, string>): LeafState {
  return {
    Ax: BigInt(json.Ax),
    Ay: BigInt(json.Ay),
    ratedPowerW: BigInt(json.ratedPowerW),
    lastSeq: BigInt(json.lastSeq),
    lastTs: BigInt(json.lastTs),
    lastEnergyWh: BigInt(json.lastEnergyWh),
    lastRevenueMinor: BigInt(json.lastRevenueMinor),
  };
}
