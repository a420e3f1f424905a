/**
 * The recorded seed of the development powers of tau: a beacon contribution (snarkjs
 * `powersoftau beacon`) applied to a fresh accumulator. Anyone can recompute tau from it: that is
 * the point (reproducible, cacheable) and the reason it is NOT FOR PRODUCTION.
 */
export type DevPtauSeed = {
  /** Beacon hash, hex without 0x (1 to 255 bytes). */
  beaconHashHex: string;
  /** sha256 is iterated 2^numIterationsExp times over the beacon hash (10..63). */
  numIterationsExp: number;
  /** Contribution name stored in the file (at most 64 bytes). */
  contributionName: string;
};

/**
 * Default seed: the beacon hash is sha256("rwa-iot-oracle development powers of tau v1"),
 * iterated 2^10 times. Changing it changes every file; bump the version in the text.
 */
export const DEV_PTAU_SEED: DevPtauSeed = {
  beaconHashHex: '9c1b3025fd8b5b50071fc7adb6a095cbe14fd920ad33afc7217f31cd22ef770a',
  numIterationsExp: 10,
  contributionName: 'rwa-iot-oracle development beacon v1 (NOT FOR PRODUCTION)',
};
