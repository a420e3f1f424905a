/**
 * Units of work sent to the fixed-base worker threads: a run of consecutive points of one ptau
 * section, described by how their scalars are computed, never by the scalars themselves.
 */

/** Which BN254 group the points of a job belong to. */
export type GroupName = 'G1' | 'G2';

/** Points `factor * tau^i * G` for `i` in `[start, start + count)`: the phase-1 sections. */
export type PowersJob = {
  kind: 'powers';
  group: GroupName;
  start: number;
  count: number;
  tau: bigint;
  factor: bigint;
};

/**
 * Points `factor * c_i * G` for `i` in `[start, start + count)` where `c_i` is entry `i` of the
 * inverse FFT, over the domain of size `domainSize`, of `(1, tau, tau^2, ..., tau^(domainSize-1))`:
 * the Lagrange basis evaluated at tau, `L_i(tau) = w^i (tau^n - 1) / (n (tau - w^i))`.
 * `dropLast` zeroes the last input term first, as snarkjs does for the extra `tauG1` domain of size
 * 2^(power+1), whose last power is not in the file.
 */
export type LagrangeJob = {
  kind: 'lagrange';
  group: GroupName;
  start: number;
  count: number;
  tau: bigint;
  factor: bigint;
  domainBits: number;
  dropLast: boolean;
};

/** One unit of work for a worker. */
export type PointJob = (PowersJob | LagrangeJob) & {
  /** Also return the compressed and uncompressed encodings (needed for the transcript hashes). */
  withEncodings: boolean;
};

/** What a worker sends back for one job. */
export type PointJobResult = {
  /** Affine points, little-endian Montgomery form: exactly the bytes of a ptau section. */
  lem: Uint8Array;
  /** Compressed big-endian encodings (snarkjs's `batchLEMtoC`), when asked for. */
  compressed?: Uint8Array;
  /** Uncompressed big-endian encodings (snarkjs's `batchLEMtoU`), when asked for. */
  uncompressed?: Uint8Array;
};

/** Bytes of one affine point in a ptau file. */
export const AFFINE_BYTES: Record<GroupName, number> = { G1: 64, G2: 128 };
