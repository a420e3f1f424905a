import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { poseidonContract } from 'circomlibjs';
import { type Address, type Hex, stringToHex, zeroAddress } from 'viem';
import { assertInstanceKeysAllowed } from '../ceremony/instance-keys.ts';
import { BaseError } from '../lib/errors.ts';
import {
  attestationRegistryAbi,
  iPoseidonT3Abi,
  poolRegistryAbi,
  revenueShareTokenAbi,
  testFxFeedAbi,
  verifierRegistryAbi,
} from './abis.ts';
import { buildContracts, readArtifact } from './build.ts';
import {
  ANVIL_FIRST_TEST_KEY,
  type ChainClients,
  createChainClients,
  deployBytecode,
  writeAndWait,
} from './chain.ts';
import type { Deployment, InstanceDeployment, PayoutDeployment, PoolDeployment } from './deployment.ts';
import { governThroughTimelock, LOCAL_CHAIN_ID, TEMPLATE_ID, type TimelockCall } from './governance.ts';

export type { Deployment, InstanceDeployment, PayoutDeployment, PoolDeployment } from './deployment.ts';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** One pool to create, with its feed and revenue-share token. */
export interface PoolDeployConfig {
  /** A label for the deployment file (e.g. "demo"). */
  name: string;
  /** Operator (device registration, attester, token agent and distributor); default: the deployer. */
  operator?: Address;
  /** ISO 4217 code, three ASCII letters (default "CNY"). */
  currencyCode?: string;
  /** Currency decimals (default 2: fen). */
  currencyDecimals?: number;
  maxTariffMinorPerKwh: number;
  epochLengthS: number;
  genesisTs: number;
  investorShareBps: number;
  /** Circuit instance of the epoch verifier (`build/circuits/<name>/Verifier.sol`), e.g. "epoch_demo". */
  epochVerifierInstance: string;
  /** Circuit instance of the registration verifier, e.g. "registration_demo"; same tree depth. */
  registrationVerifierInstance: string;
  /** Revenue-share token; default "<name> revenue share" / "RS<poolId>", rate 1,400e18 (1 fen = 0.0014 tUSD). */
  token?: {
    name?: string;
    symbol?: string;
    /** Fixed-rate mode: stablecoin units per pool minor unit, 18 decimals (default 1,400e18). */
    conversionRateE18?: bigint;
    /** FX-feed mode instead of a fixed rate. */
    fx?: FxPayoutConfig;
    /** Most tokens the agent may mint (default 10^9 tokens of 18 decimals); raised only through the timelock. */
    supplyCap?: bigint;
    /** Seconds after finalisation from which anyone may record an undistributed epoch (default 7 days). */
    distributionGraceS?: number;
  };
}

/** FX-feed payout: a Chainlink AggregatorV3Interface feed read at distribution. */
export interface FxPayoutConfig {
  /** The feed; default: a `TestFxFeed` (8 decimals) deployed with `testAnswer` (local development only). */
  feed?: Address;
  /** Answer of the deployed test feed (default 14,000,000: 0.14 stablecoin per currency unit). */
  testAnswer?: bigint;
  /** Oldest accepted answer, seconds. */
  maxAgeS: number;
  /** Accepted answer range, feed units. */
  minAnswer: bigint;
  maxAnswer: bigint;
}

/** The governance timelock of a deployment. */
export interface GovernanceConfig {
  /** Minimum delay of every governed change, seconds (default 0 on the local chain; required elsewhere). */
  minDelayS?: number;
  /** Accounts that may schedule changes (default: the deployer). The deployer must be one to register verifiers. */
  proposers?: Address[];
  /** Accounts that may execute ready changes (default: the deployer; the zero address means anyone). */
  executors?: Address[];
}

/** Options of {@link deployAll}. */
export interface DeployAllOptions {
  rpcUrl: string;
  chainId: number;
  /**
   * A finalized ceremony's `transcript.json` per circuit instance. Required for every instance the pools use on
   * any chain but a local development one: a development key is refused there (`DevelopmentKeyRefusedError`).
   */
  ceremonyTranscripts?: Readonly<Record<string, string>>;
  /** Deployer and admin key (default: anvil's first test key). */
  privateKey?: Hex;
  pools: PoolDeployConfig[];
  /** Where to write the deployment file; `false` to skip (default `deployments/<chainId>.json`). */
  outFile?: string | false;
  /** Build contracts first (cached; default true). */
  build?: boolean;
  /** The governance timelock (verifier registry, payout parameters). */
  governance?: GovernanceConfig;
}

/** A deployment could not proceed (bad configuration or missing verifier). */
export class DeployConfigError extends BaseError {
  override name = 'DeployConfigError';
}

interface InstanceConfig {
  template: string;
  params: number[];
}

function readInstances(): Record<string, InstanceConfig> {
  return JSON.parse(readFileSync(join(projectRoot, 'circuits', 'circuits.json'), 'utf8')) as Record<
    string,
    InstanceConfig
  >;
}

/** Tree depth of a pool: the D parameter shared by its epoch and registration instances. */
function treeDepthOf(config: PoolDeployConfig, instances: Record<string, InstanceConfig>): number {
  const epoch = instances[config.epochVerifierInstance];
  const registration = instances[config.registrationVerifierInstance];
  if (epoch?.template !== 'EpochBatch' || registration?.template !== 'Registration') {
    throw new DeployConfigError(`pool ${config.name}: unknown or mismatched circuit instances`, {
      details: `epoch ${config.epochVerifierInstance} (${epoch?.template}), registration ${config.registrationVerifierInstance} (${registration?.template})`,
      hint: 'use an EpochBatch and a Registration instance from circuits/circuits.json',
    });
  }
  const depth = epoch.params[1];
  if (depth === undefined || depth !== registration.params[1]) {
    throw new DeployConfigError(
      `pool ${config.name}: epoch and registration instances have different tree depths`,
      {
        details: `${config.epochVerifierInstance} D=${depth}, ${config.registrationVerifierInstance} D=${registration.params[1]}`,
      },
    );
  }
  return depth;
}

/** Deploys circomlibjs's Poseidon(2) contract (bytecode generated by `poseidonContract.createCode(2)`). */
export async function deployPoseidonT3(clients: ChainClients): Promise<Address> {
  const bytecode = poseidonContract.createCode(2) as Hex;
  return (await deployBytecode(clients, { abi: iPoseidonT3Abi, bytecode, label: 'PoseidonT3' })).address;
}

/** Deploys a compiled contract from `build/contracts/` by name. */
export async function deployArtifact(
  clients: ChainClients,
  contractName: string,
  args: readonly unknown[] = [],
) {
  const artifact = readArtifact(contractName);
  return deployBytecode(clients, {
    abi: artifact.abi,
    bytecode: artifact.bytecode,
    args,
    label: contractName,
  });
}

/**
 * Deploys the whole on-chain side: Poseidon(2), the governance timelock, the verifier registry (owned by the
 * timelock), the Groth16 verifiers the pools need (registered per circuit instance through the timelock), the
 * pool registry, the attestation registry, a test stablecoin, and per pool: the pool, its attester role, its revenue feed and
 * its revenue-share token (agent and distributor roles to the operator). Writes `deployments/<chainId>.json`.
 *
 * @example
 * const deployment = await deployAll({ rpcUrl: anvil.rpcUrl, chainId: 31337, pools: [{ name: 'demo',
 *   maxTariffMinorPerKwh: 190, epochLengthS: 3600, genesisTs: 1767225600, investorShareBps: 7000,
 *   epochVerifierInstance: 'epoch_demo', registrationVerifierInstance: 'registration_demo' }] });
 */
export async function deployAll(options: DeployAllOptions): Promise<Deployment> {
  if (options.build !== false) await buildContracts({ log: () => {} });
  const clients = createChainClients({
    rpcUrl: options.rpcUrl,
    chainId: options.chainId,
    privateKey: options.privateKey ?? ANVIL_FIRST_TEST_KEY,
  });
  const deployer = clients.account.address;
  const allInstances = readInstances();
  const depths = options.pools.map((pool) => treeDepthOf(pool, allInstances));
  // readers scan events from here: the first deployment transaction lands in the next block
  const startBlock = (await clients.publicClient.getBlockNumber()) + 1n;

  const local = options.chainId === LOCAL_CHAIN_ID;
  const governance = governanceOf(options.governance, deployer, local);
  // Trust root: no development key off a local chain (the RPC's chain id, not the configured one).
  const rpcChainId = await clients.publicClient.getChainId();
  if (rpcChainId !== options.chainId)
    throw new DeployConfigError(`the RPC serves chain ${rpcChainId}, not the configured ${options.chainId}`, {
      hint: 'pass the chain id of the RPC you deploy to',
    });
  await assertInstanceKeysAllowed({
    chainId: rpcChainId,
    instances: options.pools.flatMap((p) => [p.epochVerifierInstance, p.registrationVerifierInstance]),
    transcripts: options.ceremonyTranscripts,
  });

  const poseidonT3 = await deployPoseidonT3(clients);
  const timelock = (
    await deployArtifact(clients, 'GovernanceTimelock', [
      BigInt(governance.minDelayS),
      governance.proposers,
      governance.executors,
      zeroAddress,
    ])
  ).address;
  const verifierRegistry = (await deployArtifact(clients, 'VerifierRegistry', [timelock])).address;
  const verifiers = await deployVerifiers(clients, options.pools);
  const instances = await registerInstances(clients, {
    timelock,
    verifierRegistry,
    verifiers,
    instances: allInstances,
    local,
  });
  const poolRegistry = (
    await deployArtifact(clients, 'PoolRegistry', [deployer, poseidonT3, verifierRegistry])
  ).address;
  const attestationRegistry = (await deployArtifact(clients, 'AttestationRegistry', [deployer, poolRegistry]))
    .address;
  const stablecoin = (await deployArtifact(clients, 'TestStablecoin', [deployer])).address;

  const pools: PoolDeployment[] = [];
  for (const [index, config] of options.pools.entries()) {
    pools.push(
      await deployPool(clients, {
        config,
        treeDepth: depths[index]!,
        poolRegistry,
        attestationRegistry,
        stablecoin,
        timelock,
        local,
        epochInstance: instances[config.epochVerifierInstance]!,
        registrationInstance: instances[config.registrationVerifierInstance]!,
      }),
    );
  }

  const deployment: Deployment = {
    chainId: options.chainId,
    rpcUrl: options.rpcUrl,
    deployer,
    deployedAtBlock: startBlock.toString(),
    contracts: { poseidonT3, timelock, verifierRegistry, poolRegistry, attestationRegistry, stablecoin },
    governance,
    verifiers,
    instances,
    pools,
  };
  const outFile = options.outFile ?? join(projectRoot, 'deployments', `${options.chainId}.json`);
  if (outFile !== false) {
    mkdirSync(dirname(outFile), { recursive: true });
    writeFileSync(outFile, `${JSON.stringify(deployment, null, 2)}\n`);
  }
  return deployment;
}

/** The governance settings with defaults; a delay must be chosen explicitly off the local chain. */
function governanceOf(
  config: GovernanceConfig | undefined,
  deployer: Address,
  local: boolean,
): Deployment['governance'] {
  if (config?.minDelayS === undefined && !local) {
    throw new DeployConfigError('no timelock delay configured', {
      hint: 'set governance.minDelayS (seconds investors get to see a change coming)',
    });
  }
  const governance = {
    minDelayS: config?.minDelayS ?? 0,
    proposers: config?.proposers ?? [deployer],
    executors: config?.executors ?? [deployer],
  };
  const canExecute = governance.executors.includes(deployer) || governance.executors.includes(zeroAddress);
  if (!governance.proposers.includes(deployer) || !canExecute) {
    throw new DeployConfigError('the deployer cannot register the verifiers through the timelock', {
      details: `proposers ${governance.proposers.join(', ')}; executors ${governance.executors.join(', ')}`,
      hint: 'include the deployer among the proposers and executors (renounce the roles after deployment)',
    });
  }
  return governance;
}

/** Deploys the Groth16 verifier of every circuit instance the pools use, once each. */
async function deployVerifiers(
  clients: ChainClients,
  pools: readonly PoolDeployConfig[],
): Promise<Record<string, Address>> {
  const verifiers: Record<string, Address> = {};
  for (const pool of pools) {
    for (const instance of [pool.epochVerifierInstance, pool.registrationVerifierInstance]) {
      if (verifiers[instance]) continue;
      if (!existsSync(join(projectRoot, 'build', 'contracts', `Groth16Verifier_${instance}.json`))) {
        throw new DeployConfigError(`no compiled verifier for circuit instance ${instance}`, {
          hint: `run \`npm run build:circuits ${instance}\` then \`npm run build:contracts\``,
        });
      }
      verifiers[instance] = (await deployArtifact(clients, `Groth16Verifier_${instance}`)).address;
    }
  }
  return verifiers;
}

/**
 * Registers each verifier under its circuit instance (template, batch size, depth) in the verifier registry,
 * through the timelock: one scheduled batch, the delay waited (moved on a local chain), then executed.
 */
export async function registerInstances(
  clients: ChainClients,
  input: {
    timelock: Address;
    verifierRegistry: Address;
    verifiers: Record<string, Address>;
    instances: Record<string, InstanceConfig>;
    local: boolean;
  },
): Promise<Record<string, InstanceDeployment>> {
  const registered: Record<string, InstanceDeployment> = {};
  const calls: TimelockCall[] = [];
  for (const [name, verifier] of Object.entries(input.verifiers)) {
    const config = input.instances[name]!;
    const template = config.template as InstanceDeployment['template'];
    const [batchSize, treeDepth] = config.params as [number, number];
    const args = [TEMPLATE_ID[template], batchSize, treeDepth] as const;
    const instanceId = await clients.publicClient.readContract({
      address: input.verifierRegistry,
      abi: verifierRegistryAbi,
      functionName: 'instanceIdOf',
      args,
    });
    registered[name] = { instanceId, template, batchSize, treeDepth, verifier };
    calls.push({
      target: input.verifierRegistry,
      abi: verifierRegistryAbi,
      functionName: 'setVerifier',
      args: [...args, verifier],
    });
  }
  if (calls.length > 0) await governThroughTimelock(clients, input.timelock, calls, { local: input.local });
  return registered;
}

/** The token's issuance parameters (conversion mode, cap, grace) and what the deployment file records. */
async function issuanceOf(
  clients: ChainClients,
  config: PoolDeployConfig,
  currencyCode: string,
): Promise<{ issuance: unknown; payout: PayoutDeployment; supplyCap: bigint; distributionGraceS: number }> {
  const supplyCap = config.token?.supplyCap ?? 10n ** 9n * 10n ** 18n;
  const distributionGraceS = config.token?.distributionGraceS ?? 7 * 24 * 3600;
  const fx = config.token?.fx;
  const fixedRateE18 = config.token?.conversionRateE18 ?? 1_400n * 10n ** 18n;
  let payout: PayoutDeployment = { mode: 'fixedRate', conversionRateE18: fixedRateE18.toString() };
  let fxArg: { feed: Address; maxAgeS: number; minAnswer: bigint; maxAnswer: bigint } = {
    feed: zeroAddress,
    maxAgeS: 0,
    minAnswer: 0n,
    maxAnswer: 0n,
  };
  if (fx) {
    const feed =
      fx.feed ?? (await deployTestFxFeed(clients, `${currencyCode} / USD`, fx.testAnswer ?? 14_000_000n));
    fxArg = { feed, maxAgeS: fx.maxAgeS, minAnswer: fx.minAnswer, maxAnswer: fx.maxAnswer };
    payout = {
      mode: 'fxFeed',
      feed,
      testFeed: fx.feed === undefined,
      maxAgeS: fx.maxAgeS,
      minAnswer: fx.minAnswer.toString(),
      maxAnswer: fx.maxAnswer.toString(),
    };
  }
  const issuance = {
    mode: fx ? 1 : 0,
    fixedRateE18: fx ? 0n : fixedRateE18,
    fx: fxArg,
    supplyCap,
    distributionGraceS,
  };
  return { issuance, payout, supplyCap, distributionGraceS };
}

/** Deploys a `TestFxFeed` (8 decimals) answering `answer` as of the latest block (local development only). */
export async function deployTestFxFeed(
  clients: ChainClients,
  description: string,
  answer: bigint,
): Promise<Address> {
  const feed = (await deployArtifact(clients, 'TestFxFeed', [clients.account.address, 8, description]))
    .address;
  const { timestamp } = await clients.publicClient.getBlock();
  await writeAndWait(clients, {
    address: feed,
    abi: testFxFeedAbi,
    functionName: 'setAnswer',
    args: [answer, timestamp],
  });
  return feed;
}

async function deployPool(
  clients: ChainClients,
  input: {
    config: PoolDeployConfig;
    treeDepth: number;
    poolRegistry: Address;
    attestationRegistry: Address;
    stablecoin: Address;
    timelock: Address;
    local: boolean;
    epochInstance: InstanceDeployment;
    registrationInstance: InstanceDeployment;
  },
): Promise<PoolDeployment> {
  const { config } = input;
  const operator = config.operator ?? clients.account.address;
  const currencyCode = config.currencyCode ?? 'CNY';
  if (!/^[A-Z]{3}$/.test(currencyCode)) {
    throw new DeployConfigError(
      `pool ${config.name}: currency code ${currencyCode} is not three capital letters`,
    );
  }
  const currencyDecimals = config.currencyDecimals ?? 2;
  const receipt = await writeAndWait(clients, {
    address: input.poolRegistry,
    abi: poolRegistryAbi,
    functionName: 'createPool',
    args: [
      {
        operator,
        currencyCode: stringToHex(currencyCode, { size: 3 }),
        currencyDecimals,
        maxTariffMinorPerKwh: config.maxTariffMinorPerKwh,
        epochLengthS: config.epochLengthS,
        genesisTs: BigInt(config.genesisTs),
        investorShareBps: config.investorShareBps,
        epochInstanceId: input.epochInstance.instanceId,
        registrationInstanceId: input.registrationInstance.instanceId,
        treeDepth: input.treeDepth,
      },
    ],
  });
  const poolId = Number(
    await clients.publicClient.readContract({
      address: input.poolRegistry,
      abi: poolRegistryAbi,
      functionName: 'poolCount',
      blockNumber: receipt.blockNumber,
    }),
  );
  const attesterRole = await clients.publicClient.readContract({
    address: input.attestationRegistry,
    abi: attestationRegistryAbi,
    functionName: 'attesterRole',
    args: [poolId],
  });
  await writeAndWait(clients, {
    address: input.attestationRegistry,
    abi: attestationRegistryAbi,
    functionName: 'grantRole',
    args: [attesterRole, operator],
  });
  const feed = (await deployArtifact(clients, 'RevenueFeed', [input.attestationRegistry, poolId])).address;
  const { issuance, payout, supplyCap, distributionGraceS } = await issuanceOf(clients, config, currencyCode);
  const token = (
    await deployArtifact(clients, 'RevenueShareToken', [
      config.token?.name ?? `${config.name} revenue share`,
      config.token?.symbol ?? `RS${poolId}`,
      clients.account.address,
      input.timelock,
      input.attestationRegistry,
      poolId,
      input.stablecoin,
      issuance,
    ])
  ).address;
  for (const role of ['AGENT_ROLE', 'DISTRIBUTOR_ROLE'] as const) {
    const roleId = await clients.publicClient.readContract({
      address: token,
      abi: revenueShareTokenAbi,
      functionName: role,
    });
    await writeAndWait(clients, {
      address: token,
      abi: revenueShareTokenAbi,
      functionName: 'grantRole',
      args: [roleId, operator],
    });
  }
  return {
    name: config.name,
    poolId,
    operator,
    treeDepth: input.treeDepth,
    epochVerifierInstance: config.epochVerifierInstance,
    registrationVerifierInstance: config.registrationVerifierInstance,
    epochInstanceId: input.epochInstance.instanceId,
    registrationInstanceId: input.registrationInstance.instanceId,
    epochVerifier: input.epochInstance.verifier,
    registrationVerifier: input.registrationInstance.verifier,
    feed,
    token,
    payout,
    supplyCap: supplyCap.toString(),
    distributionGraceS,
    currencyCode,
    currencyDecimals,
    maxTariffMinorPerKwh: config.maxTariffMinorPerKwh,
    epochLengthS: config.epochLengthS,
    genesisTs: config.genesisTs,
    investorShareBps: config.investorShareBps,
  };
}
