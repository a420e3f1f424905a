import { Mutex } from 'async-mutex';
import {
  type Abi,
  type Address,
  BaseError as ViemBaseError,
  ContractFunctionRevertedError,
  encodeFunctionData,
  type Hex,
  keccak256,
  type LocalAccount,
  type PublicClient,
  type TransactionReceipt,
} from 'viem';
import { type Logger, silentLogger } from '../lib/log.ts';
import { TransactionNotMinedError, TransactionRevertedError, TransactionSupersededError } from './errors.ts';

/** A contract call to send: the ABI is used to encode it and to decode a revert into a custom error name. */
export interface ContractCall {
  address: Address;
  abi: Abi;
  functionName: string;
  args: readonly unknown[];
}

/** What must be persisted about a signed transaction before it is broadcast, to resume it after a crash. */
export interface SignedTxRecord {
  hash: Hex;
  nonce: number;
  /** The serialized signed transaction: rebroadcasting it can never execute the call twice (same nonce). */
  raw: Hex;
}

/** Options of {@link createTxSender}. */
export interface TxSenderOptions {
  publicClient: PublicClient;
  /** The oracle's key (a local account: transactions are signed here and sent raw). */
  account: LocalAccount;
  /** Blocks on top of (and including) the receipt's block before a transaction counts as final. Default 1. */
  confirmations?: number;
  /** How long to wait for a receipt before checking whether the transaction was dropped or is stuck. Default 30 s. */
  receiptTimeoutMs?: number;
  /** Fee replacements (same nonce, higher fee) before giving up. Default 3. */
  maxReplacements?: number;
  /** Fee increase of a replacement, in percent (nodes require at least 10). Default 20. */
  feeBumpPercent?: number;
  /** Receipt polling interval. Default 250 ms. */
  pollMs?: number;
  /** Gas limit margin over the estimate, in percent. Default 20. */
  gasMarginPercent?: number;
  /** Logger (the sender logs under `component: 'tx-sender'`). Default: silent. */
  logger?: Logger;
  /** Observes what the sender does (metrics, tests): see {@link TxSenderEvent}. */
  onEvent?: (event: TxSenderEvent) => void;
}

/** What a {@link TxSender} reports while it works. */
export type TxSenderEvent =
  /** A newly signed transaction (not a replacement) was broadcast. */
  | { type: 'sent'; functionName: string; hash: Hex; nonce: number }
  /** The same signed transaction was broadcast again: the node dropped it, a reorg removed it, or a resume. */
  | { type: 'rebroadcast'; reason: 'dropped' | 'reorg' | 'resumed'; hash: Hex; nonce: number }
  /** A stuck transaction was replaced by the same call at the same nonce with higher fees. */
  | { type: 'replaced'; oldHash: Hex; hash: Hex; nonce: number; maxFeePerGas: bigint }
  /** A transaction reached the configured confirmations. */
  | { type: 'confirmed'; hash: Hex; blockNumber: bigint };

/** The outcome of a send or a resume. */
export interface SentTx {
  receipt: TransactionReceipt;
  /** The record of the transaction that was mined (a fee replacement has its own hash). */
  record: SignedTxRecord;
}

/** Sends contract calls one at a time with managed nonces; see {@link createTxSender}. */
export interface TxSender {
  readonly address: Address;
  /**
   * Simulates, estimates gas, signs, calls `onSigned` (persist the record there), broadcasts and waits for the
   * configured confirmations, rebroadcasting a dropped transaction and replacing a stuck one with a higher fee.
   */
  send(
    call: ContractCall,
    hooks?: { onSigned?: (record: SignedTxRecord) => Promise<void> | void },
  ): Promise<SentTx>;
  /**
   * Resumes a transaction persisted before a crash: returns its (or its replacement's) confirmed receipt,
   * rebroadcasts it if the node forgot it, or throws {@link TransactionSupersededError} if its nonce was used by
   * another transaction (the caller then reads the chain to decide whether to send again).
   */
  resume(
    records: readonly SignedTxRecord[],
    hooks?: { onSigned?: (record: SignedTxRecord) => Promise<void> | void },
  ): Promise<SentTx>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function isNotFound(error: unknown): boolean {
  return (
    error instanceof ViemBaseError &&
    (error.name === 'TransactionReceiptNotFoundError' || error.name === 'TransactionNotFoundError')
  );
}

/** Errors the node returns when a raw transaction is already known or its nonce already used. */
function isAlreadyKnown(error: unknown): boolean {
  const text = String(
    (error as { details?: string }).details ?? (error as Error).message ?? '',
  ).toLowerCase();
  return (
    text.includes('already known') || text.includes('already imported') || text.includes('known transaction')
  );
}
function isNonceTooLow(error: unknown): boolean {
  const text = String(
    (error as { details?: string }).details ?? (error as Error).message ?? '',
  ).toLowerCase();
  return text.includes('nonce too low') || text.includes('nonce has already been used');
}

/** Decodes a simulation failure into a typed revert (custom error name and arguments) when it is one. */
export function toRevertError(error: unknown, call: ContractCall): TransactionRevertedError | undefined {
  if (!(error instanceof ViemBaseError)) return undefined;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (!(reverted instanceof ContractFunctionRevertedError)) return undefined;
  const errorName = reverted.data?.errorName ?? reverted.reason ?? undefined;
  const args = reverted.data?.args?.map((a) => String(a)).join(', ');
  return new TransactionRevertedError(`${call.functionName} would revert: ${errorName ?? 'unknown reason'}`, {
    errorName,
    details: args ? `${errorName}(${args})` : reverted.shortMessage,
    hint: 'the chain refused the call; read the contract state before sending again',
    cause: error,
  });
}

/**
 * Creates a transaction sender over viem for the oracle's single account. Sends are serialised so nonces are
 * used in order; a dropped transaction is rebroadcast byte for byte (it can never run twice); a stuck one is
 * replaced by the same call at the same nonce with fees raised by `feeBumpPercent`; a receipt counts once it has
 * `confirmations` blocks and is still on the canonical chain.
 *
 * @example
 * const sender = createTxSender({ publicClient, account: privateKeyToAccount(key), confirmations: 2 });
 * const { receipt } = await sender.send(
 *   { address, abi, functionName: 'finalizeEpoch', args: [1n, 3n] },
 *   { onSigned: (record) => stages.recordSigned(job, record) },
 * );
 */
export function createTxSender(options: TxSenderOptions): TxSender {
  const { publicClient, account } = options;
  const confirmations = options.confirmations ?? 1;
  const receiptTimeoutMs = options.receiptTimeoutMs ?? 30_000;
  const maxReplacements = options.maxReplacements ?? 3;
  const feeBumpPercent = BigInt(options.feeBumpPercent ?? 20);
  const pollMs = options.pollMs ?? 250;
  const gasMarginPercent = BigInt(options.gasMarginPercent ?? 20);
  const log = (options.logger ?? silentLogger()).child({ component: 'tx-sender' });
  const emit = (event: TxSenderEvent) => options.onEvent?.(event);
  const sends = new Mutex();
  let nextNonce: number | undefined;
  let chainId: number | undefined;

  async function receiptOf(hash: Hex): Promise<TransactionReceipt | undefined> {
    try {
      return await publicClient.getTransactionReceipt({ hash });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async function isPending(hash: Hex): Promise<boolean> {
    try {
      await publicClient.getTransaction({ hash });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  async function broadcast(record: SignedTxRecord): Promise<void> {
    try {
      await publicClient.sendRawTransaction({ serializedTransaction: record.raw });
      log.debug({ hash: record.hash, nonce: record.nonce }, 'broadcast');
    } catch (error) {
      // Already in the pool, or its nonce already mined (maybe this very transaction): the wait loop decides.
      if (isAlreadyKnown(error) || isNonceTooLow(error)) {
        log.debug(
          { hash: record.hash, nonce: record.nonce, answer: (error as Error).message.split('\n')[0] },
          'broadcast answered',
        );
        return;
      }
      throw error;
    }
  }

  /** Waits until one of `records` is mined, the nonce is used by another transaction, or the timeout passes. */
  async function waitMined(
    records: readonly SignedTxRecord[],
    timeoutMs: number,
  ): Promise<{ receipt: TransactionReceipt; record: SignedTxRecord } | 'timeout' | 'superseded'> {
    const deadline = Date.now() + timeoutMs;
    const nonce = records[0]!.nonce;
    for (;;) {
      for (const record of records) {
        const receipt = await receiptOf(record.hash);
        if (receipt) return { receipt, record };
      }
      const minedNonce = await publicClient.getTransactionCount({
        address: account.address,
        blockTag: 'latest',
      });
      if (minedNonce > nonce) {
        // The nonce is used. Look again for a while: a node may count the nonce before it serves the receipt.
        for (let attempt = 0; attempt < 8; attempt++) {
          for (const record of records) {
            const receipt = await receiptOf(record.hash);
            if (receipt) return { receipt, record };
          }
          await sleep(pollMs);
        }
        return 'superseded';
      }
      if (Date.now() >= deadline) return 'timeout';
      await sleep(pollMs);
    }
  }

  /** Waits for `confirmations` blocks; if the receipt disappears (reorg) returns undefined. */
  async function waitConfirmed(receipt: TransactionReceipt): Promise<TransactionReceipt | undefined> {
    for (;;) {
      const head = await publicClient.getBlockNumber({ cacheTime: 0 });
      const current = await receiptOf(receipt.transactionHash);
      if (!current || current.blockHash !== receipt.blockHash) return current;
      if (head - current.blockNumber + 1n >= BigInt(confirmations)) return current;
      await sleep(pollMs);
    }
  }

  async function sign(
    tx: { to: Address; data: Hex; gas: bigint },
    nonce: number,
    fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint },
  ): Promise<SignedTxRecord> {
    chainId ??= await publicClient.getChainId();
    const raw = await account.signTransaction!({
      chainId,
      type: 'eip1559',
      to: tx.to,
      data: tx.data,
      nonce,
      gas: tx.gas,
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
      value: 0n,
    });
    return { hash: keccak256(raw), nonce, raw };
  }

  /**
   * Drives `records` (same nonce) to a confirmed receipt: rebroadcasts when dropped, replaces the pending one by
   * the same call with higher fees when stuck, throws when superseded or when every replacement failed.
   */
  async function drive(
    initial: SignedTxRecord[],
    hooks: { onSigned?: (record: SignedTxRecord) => Promise<void> | void },
  ): Promise<SentTx> {
    const records = [...initial];
    let replacements = 0;
    for (;;) {
      const outcome = await waitMined(records, receiptTimeoutMs);
      if (outcome === 'superseded') {
        throw new TransactionSupersededError(`nonce ${records[0]!.nonce} was used by another transaction`, {
          details: `none of ${records.map((r) => r.hash).join(', ')} was mined`,
          hint: 'read the chain state: the intended call may have been made by the replacement, or not at all',
        });
      }
      if (outcome !== 'timeout') {
        const confirmed = await waitConfirmed(outcome.receipt);
        if (!confirmed) {
          log.warn({ hash: outcome.record.hash }, 'receipt vanished (reorg); waiting again');
          await broadcast(outcome.record);
          emit({
            type: 'rebroadcast',
            reason: 'reorg',
            hash: outcome.record.hash,
            nonce: outcome.record.nonce,
          });
          continue;
        }
        if (confirmed.status !== 'success') {
          throw new TransactionRevertedError(`transaction ${confirmed.transactionHash} reverted on-chain`, {
            details: `block ${confirmed.blockNumber}, gas used ${confirmed.gasUsed}`,
            hint: 'the chain state changed between simulation and mining; read it before sending again',
          });
        }
        log.info(
          { hash: confirmed.transactionHash, block: confirmed.blockNumber, confirmations },
          'transaction confirmed',
        );
        emit({ type: 'confirmed', hash: confirmed.transactionHash, blockNumber: confirmed.blockNumber });
        return { receipt: confirmed, record: outcome.record };
      }
      // Timed out: dropped from the pool, or stuck behind a low fee.
      const latest = records.at(-1)!;
      if (!(await isPending(latest.hash))) {
        log.warn(
          { hash: latest.hash, nonce: latest.nonce },
          'dropped; rebroadcasting the same signed transaction',
        );
        await broadcast(latest);
        emit({ type: 'rebroadcast', reason: 'dropped', hash: latest.hash, nonce: latest.nonce });
        continue;
      }
      if (replacements >= maxReplacements) {
        throw new TransactionNotMinedError(
          `transaction ${latest.hash} (nonce ${latest.nonce}) is not mined`,
          {
            details: `${replacements} fee replacements, waited ${receiptTimeoutMs} ms after each`,
            hint: 'check the node and the account balance; the records are persisted, resume later',
          },
        );
      }
      const tx = await publicClient.getTransaction({ hash: latest.hash });
      const network = await publicClient.estimateFeesPerGas();
      const bump = (fee: bigint) => (fee * (100n + feeBumpPercent)) / 100n + 1n;
      // bigint: Math.max does not apply
      const maxOf = (...fees: bigint[]) =>
        fees.reduce((a, b) => {
          if (b > a) return b;
          return a;
        });
      const maxPriorityFeePerGas = maxOf(bump(tx.maxPriorityFeePerGas ?? 0n), network.maxPriorityFeePerGas);
      const maxFeePerGas = maxOf(bump(tx.maxFeePerGas ?? 0n), network.maxFeePerGas, maxPriorityFeePerGas);
      if (!tx.to)
        throw new TransactionNotMinedError(`transaction ${latest.hash} has no recipient; cannot replace it`);
      const replacement = await sign({ to: tx.to, data: tx.input, gas: tx.gas }, latest.nonce, {
        maxFeePerGas,
        maxPriorityFeePerGas,
      });
      await hooks.onSigned?.(replacement);
      records.push(replacement);
      replacements++;
      log.warn(
        { old: latest.hash, hash: replacement.hash, maxFeePerGas },
        'stuck; replaced with higher fees',
      );
      await broadcast(replacement);
      emit({
        type: 'replaced',
        oldHash: latest.hash,
        hash: replacement.hash,
        nonce: latest.nonce,
        maxFeePerGas,
      });
    }
  }

  return {
    address: account.address,
    send(call, hooks = {}) {
      return sends.runExclusive(async () => {
        let gasEstimate: bigint;
        try {
          await publicClient.simulateContract({
            account,
            address: call.address,
            abi: call.abi,
            functionName: call.functionName,
            args: call.args,
          } as never);
          gasEstimate = await publicClient.estimateContractGas({
            account,
            address: call.address,
            abi: call.abi,
            functionName: call.functionName,
            args: call.args,
          } as never);
        } catch (error) {
          throw toRevertError(error, call) ?? error;
        }
        const gas = (gasEstimate * (100n + gasMarginPercent)) / 100n;
        const pendingNonce = await publicClient.getTransactionCount({
          address: account.address,
          blockTag: 'pending',
        });
        const nonce = Math.max(pendingNonce, nextNonce ?? 0);
        const fees = await publicClient.estimateFeesPerGas();
        const data = encodeFunctionData({
          abi: call.abi,
          functionName: call.functionName,
          args: call.args,
        } as never);
        const record = await sign({ to: call.address, data, gas }, nonce, fees);
        await hooks.onSigned?.(record);
        nextNonce = nonce + 1;
        await broadcast(record);
        log.info({ function: call.functionName, hash: record.hash, nonce }, 'transaction sent');
        emit({ type: 'sent', functionName: call.functionName, hash: record.hash, nonce });
        return drive([record], hooks);
      });
    },
    resume(records, hooks = {}) {
      return sends.runExclusive(async () => {
        if (records.length === 0) throw new TransactionNotMinedError('nothing to resume: no signed record');
        const nonces = new Set(records.map((r) => r.nonce));
        if (nonces.size !== 1)
          throw new TransactionNotMinedError('records to resume must share one nonce', {
            details: `nonces ${[...nonces].join(', ')}`,
          });
        for (const record of records) {
          const receipt = await receiptOf(record.hash);
          if (receipt) return drive([record], hooks);
        }
        const minedNonce = await publicClient.getTransactionCount({
          address: account.address,
          blockTag: 'latest',
        });
        if (minedNonce <= records[0]!.nonce) {
          const latest = records.at(-1)!;
          if (!(await isPending(latest.hash))) {
            await broadcast(latest);
            emit({ type: 'rebroadcast', reason: 'resumed', hash: latest.hash, nonce: latest.nonce });
          }
        }
        nextNonce = Math.max(nextNonce ?? 0, records[0]!.nonce + 1);
        return drive([...records], hooks);
      });
    },
  };
}
