import { bestWindowBits } from './fixed-base.ts';
import type { GroupName } from './jobs.ts';
import { lagrangeSections, phase1Sections, preparedFileBytes } from './ptau-layout.ts';

/** Largest power handled: the extra tauG1 domain of 2^(power+1) must fit Fr's 2-adicity (28). */
export const MAX_DEV_PTAU_POWER = 27;

/**
 * Microseconds per point on one core of the reference machine (2-core VM, quiet), measured with
 * `bench/ptau-dev.ts`: fixed-base multiplication plus scalar computation.
 */
const MICROSECONDS_PER_POINT: Record<GroupName, number> = { G1: 40, G2: 125 };

/** Up-front estimate of what generating a prepared development ptau costs. */
export type DevPtauEstimate = {
  power: number;
  pointsG1: number;
  pointsG2: number;
  /** Size of the prepared file. */
  fileBytes: number;
  /** Disk needed while generating: the file plus the temporary transcript-hash stream. */
  diskBytes: number;
  /** Peak memory: per-thread wasm tables and chunk buffers plus the main thread's in-flight chunks. */
  memoryBytes: number;
  /** Wall-clock time on an otherwise idle machine with `threads` cores. */
  seconds: number;
};

/**
 * Estimates points, disk, memory and time for a prepared development ptau of 2^power.
 *
 * @example
 * estimateDevPtau(18, 2, 60); // { fileBytes: ~302 MB, seconds: ~100, ... }
 */
export function estimateDevPtau(
  power: number,
  threads: number,
  contributionNameBytes: number,
): DevPtauEstimate {
  const sections = [...phase1Sections(power), ...lagrangeSections(power)];
  const points = (group: GroupName): number =>
    sections.filter((section) => section.group === group).reduce((sum, section) => sum + section.points, 0);
  const pointsG1 = points('G1');
  const pointsG2 = points('G2');
  const fileBytes = preparedFileBytes(power, contributionNameBytes, 32);
  const hashStreamBytes = phase1Sections(power).reduce(
    (sum, s) => sum + s.points * (s.group === 'G1' ? 64 : 128),
    0,
  );
  const tableBytes = (group: GroupName, groupPoints: number): number => {
    const bits = bestWindowBits(groupPoints / threads);
    return Math.ceil(254 / bits) * ((1 << bits) - 1) * (group === 'G1' ? 64 : 128);
  };
  const chunkBytes = 16384 * (96 + 64 + 32 + 64) * 2;
  const perThreadBytes = 60e6 + tableBytes('G1', pointsG1) + tableBytes('G2', pointsG2) + chunkBytes;
  const memoryBytes = 150e6 + threads * perThreadBytes + threads * 2 * 16384 * 192;
  const seconds =
    (pointsG1 * MICROSECONDS_PER_POINT.G1 + pointsG2 * MICROSECONDS_PER_POINT.G2) /
      1e6 /
      Math.max(1, threads) +
    3;
  return {
    power,
    pointsG1,
    pointsG2,
    fileBytes,
    diskBytes: fileBytes + hashStreamBytes,
    memoryBytes,
    seconds,
  };
}
