import { existsSync } from 'node:fs';
import {
  type Abi,
  type Address,
  bytesToHex,
  ContractFunctionRevertedError,
  decodeErrorResult,
  decodeEventLog,
  encodeAbiParameters,
  encodeDeployData,
  type Hex,
  stringToHex,
  keccak256,
  type TransactionReceipt,
  BaseError as ViemBaseError,
  zeroAddress,
} from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { expect } from 'vitest';
import { artifactPaths } from '../../circuits/proving/instances.ts';
import { buildContracts } from '../../contracts/build.ts';
import { type ChainClients, createChainClients } from '../../contracts/chain.ts';
import { verifierRegistryAbi } from '../../contracts/abis.ts';
import { deployArtifact, deployPoseidonT3 } from '../../contracts/deploy.ts';
import { governThroughTimelock, TEMPLATE_ID } from '../../contracts/governance.ts';
import { startAnvil } from '../../lib/servers/anvil.ts';

/** anvil's well-known test keys (mnemonic "test test ... junk"), accounts 0..7. */
export const ANVIL_KEYS: readonly Hex[] = Array.from({ length: 8 }, (_, addressIndex) => {
  const account = mnemonicToAccount('test test test test test test test test test test test junk', {
    addressIndex,
  });
  return bytesToHex(account.getHdKey().privateKey!);
});

/** A running anvil with clients for its first eight accounts; `stop()` in afterAll. */
export interface TestChain {
  rpcUrl: string;
  accounts: ChainClients[];
  stop(): Promise<void>;
}

/** Builds the contracts (cached) and starts one anvil for a test file. */
export async function startTestChain(): Promise<TestChain> {
  await buildContracts({ log: () => {} });
  const anvil = await startAnvil();
  const accounts = ANVIL_KEYS.map((privateKey) =>
    createChainClients({ rpcUrl: anvil.rpcUrl, chainId: 31337, privateKey }),
  );
  return { rpcUrl: anvil.rpcUrl, accounts, stop: () => anvil.stop() };
}

/** Whether a circuit instance's verifier, proving key and wasm are built (benchmarks pick the built ones). */
export function circuitBuilt(instance: string): boolean {
  return missingCircuitArtifacts(instance).length === 0;
}

function missingCircuitArtifacts(instance: string): string[] {
  const paths = artifactPaths(instance);
  return [paths.verifierSol, paths.zkey, paths.wasm].filter((path) => !existsSync(path));
}

/**
 * Asserts a circuit instance's verifier, proving key and wasm are built (`npm test` builds them first): a missing
 * artifact fails the test file with the command to run, instead of silently skipping it.
 */
export function requireCircuitBuilt(instance: string): void {
  const missing = missingCircuitArtifacts(instance);
  if (missing.length > 0)
    throw new Error(
      `circuit instance ${instance} is not built (missing ${missing.join(', ')}): run npm run build`,
    );
}

/** The core contracts, deployed by accounts[0] (admin). */
export interface CoreContracts {
  poseidonT3: Address;
  /** GovernanceTimelock; accounts[0] is its only proposer and executor. */
  timelock: Address;
  verifierRegistry: Address;
  poolRegistry: Address;
  attestationRegistry: Address;
  stablecoin: Address;
}

/**
 * Deploys Poseidon(2), the governance timelock (proposer and executor: the admin; delay `minDelayS`, default 0
 * so fixtures need not move the clock), the verifier registry, the pool registry, the attestation registry and
 * the test stablecoin.
 */
export async function deployCore(
  admin: ChainClients,
  options: { minDelayS?: number } = {},
): Promise<CoreContracts> {
  const poseidonT3 = await deployPoseidonT3(admin);
  const adminAddress = admin.account.address;
  const timelock = (
    await deployArtifact(admin, 'GovernanceTimelock', [
      BigInt(options.minDelayS ?? 0),
      [adminAddress],
      [adminAddress],
      zeroAddress,
    ])
  ).address;
  const verifierRegistry = (await deployArtifact(admin, 'VerifierRegistry', [timelock])).address;
  const poolRegistry = (
    await deployArtifact(admin, 'PoolRegistry', [adminAddress, poseidonT3, verifierRegistry])
  ).address;
  const attestationRegistry = (
    await deployArtifact(admin, 'AttestationRegistry', [adminAddress, poolRegistry])
  ).address;
  const stablecoin = (await deployArtifact(admin, 'TestStablecoin', [adminAddress])).address;
  return { poseidonT3, timelock, verifierRegistry, poolRegistry, attestationRegistry, stablecoin };
}

/** A circuit instance of the verifier registry. */
export interface TestInstance {
  template: keyof typeof TEMPLATE_ID;
  batchSize: number;
  treeDepth: number;
}

/** The reference instance id: keccak256(abi.encode(uint8 template, uint32 batchSize, uint8 treeDepth)). */
export function instanceIdOf(instance: TestInstance): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: 'uint8' }, { type: 'uint32' }, { type: 'uint8' }],
      [TEMPLATE_ID[instance.template], instance.batchSize, instance.treeDepth],
    ),
  );
}

/** Instance ids of the test pools: epoch B = 1 and registration R = 2 at depth `treeDepth`. */
export function testInstanceIds(treeDepth: number): { epochInstanceId: Hex; registrationInstanceId: Hex } {
  return {
    epochInstanceId: instanceIdOf({ template: 'EpochBatch', batchSize: 1, treeDepth }),
    registrationInstanceId: instanceIdOf({ template: 'Registration', batchSize: 2, treeDepth }),
  };
}

/** Sets verifiers in the verifier registry through the timelock (schedule, wait its delay, execute). */
export async function registerInstances(
  admin: ChainClients,
  core: CoreContracts,
  entries: ReadonlyArray<TestInstance & { verifier: Address }>,
) {
  return governThroughTimelock(
    admin,
    core.timelock,
    entries.map((entry) => ({
      target: core.verifierRegistry,
      abi: verifierRegistryAbi,
      functionName: 'setVerifier',
      args: [TEMPLATE_ID[entry.template], entry.batchSize, entry.treeDepth, entry.verifier],
    })),
    { local: true },
  );
}

/** Registers `verifier` as both test instances (epoch B = 1, registration R = 2) of each depth. */
export async function registerTestInstances(
  admin: ChainClients,
  core: CoreContracts,
  depths: readonly number[],
  verifiers: { epochVerifier: Address; registrationVerifier: Address },
) {
  return registerInstances(
    admin,
    core,
    depths.flatMap((treeDepth) => [
      { template: 'EpochBatch' as const, batchSize: 1, treeDepth, verifier: verifiers.epochVerifier },
      {
        template: 'Registration' as const,
        batchSize: 2,
        treeDepth,
        verifier: verifiers.registrationVerifier,
      },
    ]),
  );
}

/**
 * `createPool` arguments with defaults (CNY fen, 190 minor/kWh, 1 h epochs, 70 % to investors, depth 4, the
 * test instances of that depth).
 */
export function poolParams(
  overrides: Partial<{
    operator: Address;
    currencyCode: Hex;
    currencyDecimals: number;
    maxTariffMinorPerKwh: number;
    epochLengthS: number;
    genesisTs: bigint;
    investorShareBps: number;
    epochInstanceId: Hex;
    registrationInstanceId: Hex;
    treeDepth: number;
  }> & { operator: Address },
) {
  return {
    currencyCode: stringToHex('CNY', { size: 3 }),
    currencyDecimals: 2,
    maxTariffMinorPerKwh: 190,
    epochLengthS: 3600,
    genesisTs: 1_767_225_600n,
    investorShareBps: 7_000,
    treeDepth: 4,
    ...testInstanceIds(overrides.treeDepth ?? 4),
    ...overrides,
  };
}

/** Asserts that `caught` is a viem error carrying the custom error `errorName` with exactly `args`. */
function assertCustomError(
  caught: unknown,
  functionName: string,
  errorName: string,
  args: readonly unknown[] | undefined,
): void {
  expect(caught, `${functionName} should revert with ${errorName}`).toBeInstanceOf(ViemBaseError);
  const reverted = (caught as ViemBaseError).walk((error) => error instanceof ContractFunctionRevertedError);
  expect(reverted, `no decoded revert in: ${(caught as Error).message}`).toBeInstanceOf(
    ContractFunctionRevertedError,
  );
  const data = (reverted as ContractFunctionRevertedError).data;
  expect(data?.errorName).toBe(errorName);
  if (args !== undefined) expect(data?.args ?? []).toEqual(args);
}

/**
 * Runs a contract write through `simulateContract` and asserts that it reverts with the custom error
 * `errorName` and exactly the arguments `args` (decoded by viem from the contract's ABI).
 */
export async function expectRevert(
  clients: ChainClients,
  call: { address: Address; abi: Abi | readonly unknown[]; functionName: string; args?: readonly unknown[] },
  errorName: string,
  args?: readonly unknown[],
): Promise<void> {
  let caught: unknown;
  try {
    await clients.publicClient.simulateContract({
      account: clients.account,
      address: call.address,
      abi: call.abi as Abi,
      functionName: call.functionName,
      args: (call.args ?? []) as never,
    });
  } catch (error) {
    caught = error;
  }
  assertCustomError(caught, call.functionName, errorName, args);
}

/** Asserts that a view call reverts with `errorName` and `args`. */
export async function expectReadRevert(
  clients: ChainClients,
  call: { address: Address; abi: Abi | readonly unknown[]; functionName: string; args?: readonly unknown[] },
  errorName: string,
  args?: readonly unknown[],
): Promise<void> {
  let caught: unknown;
  try {
    await clients.publicClient.readContract({
      address: call.address,
      abi: call.abi as Abi,
      functionName: call.functionName,
      args: (call.args ?? []) as never,
    });
  } catch (error) {
    caught = error;
  }
  assertCustomError(caught, call.functionName, errorName, args);
}

/** Decodes the receipt's logs emitted by `address` with `abi` (events of other contracts are skipped). */
export function eventsOf(
  receipt: TransactionReceipt,
  address: Address,
  abi: Abi | readonly unknown[],
): Array<{ eventName: string; args: Record<string, unknown> }> {
  return receipt.logs
    .filter((log) => log.address.toLowerCase() === address.toLowerCase())
    .map((log) => {
      const decoded = decodeEventLog({ abi: abi as Abi, data: log.data, topics: log.topics });
      return { eventName: decoded.eventName ?? '', args: (decoded.args ?? {}) as Record<string, unknown> };
    });
}

/** Moves anvil's clock forward by `seconds` and mines a block. */
export async function increaseTime(chain: TestChain, seconds: number | bigint): Promise<void> {
  const client = chain.accounts[0]!.publicClient;
  await client.request({ method: 'evm_increaseTime' as never, params: [Number(seconds)] as never });
  await client.request({ method: 'evm_mine' as never, params: [] as never });
}

/** Sets the next block's timestamp and mines it. */
export async function setNextTimestamp(chain: TestChain, timestampS: number | bigint): Promise<void> {
  const client = chain.accounts[0]!.publicClient;
  await client.request({
    method: 'evm_setNextBlockTimestamp' as never,
    params: [Number(timestampS)] as never,
  });
  await client.request({ method: 'evm_mine' as never, params: [] as never });
}

/** The latest block's timestamp. */
export async function latestTimestamp(chain: TestChain): Promise<bigint> {
  return (await chain.accounts[0]!.publicClient.getBlock()).timestamp;
}

/** Asserts that deploying `contractName` with `args` reverts in the constructor with `errorName` and `args`. */
export async function expectDeployRevert(
  clients: ChainClients,
  deploy: { abi: Abi | readonly unknown[]; bytecode: Hex; args: readonly unknown[] },
  errorName: string,
  errorArgs: readonly unknown[],
): Promise<void> {
  const data = encodeDeployData({
    abi: deploy.abi as Abi,
    bytecode: deploy.bytecode,
    args: deploy.args as never,
  });
  let caught: unknown;
  try {
    await clients.publicClient.call({ account: clients.account, data });
  } catch (error) {
    caught = error;
  }
  expect(caught, `deployment should revert with ${errorName}`).toBeInstanceOf(ViemBaseError);
  const withData = (caught as ViemBaseError).walk(
    (error) =>
      typeof (error as { data?: unknown }).data === 'string' &&
      String((error as { data: string }).data).startsWith('0x'),
  ) as { data: Hex } | null;
  const revertData = withData?.data;
  expect(revertData, `no revert data in: ${(caught as Error).message}`).toBeDefined();
  const decoded = decodeErrorResult({ abi: deploy.abi as Abi, data: revertData as Hex });
  expect(decoded.errorName).toBe(errorName);
  expect(decoded.args ?? []).toEqual(errorArgs);
}
