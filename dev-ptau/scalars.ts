import { FIELD_MODULUS, invert, mulMod, powMod } from '../protocol/crypto/field.ts';
import { frBatchInvert, frRootOfUnity } from './field.ts';
import type { LagrangeJob, PowersJob } from './jobs.ts';

/**
 * Scalars of a phase-1 run: `factor * tau^i` for `i` in `[start, start + count)`.
 *
 * @example
 * powersScalars({ kind: 'powers', group: 'G1', start: 0, count: 3, tau: 2n, factor: 1n }); // [1n, 2n, 4n]
 */
export function powersScalars(job: Omit<PowersJob, 'group' | 'kind'>): bigint[] {
  const scalars: bigint[] = new Array(job.count);
  let current = mulMod(job.factor, powMod(job.tau, BigInt(job.start)));
  for (let i = 0; i < job.count; i++) {
    scalars[i] = current;
    current = mulMod(current, job.tau);
  }
  return scalars;
}

/**
 * Scalars of a Lagrange run: entry `i` of `factor * IFFT_n(1, tau, ..., tau^(n-1))` (with the last
 * term zeroed when `dropLast`), computed in closed form:
 * `c_i = w^i * ((tau^n - 1) / (n * (tau - w^i)) - (dropLast ? tau^(n-1) / n : 0))`.
 * One batch inversion per run; requires `tau^n != 1` (tau outside the domain).
 */
export function lagrangeScalars(job: Omit<LagrangeJob, 'group' | 'kind'>): bigint[] {
  const domainSize = 2n ** BigInt(job.domainBits);
  const omega = frRootOfUnity(job.domainBits);
  const sizeInverse = invert(domainSize);
  const tauToN = powMod(job.tau, domainSize);
  const vanishingTerm = mulMod(
    job.factor,
    mulMod((tauToN - 1n + FIELD_MODULUS) % FIELD_MODULUS, sizeInverse),
  );
  const droppedTerm = job.dropLast
    ? mulMod(job.factor, mulMod(powMod(job.tau, domainSize - 1n), sizeInverse))
    : 0n;

  const omegaPowers: bigint[] = new Array(job.count);
  const denominators: bigint[] = new Array(job.count);
  let omegaPower = powMod(omega, BigInt(job.start));
  for (let i = 0; i < job.count; i++) {
    omegaPowers[i] = omegaPower;
    denominators[i] = (job.tau - omegaPower + FIELD_MODULUS) % FIELD_MODULUS;
    omegaPower = mulMod(omegaPower, omega);
  }
  frBatchInvert(denominators);
  const scalars: bigint[] = new Array(job.count);
  for (let i = 0; i < job.count; i++) {
    const inner =
      (mulMod(vanishingTerm, denominators[i] as bigint) - droppedTerm + FIELD_MODULUS) % FIELD_MODULUS;
    scalars[i] = mulMod(omegaPowers[i] as bigint, inner);
  }
  return scalars;
}
