import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BaseError } from '../../lib/errors.ts';
import instancesJson from '../circuits.json' with { type: 'json' };

/** Root of the project (two levels above this file). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Where the build writes one folder per instance. */
export const CIRCUITS_BUILD_DIR = join(PROJECT_ROOT, 'build', 'circuits');
/** Names of circuit instances (they name build folders and solidity contracts). */
export const INSTANCE_NAME_PATTERN = /^[a-z0-9_]+$/;

/** Order of the public signals of every epoch batch proof (docs/SPEC.md section 6). */
export const EPOCH_PUBLIC_SIGNALS = [
  'poolId',
  'epoch',
  'epochStart',
  'epochEnd',
  'maxTariffMinorPerKwh',
  'oldRoot',
  'newRoot',
  'totalEnergyWh',
  'totalRevenueMinor',
  'reportingCount',
] as const;
/** Order of the public signals of every registration proof (docs/SPEC.md section 6). */
export const REGISTRATION_PUBLIC_SIGNALS = [
  'poolId',
  'oldRoot',
  'newRoot',
  'oldCount',
  'newCount',
  'oldChain',
  'newChain',
] as const;

/** One circuit instance of `circuits/circuits.json`. */
export interface CircuitInstance {
  readonly name: string;
  readonly template: 'EpochBatch' | 'Registration';
  /** circom file under `circuits/` that defines the template. */
  readonly file: string;
  /** Template parameters: [B, D] for EpochBatch, [R, D] for Registration. */
  readonly params: readonly number[];
  /** Public inputs, in order. */
  readonly pubs: readonly string[];
  /** Whether the build runs the Groth16 setup (otherwise compile only). */
  readonly setup: boolean;
  readonly purpose: string;
}

/** Thrown for an unknown instance name or missing build artifacts. */
export class CircuitInstanceError extends BaseError {
  override name = 'CircuitInstanceError';
}

/**
 * All instances declared in `circuits/circuits.json`, validated (names are `[a-z0-9_]+`, public
 * signals in the SPEC order).
 *
 * @example
 * const names = Object.keys(loadInstances()); // ['epoch_test', 'registration_test', ...]
 */
export function loadInstances(): Record<string, CircuitInstance> {
  const out: Record<string, CircuitInstance> = {};
  for (const [name, raw] of Object.entries(instancesJson as Record<string, Omit<CircuitInstance, 'name'>>)) {
    if (!INSTANCE_NAME_PATTERN.test(name))
      throw new CircuitInstanceError(`circuit instance name "${name}" is not [a-z0-9_]+`);
    const expected = raw.template === 'EpochBatch' ? EPOCH_PUBLIC_SIGNALS : REGISTRATION_PUBLIC_SIGNALS;
    if (raw.pubs.join(',') !== expected.join(',')) {
      throw new CircuitInstanceError(
        `circuit instance "${name}" declares public signals out of the SPEC order`,
        {
          details: `got ${raw.pubs.join(',')}, expected ${expected.join(',')}`,
        },
      );
    }
    out[name] = { name, ...raw };
  }
  return out;
}

/** The instance called `name`. */
export function getInstance(name: string): CircuitInstance {
  const instance = loadInstances()[name];
  if (!instance) {
    throw new CircuitInstanceError(`unknown circuit instance "${name}"`, {
      hint: `declare it in circuits/circuits.json (known: ${Object.keys(loadInstances()).join(', ')})`,
    });
  }
  return instance;
}

/** Paths of an instance's generated artifacts. */
export interface ArtifactPaths {
  readonly dir: string;
  readonly wasm: string;
  readonly r1cs: string;
  readonly sym: string;
  readonly zkey: string;
  readonly verificationKey: string;
  readonly verifierSol: string;
  readonly key: string;
  readonly info: string;
}

/** Paths of the artifacts of instance `name` under `buildDir` (default `build/circuits`). */
export function artifactPaths(name: string, buildDir: string = CIRCUITS_BUILD_DIR): ArtifactPaths {
  const dir = join(buildDir, name);
  return {
    dir,
    wasm: join(dir, 'circuit.wasm'),
    r1cs: join(dir, 'circuit.r1cs'),
    sym: join(dir, 'circuit.sym'),
    zkey: join(dir, 'circuit_final.zkey'),
    verificationKey: join(dir, 'verification_key.json'),
    verifierSol: join(dir, 'Verifier.sol'),
    key: join(dir, 'key.txt'),
    info: join(dir, 'info.json'),
  };
}

/**
 * Asserts that instance `name` was built (the wasm, and with `proving` the zkey and verification
 * key) and returns its paths. Tests call this instead of building: `npm run build` builds once.
 *
 * @example
 * const paths = requireArtifacts('epoch_test', { proving: true });
 */
export function requireArtifacts(name: string, options: { proving?: boolean } = {}): ArtifactPaths {
  const paths = artifactPaths(name);
  const needed = options.proving ? [paths.wasm, paths.zkey, paths.verificationKey] : [paths.wasm];
  const missing = needed.filter((path) => !existsSync(path));
  if (missing.length > 0) {
    throw new CircuitInstanceError(`circuit instance "${name}" is not built`, {
      details: `missing ${missing.join(', ')}`,
      hint: `run: npm run build:circuits -- ${name}`,
    });
  }
  return paths;
}

const verificationKeys = new Map<string, unknown>();

/**
 * Instance `name`'s Groth16 verification key (snarkjs JSON) from `buildDir` (default `build/circuits`), read
 * once per file. Throws {@link CircuitInstanceError} for a name that is not an instance name (it must not
 * reach the file system) or a key that was not built.
 *
 * @example
 * const ok = await snarkjs.groth16.verify(loadVerificationKey('epoch_test'), publicSignals, proof);
 */
export function loadVerificationKey(name: string, buildDir: string = CIRCUITS_BUILD_DIR): unknown {
  if (!INSTANCE_NAME_PATTERN.test(name))
    throw new CircuitInstanceError(`circuit instance name ${JSON.stringify(name)} is not [a-z0-9_]+`);
  const path = artifactPaths(name, buildDir).verificationKey;
  let key = verificationKeys.get(path);
  if (key === undefined) {
    if (!existsSync(path)) {
      throw new CircuitInstanceError(`no verification key of circuit instance "${name}"`, {
        details: `missing ${path}`,
        hint: `run: npm run build:circuits -- ${name}, or point to the folder holding <instance>/verification_key.json`,
      });
    }
    key = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    verificationKeys.set(path, key);
  }
  return key;
}
