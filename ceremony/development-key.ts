/**
 * Recognises keys made from the development powers of tau (dev-ptau/): their beta is derived from
 * the published seed, and beta alone lets anyone forge a Groth16 proof for any public signals (see
 * ceremony/README.md, "Which keys are forgeable"), whatever the phase-2 contributions were.
 */
import { createHash } from 'node:crypto';
import { buildBn128 } from 'ffjavascript';
import { beaconKey } from '../dev-ptau/beacon-key.ts';
import type { Bn254Curve } from '../dev-ptau/curve-types.ts';
import { DEV_PTAU_SEED, type DevPtauSeed } from '../dev-ptau/seed.ts';

/** snarkjs's JSON verification key (the fields read here). */
export interface Groth16VerificationKey {
  protocol: string;
  curve: string;
  nPublic: number;
  vk_alpha_1: string[];
  vk_beta_2: string[][];
  vk_gamma_2: string[][];
  vk_delta_2: string[][];
  IC: string[][];
  [key: string]: unknown;
}

/** The toxic waste of a development powers of tau, recomputed from its published seed. */
export interface DevelopmentToxicWaste {
  tau: bigint;
  alpha: bigint;
  beta: bigint;
}

type CurveWithObjects = Bn254Curve & {
  G2: Bn254Curve['G2'] & {
    timesScalar(point: Uint8Array, scalar: bigint): Uint8Array;
    toObject(point: Uint8Array): bigint[][];
    eq(a: Uint8Array, b: Uint8Array): boolean;
    fromObject(object: unknown): Uint8Array;
  };
};

let curvePromise: Promise<CurveWithObjects> | undefined;

/** ffjavascript's BN254 curve, single-threaded (no worker threads to stop), built once per process. */
export function bn254(): Promise<CurveWithObjects> {
  curvePromise ??= buildBn128(true) as Promise<CurveWithObjects>;
  return curvePromise;
}

/**
 * tau, alpha and beta of the development ptau made from `seed`: the key that snarkjs's
 * `powersoftau beacon` draws from the seed (the private keys do not depend on the challenge hash,
 * so any challenge will do here).
 */
export async function developmentToxicWaste(
  seed: DevPtauSeed = DEV_PTAU_SEED,
): Promise<DevelopmentToxicWaste> {
  const curve = await bn254();
  const key = beaconKey(
    curve,
    new Uint8Array(64),
    Buffer.from(seed.beaconHashHex, 'hex'),
    seed.numIterationsExp,
  );
  return { tau: key.tau, alpha: key.alpha, beta: key.beta };
}

const betaTagCache = new Map<string, Promise<string>>();

function pointTag(g2: bigint[][]): string {
  return createHash('sha256')
    .update(JSON.stringify(g2.map((c) => c.map(String))))
    .digest('hex');
}

async function developmentBetaTag(seed: DevPtauSeed): Promise<string> {
  const curve = await bn254();
  const { beta } = await developmentToxicWaste(seed);
  return pointTag(curve.G2.toObject(curve.G2.toAffine(curve.G2.timesScalar(curve.G2.g, beta))));
}

/**
 * True when the key's beta (vk_beta_2) is the development ptau's beta * G2: a key set up on the
 * development powers of tau, forgeable by anyone whatever its phase 2.
 *
 * @example
 * if (await madeFromDevelopmentPtau(vkey)) console.log('forgeable: development ptau');
 */
export async function madeFromDevelopmentPtau(
  verificationKey: Groth16VerificationKey,
  seed: DevPtauSeed = DEV_PTAU_SEED,
): Promise<boolean> {
  const cacheKey = JSON.stringify(seed);
  let tag = betaTagCache.get(cacheKey);
  if (!tag) {
    tag = developmentBetaTag(seed);
    betaTagCache.set(cacheKey, tag);
  }
  const curve = await bn254();
  const keyBeta = curve.G2.toAffine(
    curve.G2.fromObject(verificationKey.vk_beta_2.map((c) => c.map((x) => BigInt(x)))),
  );
  return pointTag(curve.G2.toObject(keyBeta)) === (await tag);
}
