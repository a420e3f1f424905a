import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { toJson } from '../lib/json.ts';
import { OracleError } from './errors.ts';
import type { Groth16Proof } from '../circuits/proving/prove.ts';

/** The public part of a proven batch: what an investor needs to re-verify it. */
export interface ProofBundle {
  version: 1;
  kind: 'registration' | 'epoch';
  poolId: number;
  /** Epoch of an epoch batch; for a registration batch, the epoch whose job posted it. */
  epoch: number;
  /**
   * Epoch batch: its index among the epoch's accepted batches on-chain (`BatchAccepted.batchIndex`).
   * Registration batch: the pool's attested device count after it (`RegistrationAttested.newCount`).
   */
  batchIndex: number;
  /** Circuit instance (`circuits/circuits.json`), naming the verification key. */
  instance: string;
  publicSignals: string[];
  proof: Groth16Proof;
  /** The exact arguments of `submitBatch` / `submitRegistration` (decimal strings). */
  calldata: {
    a: [string, string];
    b: [[string, string], [string, string]];
    c: [string, string];
    pubSignals: string[];
  };
  /** The transaction that posted it, once known. */
  txHash?: string;
}

/** Thrown when a bundle file is missing or malformed. */
export class BundleError extends OracleError {
  override name = 'BundleError';
}

/** Relative path of a bundle under the public root (also its URL path under `/bundles/`). */
export function bundlePath(key: {
  kind: 'registration' | 'epoch';
  poolId: number;
  epoch: number;
  batchIndex: number;
}): string {
  return key.kind === 'epoch'
    ? `pool-${key.poolId}/epoch-${key.epoch}/batch-${key.batchIndex}.json`
    : `pool-${key.poolId}/registration/count-${key.batchIndex}.json`;
}

/** Converts a snarkjs proof and signals into the calldata of the attestation registry (G2 coordinates swapped). */
export function toCalldata(proof: Groth16Proof, publicSignals: readonly string[]): ProofBundle['calldata'] {
  const b0 = proof.pi_b[0]!;
  const b1 = proof.pi_b[1]!;
  return {
    a: [proof.pi_a[0]!, proof.pi_a[1]!],
    b: [
      [b0[1]!, b0[0]!],
      [b1[1]!, b1[0]!],
    ],
    c: [proof.pi_c[0]!, proof.pi_c[1]!],
    pubSignals: [...publicSignals],
  };
}

/** The calldata as the bigint struct viem encodes. */
export function calldataArgs(calldata: ProofBundle['calldata']) {
  return {
    proof: {
      a: calldata.a.map(BigInt) as [bigint, bigint],
      b: calldata.b.map((row) => row.map(BigInt)) as [[bigint, bigint], [bigint, bigint]],
      c: calldata.c.map(BigInt) as [bigint, bigint],
    },
    pubSignals: calldata.pubSignals.map(BigInt),
  };
}

function writeAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/**
 * The oracle's bundle store: public bundles under `<root>/public/` (served over HTTP) and each batch's closing
 * readings under `<root>/private/` (never served: per-device revenue stays with the operator, disclosed one
 * reading at a time to an auditor).
 *
 * @example
 * const store = createBundleStore('data/bundles');
 * const path = store.writePublic(bundle);
 */
export function createBundleStore(root: string) {
  const publicRoot = join(root, 'public');
  const privateRoot = join(root, 'private');
  return {
    publicRoot,
    privateRoot,
    /** Writes a public bundle atomically; returns its absolute path. */
    writePublic(bundle: ProofBundle): string {
      const path = join(publicRoot, bundlePath(bundle));
      writeAtomic(path, toJson(bundle, 2));
      return path;
    },
    /** Writes the private closing readings of a batch next to (not inside) the public tree. */
    writePrivate(key: Parameters<typeof bundlePath>[0], readings: unknown): string {
      const path = join(privateRoot, bundlePath(key));
      writeAtomic(path, toJson(readings, 2));
      return path;
    },
    readPublic(key: Parameters<typeof bundlePath>[0]): ProofBundle | undefined {
      try {
        return JSON.parse(readFileSync(join(publicRoot, bundlePath(key)), 'utf8')) as ProofBundle;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new BundleError(`bundle ${bundlePath(key)} is unreadable`, { cause: error });
      }
    },
    readPrivate<T>(key: Parameters<typeof bundlePath>[0]): T | undefined {
      try {
        return JSON.parse(readFileSync(join(privateRoot, bundlePath(key)), 'utf8')) as T;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    /** Bundle paths of a pool (relative), sorted. */
    list(poolId: number): string[] {
      const dir = join(publicRoot, `pool-${poolId}`);
      const out: string[] = [];
      const walk = (sub: string) => {
        let entries: string[];
        try {
          entries = readdirSync(join(dir, sub));
        } catch {
          return;
        }
        for (const entry of entries) {
          if (entry.endsWith('.json')) out.push(`pool-${poolId}/${sub}${entry}`);
          else if (!entry.includes('.')) walk(`${sub}${entry}/`);
        }
      };
      walk('');
      return out.sort();
    },
  };
}

export type BundleStore = ReturnType<typeof createBundleStore>;

/** Where the verifier reads bundles from: an HTTP base URL (`http://host:port/bundles`) or a directory. */
export interface BundleSource {
  get(key: Parameters<typeof bundlePath>[0]): Promise<ProofBundle | undefined>;
  describe(): string;
}

/**
 * Opens a bundle source: an `http(s)://` base URL served by {@link serveBundles}, or a local directory (the
 * `public` folder of a bundle store, or the store's root).
 *
 * @example
 * const source = openBundleSource('http://127.0.0.1:8790/bundles');
 */
export function openBundleSource(location: string): BundleSource {
  if (/^https?:\/\//.test(location)) {
    const base = location.replace(/\/+$/, '');
    return {
      describe: () => base,
      async get(key) {
        const response = await fetch(`${base}/${bundlePath(key)}`);
        if (response.status === 404) return undefined;
        if (!response.ok) throw new BundleError(`GET ${base}/${bundlePath(key)} answered ${response.status}`);
        return (await response.json()) as ProofBundle;
      },
    };
  }
  const candidates = [join(location, 'public'), location];
  return {
    describe: () => location,
    async get(key) {
      for (const dir of candidates) {
        try {
          return JSON.parse(readFileSync(join(dir, bundlePath(key)), 'utf8')) as ProofBundle;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
          throw new BundleError(`bundle ${bundlePath(key)} in ${dir} is unreadable`, { cause: error });
        }
      }
      return undefined;
    },
  };
}
