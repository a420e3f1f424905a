import { createHash } from 'node:crypto';
import { mkdir, rename, rm, stat, statfs } from 'node:fs/promises';
import { availableParallelism, freemem, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PtauPowerRefusedError } from './errors.ts';
import { type DevPtauEstimate, estimateDevPtau, MAX_DEV_PTAU_POWER } from './estimate.ts';
import { type GenerateDevPtauReport, generateDevPtau, type PtauProgress } from './generate.ts';
import { preparedFileBytes } from './ptau-layout.ts';
import { DEV_PTAU_SEED, type DevPtauSeed } from './seed.ts';

/** Default cache folder: `build/ptau/` at the repository root (git-ignored). */
export const DEFAULT_PTAU_CACHE_DIR = fileURLToPath(new URL('../build/ptau/', import.meta.url));

/** Options of {@link ensureDevPtau}. */
export type EnsureDevPtauOptions = {
  /** The file holds 2^power powers: enough for circuits of up to 2^power constraints. 1..27. */
  power: number;
  /** Cache folder (default `build/ptau/`). */
  cacheDir?: string;
  /** Beacon seed (default {@link DEV_PTAU_SEED}). */
  seed?: DevPtauSeed;
  /** Worker threads (default: available cores). */
  threads?: number;
  /** Regenerate even when a cached file exists. */
  force?: boolean;
  /** Refuse when the estimated time exceeds this many seconds (default: no limit). */
  maxSeconds?: number;
  /** Called after every chunk while generating. */
  onProgress?: (progress: PtauProgress) => void;
  /** Called once with the up-front estimate before generating. */
  onEstimate?: (estimate: DevPtauEstimate) => void;
};

const inProcess = new Map<string, Promise<string>>();

/**
 * Path of a prepared powers-of-tau file of 2^power for DEVELOPMENT (one known seed: anybody can
 * compute tau, so proofs made with it prove nothing to a third party). Generates it on first use
 * into the cache folder, byte-identical to snarkjs `powersoftau new` + `beacon` (with the recorded
 * seed) + `prepare phase2`, in minutes instead of hours; later calls return the cached file.
 *
 * @example
 * import { ensureDevPtau } from './dev-ptau/dev-ptau.ts';
 * const ptauPath = await ensureDevPtau({ power: 14 });
 * await snarkjs.zKey.newZKey('circuit.r1cs', ptauPath, 'circuit_0000.zkey');
 */
export async function ensureDevPtau(options: EnsureDevPtauOptions): Promise<string> {
  const seed = options.seed ?? DEV_PTAU_SEED;
  const path = devPtauPath(options.power, options.cacheDir ?? DEFAULT_PTAU_CACHE_DIR, seed);
  const running = inProcess.get(path);
  if (running) return running;
  const work = produce(path, { ...options, seed }).finally(() => inProcess.delete(path));
  inProcess.set(path, work);
  return work;
}

/** Where {@link ensureDevPtau} caches the file for this power and seed. */
export function devPtauPath(power: number, cacheDir: string, seed: DevPtauSeed = DEV_PTAU_SEED): string {
  const seedTag = createHash('sha256').update(JSON.stringify(seed)).digest('hex').slice(0, 10);
  return join(resolve(cacheDir), `pot${power}_dev_${seedTag}.ptau`);
}

async function produce(path: string, options: EnsureDevPtauOptions & { seed: DevPtauSeed }): Promise<string> {
  const { power, seed } = options;
  checkPower(power);
  const nameBytes = new TextEncoder().encode(seed.contributionName.substring(0, 64)).byteLength;
  if (
    !options.force &&
    (await sizeOf(path)) === preparedFileBytes(power, nameBytes, seed.beaconHashHex.length / 2)
  ) {
    return path;
  }
  const threads = options.threads ?? Math.max(1, Math.min(availableParallelism(), 16));
  const estimate = estimateDevPtau(power, threads, nameBytes);
  const cacheDir = resolve(path, '..');
  await mkdir(cacheDir, { recursive: true });
  await checkResources(estimate, cacheDir, options.maxSeconds);
  options.onEstimate?.(estimate);
  const temporaryPath = `${path}.${process.pid}-${Date.now()}.partial`;
  let report: GenerateDevPtauReport;
  try {
    report = await generateDevPtau({
      power,
      outputPath: temporaryPath,
      seed,
      threads,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  } catch (error) {
    await rm(temporaryPath, { force: true });
    throw error;
  }
  await rename(report.outputPath, path);
  return path;
}

function checkPower(power: number): void {
  if (!Number.isInteger(power) || power < 1 || power > MAX_DEV_PTAU_POWER) {
    throw new PtauPowerRefusedError(`power ${power} is not an integer in 1..${MAX_DEV_PTAU_POWER}`, {
      details: `a prepared ptau needs a radix-2 domain of 2^(power+1) in Fr, whose 2-adicity is 28`,
      hint: 'pick the smallest power with 2^power >= the number of constraints of the circuit',
    });
  }
}

async function checkResources(
  estimate: DevPtauEstimate,
  cacheDir: string,
  maxSeconds: number | undefined,
): Promise<void> {
  const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  const disk = await statfs(cacheDir);
  const freeDiskBytes = disk.bavail * disk.bsize;
  if (estimate.diskBytes * 1.05 > freeDiskBytes) {
    throw new PtauPowerRefusedError(`not enough disk for a ptau of 2^${estimate.power}`, {
      details: `needs ${gib(estimate.diskBytes)} in ${cacheDir}, ${gib(freeDiskBytes)} free`,
      hint: 'free disk space, pass another cacheDir, or use a smaller power',
    });
  }
  const availableMemoryBytes = Math.max(freemem(), totalmem() * 0.5);
  if (estimate.memoryBytes > availableMemoryBytes) {
    throw new PtauPowerRefusedError(`not enough memory for a ptau of 2^${estimate.power}`, {
      details: `needs about ${gib(estimate.memoryBytes)}, ${gib(availableMemoryBytes)} available`,
      hint: 'use fewer threads or a smaller power',
    });
  }
  if (maxSeconds !== undefined && estimate.seconds > maxSeconds) {
    throw new PtauPowerRefusedError(`a ptau of 2^${estimate.power} would take longer than allowed`, {
      details: `estimated ${Math.round(estimate.seconds)} s on an idle machine, limit ${maxSeconds} s`,
      hint: 'raise maxSeconds, or configure a public ptau file instead',
    });
  }
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}
