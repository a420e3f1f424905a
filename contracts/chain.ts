import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
  createPublicClient,
  createWalletClient,
  getAddress,
  defineChain,
  http,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { BaseError } from '../lib/errors.ts';

/** The first of anvil's well-known test keys (mnemonic "test test ... junk"); never use it on a real chain. */
export const ANVIL_FIRST_TEST_KEY: Hex = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';

/** A public client and a wallet client bound to one account. */
export interface ChainClients {
  chain: Chain;
  account: Account;
  publicClient: PublicClient<Transport, Chain>;
  walletClient: WalletClient<Transport, Chain, Account>;
}

/** A transaction reverted or an address has no code. */
export class ChainTransactionError extends BaseError {
  override name = 'ChainTransactionError';
}

/**
 * Creates viem clients for an RPC URL, a chain id and a private key.
 *
 * @example
 * const { publicClient, walletClient } = createChainClients({ rpcUrl: 'http://127.0.0.1:8545', chainId: 31337,
 *   privateKey: ANVIL_FIRST_TEST_KEY });
 */
export function createChainClients(options: {
  rpcUrl: string;
  chainId: number;
  privateKey: Hex;
}): ChainClients {
  const chain = defineChain({
    id: options.chainId,
    name: `chain-${options.chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [options.rpcUrl] } },
  });
  const account = privateKeyToAccount(options.privateKey);
  const transport = http(options.rpcUrl);
  return {
    chain,
    account,
    publicClient: createPublicClient({ chain, transport }),
    walletClient: createWalletClient({ chain, account, transport }),
  };
}

/**
 * Deploys creation bytecode and waits for the receipt; returns the address and the gas used.
 *
 * @example
 * const { address } = await deployBytecode(clients, { abi, bytecode, args: [admin] });
 */
export async function deployBytecode(
  clients: ChainClients,
  parameters: { abi: Abi | readonly unknown[]; bytecode: Hex; args?: readonly unknown[]; label?: string },
): Promise<{ address: Address; gasUsed: bigint }> {
  const hash = await clients.walletClient.deployContract({
    abi: parameters.abi as Abi,
    bytecode: parameters.bytecode,
    args: (parameters.args ?? []) as never,
  });
  const receipt = await clients.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success' || !receipt.contractAddress) {
    throw new ChainTransactionError(`deployment of ${parameters.label ?? 'contract'} reverted`, {
      details: `transaction ${hash}`,
    });
  }
  return { address: getAddress(receipt.contractAddress), gasUsed: receipt.gasUsed };
}

/**
 * Sends a contract write (simulated first, so a revert surfaces as viem's decoded
 * `ContractFunctionRevertedError`), waits for the receipt and returns it.
 *
 * @example
 * const receipt = await writeAndWait(clients, { address, abi: poolRegistryAbi, functionName: 'createPool', args });
 */
export async function writeAndWait(
  clients: ChainClients,
  parameters: {
    address: Address;
    abi: Abi | readonly unknown[];
    functionName: string;
    args?: readonly unknown[];
  },
) {
  const { request } = await clients.publicClient.simulateContract({
    account: clients.account,
    address: parameters.address,
    abi: parameters.abi as Abi,
    functionName: parameters.functionName,
    args: (parameters.args ?? []) as never,
  });
  const hash = await clients.walletClient.writeContract(request as never);
  const receipt = await clients.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success') {
    throw new ChainTransactionError(`${parameters.functionName} reverted`, {
      details: `transaction ${hash}`,
    });
  }
  return receipt;
}
