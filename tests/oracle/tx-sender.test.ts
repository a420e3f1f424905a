import {
  type Abi,
  type Address,
  createPublicClient,
  createTestClient,
  createWalletClient,
  http,
  type PublicClient,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { foundry } from 'viem/chains';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  TransactionNotMinedError,
  TransactionRevertedError,
  TransactionSupersededError,
} from '../../oracle/errors.ts';
import { createTxSender, type SignedTxRecord, type TxSenderEvent } from '../../oracle/tx-sender.ts';
import { startAnvil } from '../../lib/servers/anvil.ts';
import { scaledMs, waitFor } from '../support/wait.ts';
import { compileCounter } from './support/counter-contract.ts';

const ORACLE_KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d' as const;
const DEPLOYER_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80' as const;

let anvil: Awaited<ReturnType<typeof startAnvil>>;
let publicClient: PublicClient;
let testClient: ReturnType<typeof createTestClient>;
let counter: { address: Address; abi: Abi };
const oracle = privateKeyToAccount(ORACLE_KEY);

async function deployCounter(): Promise<Address> {
  const { abi, bytecode } = compileCounter();
  const wallet = createWalletClient({
    account: privateKeyToAccount(DEPLOYER_KEY),
    chain: foundry,
    transport: http(anvil.rpcUrl),
  });
  const hash = await wallet.deployContract({ abi, bytecode });
  await testClient.mine({ blocks: 1 });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  counter = { address: receipt.contractAddress!, abi };
  return receipt.contractAddress!;
}

async function count(): Promise<bigint> {
  return (await publicClient.readContract({ ...counter, functionName: 'count' })) as bigint;
}

/** Waits for `check` (an event the test caused); the deadline only ends a hung test and scales with load. */
function until(check: () => Promise<boolean> | boolean, what = 'the expected chain state'): Promise<void> {
  return waitFor(check, what, { intervalMs: 50 });
}

/**
 * `publicClient` as the sender sees it, calling `onHead` when the sender asks for the chain head: the sender
 * does that only once it holds a mined receipt and counts its confirmations.
 */
function watchedClient(onHead: () => void): PublicClient {
  return new Proxy(publicClient, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property !== 'getBlockNumber' || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        onHead();
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

beforeAll(async () => {
  anvil = await startAnvil();
  publicClient = createPublicClient({ chain: foundry, transport: http(anvil.rpcUrl), pollingInterval: 100 });
  testClient = createTestClient({ mode: 'anvil', chain: foundry, transport: http(anvil.rpcUrl) });
});
afterAll(async () => {
  await anvil?.stop();
});
beforeEach(async () => {
  await testClient.setAutomine(true);
  await deployCounter();
});

const increment = (tag: bigint) => ({ ...counter, functionName: 'increment', args: [tag] as const });

describe('createTxSender', () => {
  it('sends a call and waits for the configured confirmations', async () => {
    const sender = createTxSender({ publicClient, account: oracle, confirmations: 3, pollMs: 50 });
    const signed: SignedTxRecord[] = [];
    const miner = setInterval(() => void testClient.mine({ blocks: 1 }).catch(() => undefined), 150);
    try {
      const { receipt, record } = await sender.send(increment(7n), { onSigned: (r) => void signed.push(r) });
      const head = await publicClient.getBlockNumber({ cacheTime: 0 });
      expect(head - receipt.blockNumber + 1n).toBeGreaterThanOrEqual(3n);
      expect(receipt.status).toBe('success');
      expect(signed).toEqual([record]);
      expect(record.hash).toBe(receipt.transactionHash);
    } finally {
      clearInterval(miner);
    }
    expect(await count()).toBe(1n);
  });

  it('uses consecutive nonces for concurrent sends', async () => {
    const sender = createTxSender({ publicClient, account: oracle, pollMs: 50 });
    const before = await publicClient.getTransactionCount({ address: oracle.address });
    const results = await Promise.all([1n, 2n, 3n].map((tag) => sender.send(increment(tag))));
    expect(results.map((r) => r.record.nonce)).toEqual([before, before + 1, before + 2]);
    expect(await count()).toBe(3n);
    expect(await publicClient.readContract({ ...counter, functionName: 'lastTag' })).toBe(3n);
  });

  it('throws TransactionRevertedError with the custom error name when the call would revert', async () => {
    const sender = createTxSender({ publicClient, account: oracle, pollMs: 50 });
    await sender.send({ ...counter, functionName: 'setCount', args: [100n] });
    const error = await sender.send(increment(1n)).catch((e) => e);
    expect(error).toBeInstanceOf(TransactionRevertedError);
    expect(error.errorName).toBe('CountTooHigh');
    expect(error.details).toBe('CountTooHigh(100, 100)');
  });

  it('rebroadcasts the same signed transaction when the node drops it', async () => {
    await testClient.setAutomine(false);
    const events: TxSenderEvent[] = [];
    const signed: SignedTxRecord[] = [];
    const sender = createTxSender({
      publicClient,
      account: oracle,
      receiptTimeoutMs: scaledMs(400), // the drop below must come before the sender gives up waiting
      pollMs: 50,
      onEvent: (e) => events.push(e),
    });
    const sending = sender.send(increment(5n), { onSigned: (r) => void signed.push(r) });
    await until(() => events.some((e) => e.type === 'sent'));
    await testClient.dropTransaction({ hash: signed[0]!.hash });
    await until(() => events.some((e) => e.type === 'rebroadcast' && e.reason === 'dropped'));
    await until(
      async () => (await publicClient.getTransaction({ hash: signed[0]!.hash }).catch(() => null)) !== null,
    );
    await testClient.mine({ blocks: 1 });
    const { record } = await sending;
    expect(record.hash).toBe(signed[0]!.hash);
    expect(signed).toHaveLength(1);
    expect(await count()).toBe(1n);
  });

  it('replaces a stuck transaction with higher fees at the same nonce and counts it once', async () => {
    await testClient.setAutomine(false);
    const signed: SignedTxRecord[] = [];
    const events: TxSenderEvent[] = [];
    const sender = createTxSender({
      publicClient,
      account: oracle,
      receiptTimeoutMs: 400,
      pollMs: 50,
      onEvent: (e) => events.push(e),
    });
    const sending = sender.send(increment(9n), { onSigned: (r) => void signed.push(r) });
    await until(() => signed.length >= 2);
    await until(
      async () => (await publicClient.getTransaction({ hash: signed[1]!.hash }).catch(() => null)) !== null,
    );
    await testClient.mine({ blocks: 1 });
    const { record, receipt } = await sending;
    expect(signed[1]!.nonce).toBe(signed[0]!.nonce);
    expect(signed.map((r) => r.hash)).toContain(record.hash);
    expect(record.hash).not.toBe(signed[0]!.hash);
    const replacement = await publicClient.getTransaction({ hash: receipt.transactionHash });
    expect(replacement.nonce).toBe(signed[0]!.nonce);
    expect(await count()).toBe(1n);
    // one send, then replacements: each replaces the previous signed transaction at the same nonce
    expect(events.filter((e) => e.type === 'sent')).toHaveLength(1);
    const replaced = events.filter((e) => e.type === 'replaced');
    expect(replaced.length).toBe(signed.length - 1);
    expect(replaced[0]).toMatchObject({
      oldHash: signed[0]!.hash,
      hash: signed[1]!.hash,
      nonce: signed[0]!.nonce,
    });
  });

  it('gives up with TransactionNotMinedError after the allowed replacements', async () => {
    await testClient.setAutomine(false);
    const sender = createTxSender({
      publicClient,
      account: oracle,
      receiptTimeoutMs: 150,
      pollMs: 30,
      maxReplacements: 1,
    });
    const error = await sender.send(increment(1n)).catch((e) => e);
    expect(error).toBeInstanceOf(TransactionNotMinedError);
    await testClient.mine({ blocks: 1 });
  });

  it('throws TransactionSupersededError when another transaction takes the nonce', async () => {
    await testClient.setAutomine(false);
    const signed: SignedTxRecord[] = [];
    const sender = createTxSender({ publicClient, account: oracle, receiptTimeoutMs: 60_000, pollMs: 50 });
    const sending = sender.send(increment(3n), { onSigned: (r) => void signed.push(r) }).catch((e) => e);
    await until(() => signed.length === 1);
    await until(
      async () => (await publicClient.getTransaction({ hash: signed[0]!.hash }).catch(() => null)) !== null,
    );
    const pending = await publicClient.getTransaction({ hash: signed[0]!.hash });
    const wallet = createWalletClient({ account: oracle, chain: foundry, transport: http(anvil.rpcUrl) });
    await wallet.sendTransaction({
      to: oracle.address,
      value: 0n,
      nonce: signed[0]!.nonce,
      gas: 21_000n,
      maxFeePerGas: pending.maxFeePerGas! * 3n,
      maxPriorityFeePerGas: pending.maxPriorityFeePerGas! * 3n + 1n,
    });
    await testClient.mine({ blocks: 1 });
    expect(await sending).toBeInstanceOf(TransactionSupersededError);
    expect(await count()).toBe(0n);
  });

  it('resumes a transaction signed before a crash: broadcasts it once, and a second resume finds it mined', async () => {
    const persisted: SignedTxRecord[] = [];
    const crashing = createTxSender({ publicClient, account: oracle, pollMs: 50 });
    const crash = await crashing
      .send(increment(4n), {
        onSigned: (r) => {
          persisted.push(r);
          throw new Error('crash after persisting, before broadcast');
        },
      })
      .catch((e) => e);
    expect(crash.message).toMatch(/crash/);
    expect(await count()).toBe(0n);
    const restarted = createTxSender({ publicClient, account: oracle, pollMs: 50 });
    const first = await restarted.resume(persisted);
    expect(first.record.hash).toBe(persisted[0]!.hash);
    expect(await count()).toBe(1n);
    const again = await createTxSender({ publicClient, account: oracle, pollMs: 50 }).resume(persisted);
    expect(again.receipt.transactionHash).toBe(first.receipt.transactionHash);
    expect(await count()).toBe(1n);
    // and the next send after a resume does not reuse the nonce
    const next = await restarted.send(increment(6n));
    expect(next.record.nonce).toBe(persisted[0]!.nonce + 1);
  });

  it('resume reports a nonce taken by another transaction as superseded', async () => {
    const persisted: SignedTxRecord[] = [];
    const sender = createTxSender({ publicClient, account: oracle, pollMs: 50 });
    await sender
      .send(increment(4n), {
        onSigned: (r) => {
          persisted.push(r);
          throw new Error('crash');
        },
      })
      .catch(() => undefined);
    await sender.send(increment(8n)); // takes the same nonce with a new signature
    const error = await sender.resume(persisted).catch((e) => e);
    expect(error).toBeInstanceOf(TransactionSupersededError);
    expect(await count()).toBe(1n);
    expect((await sender.resume([]).catch((e) => e)) as Error).toBeInstanceOf(TransactionNotMinedError);
  });

  it('waits again when a reorganisation removes the mined transaction, and counts it once', async () => {
    const events: TxSenderEvent[] = [];
    let countingConfirmations = false;
    const sender = createTxSender({
      publicClient: watchedClient(() => {
        countingConfirmations = true;
      }),
      account: oracle,
      confirmations: 3,
      pollMs: 50,
      onEvent: (e) => events.push(e),
    });
    const receipts: string[] = [];
    const sending = sender.send(increment(11n), {
      onSigned: (r) => void receipts.push(r.hash),
    });
    // Reorganise only once the sender holds the receipt: before that it would merely wait for a first mining.
    await until(() => countingConfirmations, 'the sender to count confirmations of the mined transaction');
    const first = await publicClient.getTransactionReceipt({ hash: receipts[0] as `0x${string}` });
    // replace the block holding the transaction by an empty one
    await testClient.request({ method: 'anvil_reorg', params: [1, []] } as never);
    await until(
      () => events.some((e) => e.type === 'rebroadcast' && e.reason === 'reorg'),
      'the sender to notice the reorganisation',
    );
    const miner = setInterval(() => void testClient.mine({ blocks: 1 }).catch(() => undefined), 150);
    try {
      const { receipt, record } = await sending;
      expect(record.hash).toBe(first.transactionHash);
      expect(receipt.blockHash).not.toBe(first.blockHash);
    } finally {
      clearInterval(miner);
    }
    expect(await count()).toBe(1n);
  });

  it('counts confirmations again when a reorganisation moves the mined transaction to another block', async () => {
    let headQueries = 0;
    const sender = createTxSender({
      publicClient: watchedClient(() => {
        headQueries++;
      }),
      account: oracle,
      confirmations: 3,
      pollMs: 50,
    });
    const signed: SignedTxRecord[] = [];
    let settled = false;
    const sending = sender.send(increment(12n), { onSigned: (r) => void signed.push(r) }).finally(() => {
      settled = true;
    });
    await until(() => headQueries > 0, 'the sender to count confirmations of the mined transaction');
    const first = await publicClient.getTransactionReceipt({ hash: signed[0]!.hash });
    // replace the block holding the transaction by one at the same height holding the same signed transaction
    await testClient.request({ method: 'anvil_reorg', params: [1, [[signed[0]!.raw, 0]]] } as never);
    const moved = await publicClient.getTransactionReceipt({ hash: signed[0]!.hash });
    expect(moved.blockNumber).toBe(first.blockNumber);
    expect(moved.blockHash).not.toBe(first.blockHash);
    // the moved receipt has one confirmation of three: the sender must keep counting, not report it confirmed
    const queriesAfterReorg = headQueries;
    await until(
      () => settled || headQueries >= queriesAfterReorg + 3,
      'the sender to look at the head again',
    );
    expect(settled).toBe(false);
    const miner = setInterval(() => void testClient.mine({ blocks: 1 }).catch(() => undefined), 150);
    try {
      const { receipt, record } = await sending;
      const head = await publicClient.getBlockNumber({ cacheTime: 0 });
      expect(record.hash).toBe(signed[0]!.hash);
      expect(receipt.blockHash).toBe(moved.blockHash);
      expect(head - receipt.blockNumber + 1n).toBeGreaterThanOrEqual(3n);
    } finally {
      clearInterval(miner);
    }
    expect(await count()).toBe(1n);
  });
});
