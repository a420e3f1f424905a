import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as snarkjs from 'snarkjs';
import { BaseError } from '../../lib/errors.ts';

/**
 * Recorded entropy of the development powers of tau: the beacon hash is sha256 of this phrase, applied
 * with 2^DEV_PTAU_BEACON_ITERATIONS_EXP iterations on top of snarkjs's `powersoftau new` accumulator.
 * Anybody can recompute tau from it: a development setup, NOT FOR PRODUCTION.
 */
export const DEV_PTAU_BEACON_PHRASE = 'rwa-iot-oracle development powers of tau (NOT FOR PRODUCTION)';
/** Iterations exponent of the development beacon (snarkjs minimum). */
export const DEV_PTAU_BEACON_ITERATIONS_EXP = 10;
/** Largest power generated with plain snarkjs here (`prepare phase2` takes minutes at 2^13, >15 min at 2^14). */
export const MAX_SNARKJS_DEV_PTAU_POWER = 14;

/** Thrown when a development ptau of the requested power cannot be produced in reasonable time here. */
export class DevPtauTooLargeError extends BaseError {
  override name = 'DevPtauTooLargeError';
}

/** The beacon hash (hex) of the development powers of tau. */
export function devPtauBeaconHashHex(): string {
  return createHash('sha256').update(DEV_PTAU_BEACON_PHRASE).digest('hex');
}

/**
 * Returns the path of a prepared development ptau of 2^`power` made with plain snarkjs
 * (`powersoftau new`, `beacon` with the recorded hash, `prepare phase2`), generating it once into `cacheDir`.
 * Used only when `setup/dev-ptau.ts` (the fast generator) is absent. NOT FOR PRODUCTION.
 *
 * @example
 * const ptauPath = await ensureSnarkjsDevPtau({ power: 13, cacheDir: 'build/ptau' });
 */
export async function ensureSnarkjsDevPtau(options: { power: number; cacheDir: string }): Promise<string> {
  const { power, cacheDir } = options;
  const finalPath = join(cacheDir, `snarkjs-dev-${power}.ptau`);
  if (existsSync(finalPath)) return finalPath;
  if (power > MAX_SNARKJS_DEV_PTAU_POWER) {
    throw new DevPtauTooLargeError(
      `a development ptau of 2^${power} is too slow to prepare with snarkjs here`,
      {
        details: `snarkjs "prepare phase2" needs tens of minutes above 2^${MAX_SNARKJS_DEV_PTAU_POWER} on 2 cores`,
        hint: 'pass ptauPath (a public perpetual-ceremony file) or install setup/dev-ptau.ts',
      },
    );
  }
  mkdirSync(cacheDir, { recursive: true });
  const logger = {
    info: (m: string) => process.stdout.write(`ptau[2^${power}]: ${m}\n`),
    debug: () => {},
    warn: (m: string) => process.stdout.write(`ptau[2^${power}] warn: ${m}\n`),
    error: (m: string) => process.stderr.write(`ptau[2^${power}] error: ${m}\n`),
  };
  process.stdout.write(`ptau[2^${power}]: generating a DEVELOPMENT powers of tau (NOT FOR PRODUCTION)\n`);
  const tag = `${process.pid}-${Date.now()}`;
  const fresh = join(cacheDir, `tmp-${tag}-0.ptau`);
  const beaconed = join(cacheDir, `tmp-${tag}-1.ptau`);
  const prepared = join(cacheDir, `tmp-${tag}-2.ptau`);
  try {
    const curve = await snarkjs.curves.getCurveFromName('bn128');
    await snarkjs.powersOfTau.newAccumulator(curve, power, fresh, undefined);
    await snarkjs.powersOfTau.beacon(
      fresh,
      beaconed,
      'development beacon (NOT FOR PRODUCTION)',
      devPtauBeaconHashHex(),
      DEV_PTAU_BEACON_ITERATIONS_EXP,
      undefined,
    );
    await snarkjs.powersOfTau.preparePhase2(beaconed, prepared, logger);
    renameSync(prepared, finalPath);
  } finally {
    for (const path of [fresh, beaconed, prepared]) rmSync(path, { force: true });
  }
  return finalPath;
}
