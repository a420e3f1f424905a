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

/** What every step of a {@link TxSender} works with: the options resolved, and the nonce and chain-id state. */
interface SenderContext {
  publicClient: PublicClient;
  account: LocalAccount;
  confirmations: number;
  receiptTimeoutMs: number;
  maxReplacements: number;
  feeBumpPercent: bigint;
  pollMs: number;
  gasMarginPercent: bigint;
  log: Logger;
  emit: (event: TxSenderEvent) => void;
  /** The nonce after the last one this sender signed or resumed; the pending count may lag behind it. */
  nextNonce: number | undefined;
  /** The chain id, read once when the first transaction is signed. */
  chainId: number | undefined;
}

type SendHooks = { onSigned?: (record: SignedTxRecord) => Promise<void> | void };

/** A mined receipt and the record (of several with the same nonce) it belongs to. */
type Mined = { receipt: TransactionReceipt; record: SignedTxRecord };

function createContext(options: TxSenderOptions): SenderContext {
  return {
    publicClient: options.publicClient,
    account: options.account,
    confirmations: options.confirmations ?? 1,
    receiptTimeoutMs: options.receiptTimeoutMs ?? 30_000,
    maxReplacements: options.maxReplacements ?? 3,
    feeBumpPercent: BigInt(options.feeBumpPercent ?? 20),
    pollMs: options.pollMs ?? 250,
    gasMarginPercent: BigInt(options.gasMarginPercent ?? 20),
    log: (options.logger ?? silentLogger()).child({ component: 'tx-sender' }),
    emit: (event) => options.onEvent?.(event),
    nextNonce: undefined,
    chainId: undefined,
  };
}

/** The receipt of `hash`, or undefined while it is not mined. */
async function receiptOf(ctx: SenderContext, hash: Hex): Promise<TransactionReceipt | undefined> {
  try {
    return await ctx.publicClient.getTransactionReceipt({ hash });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Whether the node knows `hash` (pending or mined). */
async function isPending(ctx: SenderContext, hash: Hex): Promise<boolean> {
  try {
    await ctx.publicClient.getTransaction({ hash });
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/** The first of `records` that has a receipt, with it. */
async function firstMined(
  ctx: SenderContext,
  records: readonly SignedTxRecord[],
): Promise<Mined | undefined> {
  for (const record of records) {
    const receipt = await receiptOf(ctx, record.hash);
    if (receipt) return { receipt, record };
  }
  return undefined;
}

/** How many transactions of the account are mined (its next nonce at the latest block). */
function minedNonceCount(ctx: SenderContext): Promise<number> {
  return ctx.publicClient.getTransactionCount({ address: ctx.account.address, blockTag: 'latest' });
}

/** Sends the signed bytes of `record`; an answer that it is already known or its nonce used is not an error. */
async function broadcast(ctx: SenderContext, record: SignedTxRecord): Promise<void> {
  try {
    await ctx.publicClient.sendRawTransaction({ serializedTransaction: record.raw });
    ctx.log.debug({ hash: record.hash, nonce: record.nonce }, 'broadcast');
  } catch (error) {
    // Already in the pool, or its nonce already mined (maybe this very transaction): the wait loop decides.
    if (isAlreadyKnown(error) || isNonceTooLow(error)) {
      ctx.log.debug(
        { hash: record.hash, nonce: record.nonce, answer: (error as Error).message.split('\n')[0] },
        'broadcast answered',
      );
      return;
    }
    throw error;
  }
}

/** Broadcasts `record` again and reports why. */
async function rebroadcast(
  ctx: SenderContext,
  record: SignedTxRecord,
  reason: 'dropped' | 'reorg' | 'resumed',
): Promise<void> {
  await broadcast(ctx, record);
  ctx.emit({ type: 'rebroadcast', reason, hash: record.hash, nonce: record.nonce });
}

/** Waits until one of `records` is mined, the nonce is used by another transaction, or the timeout passes. */
async function waitMined(
  ctx: SenderContext,
  records: readonly SignedTxRecord[],
  timeoutMs: number,
): Promise<Mined | 'timeout' | 'superseded'> {
  const deadline = Date.now() + timeoutMs;
  const nonce = records[0]!.nonce;
  for (;;) {
    const mined = await firstMined(ctx, records);
    if (mined) return mined;
    if ((await minedNonceCount(ctx)) > nonce)
      return (await lookAgainAfterNonceUsed(ctx, records)) ?? 'superseded';
    if (Date.now() >= deadline) return 'timeout';
    await sleep(ctx.pollMs);
  }
}

/** The nonce is used. Looks again for a while: a node may count the nonce before it serves the receipt. */
async function lookAgainAfterNonceUsed(
  ctx: SenderContext,
  records: readonly SignedTxRecord[],
): Promise<Mined | undefined> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const mined = await firstMined(ctx, records);
    if (mined) return mined;
    await sleep(ctx.pollMs);
  }
  return undefined;
}

/**
 * Waits for `confirmations` blocks on top of the receipt's block; if the receipt disappears (reorg) returns
 * undefined. A receipt that a reorg moved to another block counts its confirmations again from that block.
 */
async function waitConfirmed(
  ctx: SenderContext,
  receipt: TransactionReceipt,
): Promise<TransactionReceipt | undefined> {
  let counted = receipt;
  for (;;) {
    const head = await ctx.publicClient.getBlockNumber({ cacheTime: 0 });
    const current = await receiptOf(ctx, counted.transactionHash);
    if (!current) return undefined;
    if (current.blockHash !== counted.blockHash) {
      ctx.log.warn(
        { hash: current.transactionHash, block: current.blockNumber },
        'receipt moved to another block (reorg); counting confirmations again',
      );
      counted = current;
    }
    if (head - current.blockNumber + 1n >= BigInt(ctx.confirmations)) return current;
    await sleep(ctx.pollMs);
  }
}

/** Signs an EIP-1559 call of `tx` at `nonce` with the account (reads the chain id once). */
async function sign(
  ctx: SenderContext,
  tx: { to: Address; data: Hex; gas: bigint },
  nonce: number,
  fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint },
): Promise<SignedTxRecord> {
  ctx.chainId ??= await ctx.publicClient.getChainId();
  const raw = await ctx.account.signTransaction!({
    chainId: ctx.chainId,
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
 * Waits for the confirmations of a mined transaction: its confirmed result, or undefined when a reorg removed it
 * (then it is rebroadcast). Throws {@link TransactionRevertedError} when it reverted on-chain.
 */
async function confirm(ctx: SenderContext, mined: Mined): Promise<SentTx | undefined> {
  const confirmed = await waitConfirmed(ctx, mined.receipt);
  if (!confirmed) {
    ctx.log.warn({ hash: mined.record.hash }, 'receipt vanished (reorg); waiting again');
    await rebroadcast(ctx, mined.record, 'reorg');
    return undefined;
  }
  if (confirmed.status !== 'success') {
    throw new TransactionRevertedError(`transaction ${confirmed.transactionHash} reverted on-chain`, {
      details: `block ${confirmed.blockNumber}, gas used ${confirmed.gasUsed}`,
      hint: 'the chain state changed between simulation and mining; read it before sending again',
    });
  }
  ctx.log.info(
    { hash: confirmed.transactionHash, block: confirmed.blockNumber, confirmations: ctx.confirmations },
    'transaction confirmed',
  );
  ctx.emit({ type: 'confirmed', hash: confirmed.transactionHash, blockNumber: confirmed.blockNumber });
  return { receipt: confirmed, record: mined.record };
}

/** The larger of bigint fees (Math.max does not apply to bigint). */
function maxFee(...fees: bigint[]): bigint {
  return fees.reduce((a, b) => {
    if (b > a) return b;
    return a;
  });
}

/** Fees of a replacement: the old ones raised by `feeBumpPercent`, and at least what the network asks now. */
function replacementFees(
  old: { maxFeePerGas?: bigint; maxPriorityFeePerGas?: bigint },
  network: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint },
  feeBumpPercent: bigint,
): { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } {
  const bump = (fee: bigint) => (fee * (100n + feeBumpPercent)) / 100n + 1n;
  const maxPriorityFeePerGas = maxFee(bump(old.maxPriorityFeePerGas ?? 0n), network.maxPriorityFeePerGas);
  const maxFeePerGas = maxFee(bump(old.maxFeePerGas ?? 0n), network.maxFeePerGas, maxPriorityFeePerGas);
  return { maxFeePerGas, maxPriorityFeePerGas };
}

/** Signs the call of the stuck `latest` again at its nonce with higher fees, persists and broadcasts it. */
async function replace(
  ctx: SenderContext,
  latest: SignedTxRecord,
  hooks: SendHooks,
): Promise<SignedTxRecord> {
  const tx = await ctx.publicClient.getTransaction({ hash: latest.hash });
  const network = await ctx.publicClient.estimateFeesPerGas();
  const fees = replacementFees(tx, network, ctx.feeBumpPercent);
  if (!tx.to)
    throw new TransactionNotMinedError(`transaction ${latest.hash} has no recipient; cannot replace it`);
  const replacement = await sign(ctx, { to: tx.to, data: tx.input, gas: tx.gas }, latest.nonce, fees);
  await hooks.onSigned?.(replacement);
  ctx.log.warn(
    { old: latest.hash, hash: replacement.hash, maxFeePerGas: fees.maxFeePerGas },
    'stuck; replaced with higher fees',
  );
  await broadcast(ctx, replacement);
  ctx.emit({
    type: 'replaced',
    oldHash: latest.hash,
    hash: replacement.hash,
    nonce: latest.nonce,
    maxFeePerGas: fees.maxFeePerGas,
  });
  return replacement;
}

/**
 * After a timeout without receipt: rebroadcasts the latest record if the node dropped it (undefined), else
 * replaces it (the replacement), unless `replacements` reached the maximum.
 */
async function unstick(
  ctx: SenderContext,
  latest: SignedTxRecord,
  replacements: number,
  hooks: SendHooks,
): Promise<SignedTxRecord | undefined> {
  if (!(await isPending(ctx, latest.hash))) {
    ctx.log.warn(
      { hash: latest.hash, nonce: latest.nonce },
      'dropped; rebroadcasting the same signed transaction',
    );
    await rebroadcast(ctx, latest, 'dropped');
    return undefined;
  }
  if (replacements >= ctx.maxReplacements) {
    throw new TransactionNotMinedError(`transaction ${latest.hash} (nonce ${latest.nonce}) is not mined`, {
      details: `${replacements} fee replacements, waited ${ctx.receiptTimeoutMs} ms after each`,
      hint: 'check the node and the account balance; the records are persisted, resume later',
    });
  }
  return replace(ctx, latest, hooks);
}

/**
 * Drives `initial` (same nonce) to a confirmed receipt: rebroadcasts when dropped, replaces the pending one by
 * the same call with higher fees when stuck, throws when superseded or when every replacement failed.
 */
async function drive(ctx: SenderContext, initial: SignedTxRecord[], hooks: SendHooks): Promise<SentTx> {
  const records = [...initial];
  let replacements = 0;
  for (;;) {
    const outcome = await waitMined(ctx, records, ctx.receiptTimeoutMs);
    if (outcome === 'superseded') {
      throw new TransactionSupersededError(`nonce ${records[0]!.nonce} was used by another transaction`, {
        details: `none of ${records.map((r) => r.hash).join(', ')} was mined`,
        hint: 'read the chain state: the intended call may have been made by the replacement, or not at all',
      });
    }
    if (outcome !== 'timeout') {
      const sent = await confirm(ctx, outcome);
      if (sent) return sent;
      continue;
    }
    // Timed out: dropped from the pool, or stuck behind a low fee.
    const replacement = await unstick(ctx, records.at(-1)!, replacements, hooks);
    if (replacement) {
      records.push(replacement);
      replacements++;
    }
  }
}

/** Simulates `call` (a revert becomes {@link TransactionRevertedError}) and returns its gas limit with margin. */
async function simulateAndEstimateGas(ctx: SenderContext, call: ContractCall): Promise<bigint> {
  const request = {
    account: ctx.account,
    address: call.address,
    abi: call.abi,
    functionName: call.functionName,
    args: call.args,
  } as never;
  let gasEstimate: bigint;
  try {
    await ctx.publicClient.simulateContract(request);
    gasEstimate = await ctx.publicClient.estimateContractGas(request);
  } catch (error) {
    throw toRevertError(error, call) ?? error;
  }
  return (gasEstimate * (100n + ctx.gasMarginPercent)) / 100n;
}

/** The nonce of the next new transaction: the pending count, unless this sender has already gone past it. */
async function takeNonce(ctx: SenderContext): Promise<number> {
  const pendingNonce = await ctx.publicClient.getTransactionCount({
    address: ctx.account.address,
    blockTag: 'pending',
  });
  return Math.max(pendingNonce, ctx.nextNonce ?? 0);
}

/** Sends a new call (the caller holds the send lock); see {@link TxSender.send}. */
async function sendCall(ctx: SenderContext, call: ContractCall, hooks: SendHooks): Promise<SentTx> {
  const gas = await simulateAndEstimateGas(ctx, call);
  const nonce = await takeNonce(ctx);
  const fees = await ctx.publicClient.estimateFeesPerGas();
  const data = encodeFunctionData({
    abi: call.abi,
    functionName: call.functionName,
    args: call.args,
  } as never);
  const record = await sign(ctx, { to: call.address, data, gas }, nonce, fees);
  await hooks.onSigned?.(record);
  ctx.nextNonce = nonce + 1;
  await broadcast(ctx, record);
  ctx.log.info({ function: call.functionName, hash: record.hash, nonce }, 'transaction sent');
  ctx.emit({ type: 'sent', functionName: call.functionName, hash: record.hash, nonce });
  return drive(ctx, [record], hooks);
}

/** The one nonce `records` share; throws when there is no record or several nonces. */
function sharedNonce(records: readonly SignedTxRecord[]): number {
  if (records.length === 0) throw new TransactionNotMinedError('nothing to resume: no signed record');
  const nonces = new Set(records.map((r) => r.nonce));
  if (nonces.size !== 1)
    throw new TransactionNotMinedError('records to resume must share one nonce', {
      details: `nonces ${[...nonces].join(', ')}`,
    });
  return records[0]!.nonce;
}

/** Resumes persisted records (the caller holds the send lock); see {@link TxSender.resume}. */
async function resumeRecords(
  ctx: SenderContext,
  records: readonly SignedTxRecord[],
  hooks: SendHooks,
): Promise<SentTx> {
  const nonce = sharedNonce(records);
  for (const record of records) {
    if (await receiptOf(ctx, record.hash)) return drive(ctx, [record], hooks);
  }
  if ((await minedNonceCount(ctx)) <= nonce) {
    const latest = records.at(-1)!;
    if (!(await isPending(ctx, latest.hash))) await rebroadcast(ctx, latest, 'resumed');
  }
  ctx.nextNonce = Math.max(ctx.nextNonce ?? 0, nonce + 1);
  return drive(ctx, [...records], hooks);
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
  const ctx = createContext(options);
  const sends = new Mutex();
  return {
    address: ctx.account.address,
    send: (call, hooks = {}) => sends.runExclusive(() => sendCall(ctx, call, hooks)),
    resume: (records, hooks = {}) => sends.runExclusive(() => resumeRecords(ctx, records, hooks)),
  };
}
