/**
 * The deployment file `deployments/<chainId>.json` written by `deployAll`: its one zod schema and its one
 * reader. Every tool that takes `--deployment` reads the file through {@link readDeployment}, so a
 * malformed file is refused with the field that is wrong instead of failing later on an `undefined` address.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Address, Hex } from 'viem';
import { z } from 'zod';
import { BaseError } from '../lib/errors.ts';

/** The deployment file is missing, is not JSON, or does not match {@link deploymentSchema}. */
export class DeploymentFileError extends BaseError {
  override name = 'DeploymentFileError';
}

const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte address')
  .transform((text) => text as Address);
const uint = z.number().int().min(0);
const uint32 = uint.max(2 ** 32 - 1);
const bytes32 = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, 'must be a 0x-prefixed 32-byte hex value')
  .transform((text) => text as Hex);
const decimalString = z.string().regex(/^\d+$/, 'must be an integer in decimal digits');

/** How a pool's token converts proven revenue to stablecoin: a fixed rate or an FX feed. */
export const payoutDeploymentSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('fixedRate'), conversionRateE18: decimalString }),
  z.object({
    mode: z.literal('fxFeed'),
    feed: address,
    testFeed: z.boolean(),
    maxAgeS: uint,
    minAnswer: decimalString,
    maxAnswer: decimalString,
  }),
]);

/** A verifier-registry entry: the instance id a pool stores and the verifier it resolved to. */
export const instanceDeploymentSchema = z.object({
  instanceId: bytes32,
  template: z.enum(['EpochBatch', 'Registration']),
  batchSize: uint.min(1),
  treeDepth: uint.max(64),
  verifier: address,
});

/** A created pool in the deployment file. */
export const poolDeploymentSchema = z.object({
  name: z.string().min(1),
  poolId: uint32.min(1),
  operator: address,
  treeDepth: uint.max(64),
  epochVerifierInstance: z.string().min(1),
  registrationVerifierInstance: z.string().min(1),
  /** Verifier registry ids of the two instances (what the pool stores). */
  epochInstanceId: bytes32,
  registrationInstanceId: bytes32,
  /** The verifiers the instances resolved to at deployment. */
  epochVerifier: address,
  registrationVerifier: address,
  feed: address,
  token: address,
  payout: payoutDeploymentSchema,
  supplyCap: decimalString,
  distributionGraceS: uint,
  currencyCode: z.string().regex(/^[A-Z]{3}$/, 'must be three capital letters (ISO 4217)'),
  currencyDecimals: uint.max(18),
  maxTariffMinorPerKwh: uint,
  epochLengthS: uint32.min(1),
  genesisTs: uint32,
  investorShareBps: uint.max(10_000),
});

/** Contents of `deployments/<chainId>.json`. */
export const deploymentSchema = z.object({
  chainId: z.number().int().positive(),
  rpcUrl: z.string().min(1),
  deployer: address,
  /** First block of the deployment (scan events from here), a decimal string. */
  deployedAtBlock: z.string().regex(/^\d+$/, 'must be a block number in decimal digits'),
  contracts: z.object({
    poseidonT3: address,
    timelock: address,
    verifierRegistry: address,
    poolRegistry: address,
    attestationRegistry: address,
    stablecoin: address,
  }),
  governance: z.object({ minDelayS: uint, proposers: z.array(address), executors: z.array(address) }),
  /** Verifier addresses by circuit instance name. */
  verifiers: z.record(z.string(), address),
  /** Verifier registry entries by circuit instance name. */
  instances: z.record(z.string(), instanceDeploymentSchema),
  pools: z.array(poolDeploymentSchema),
});

/** Payout mode of a pool's token. */
export type PayoutDeployment = z.infer<typeof payoutDeploymentSchema>;
/** A verifier-registry entry. */
export type InstanceDeployment = z.infer<typeof instanceDeploymentSchema>;
/** A created pool in the deployment file. */
export type PoolDeployment = z.infer<typeof poolDeploymentSchema>;
/** Contents of `deployments/<chainId>.json`. */
export type Deployment = z.infer<typeof deploymentSchema>;

/**
 * Checks a parsed deployment object; throws a {@link DeploymentFileError} naming every wrong field.
 * `source` names where the object came from in the message.
 */
export function parseDeployment(value: unknown, source = 'deployment'): Deployment {
  const result = deploymentSchema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`,
  );
  throw new DeploymentFileError(`${source} is not a valid deployment file`, {
    details: problems.join('; '),
    hint: 'use the file written by `npm run deploy` (deployments/<chainId>.json), or deploy again',
  });
}

/**
 * Reads and checks a deployment file.
 *
 * @example
 * const { contracts, pools } = readDeployment('deployments/31337.json');
 */
export function readDeployment(path: string): Deployment {
  if (!existsSync(path))
    throw new DeploymentFileError(`no deployment file ${path}`, {
      hint: 'run `npm run deploy` first, or pass the right --deployment path',
    });
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new DeploymentFileError(`deployment file ${path} is not valid JSON`, {
      cause,
      details: (cause as Error).message,
      hint: 'deploy again with `npm run deploy` to rewrite it',
    });
  }
  return parseDeployment(value, `deployment file ${path}`);
}
