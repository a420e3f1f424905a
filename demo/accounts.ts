import { type Address, type Hex, keccak256, parseEther, stringToHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { type ChainClients, createChainClients } from '../contracts/chain.ts';

/** A demo participant: its key, address and chain clients. */
export interface DemoAccount {
  readonly label: string;
  readonly privateKey: Hex;
  readonly address: Address;
  readonly clients: ChainClients;
}

/**
 * Derives a participant's key from the operator's key and a label (`keccak256(operatorKey ‖ label)`), so a run
 * on any chain needs only the operator's funded key and every other account is reproducible.
 */
export function deriveAccount(
  chain: { rpcUrl: string; chainId: number },
  operatorKey: Hex,
  label: string,
): DemoAccount {
  const privateKey = keccak256(`${operatorKey}${stringToHex(label).slice(2)}` as Hex);
  return {
    label,
    privateKey,
    address: privateKeyToAccount(privateKey).address,
    clients: createChainClients({ ...chain, privateKey }),
  };
}

/** Sends `ether` of gas money from the operator to each account that holds less, and waits for the receipts. */
export async function fundForGas(
  operator: ChainClients,
  accounts: readonly DemoAccount[],
  ether = '0.05',
): Promise<void> {
  const amount = parseEther(ether);
  for (const account of accounts) {
    const balance = await operator.publicClient.getBalance({ address: account.address });
    if (balance >= amount) continue;
    const hash = await operator.walletClient.sendTransaction({
      account: operator.account,
      chain: operator.chain,
      to: account.address,
      value: amount - balance,
    });
    await operator.publicClient.waitForTransactionReceipt({ hash });
  }
}
