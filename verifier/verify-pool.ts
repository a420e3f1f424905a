import * as snarkjs from 'snarkjs';
import type { Address, PublicClient } from 'viem';
import {
  iEpochBatchVerifierAbi,
  iRegistrationBatchVerifierAbi,
  revenueFeedAbi,
  revenueShareTokenAbi,
} from '../contracts/abis.ts';
import { loadVerificationKey } from '../circuits/proving/instances.ts';
import { type BundleSource, calldataArgs, type ProofBundle } from '../oracle/bundles.ts';
import { type ChainPool, type OracleContracts, readAttestationEvents, readPool } from '../oracle/chain.ts';
import { epochBounds } from '../oracle/epochs.ts';
import { type AttestationEvent, checkDistribution, checkRootChain, type Finding } from './checks.ts';

/** Options of {@link verifyPool}. */
export interface VerifyPoolOptions {
  publicClient: PublicClient;
  contracts: OracleContracts;
  poolId: number;
  /** The pool's revenue feed (AggregatorV3Interface) and revenue-share token. */
  feed?: Address;
  token?: Address;
  bundles: BundleSource;
  /** Directory holding `<instance>/verification_key.json` (default the project's `build/circuits`). */
  vkeyDir?: string;
  /** Epoch range to check proofs, feed rounds and distributions for (default: every finalised epoch). */
  fromEpoch?: number;
  toEpoch?: number;
  /** First block to scan for events. */
  fromBlock?: bigint;
}

/** What the verifier found. */
export interface VerifyReport {
  poolId: number;
  ok: boolean;
  epochs: { from: number; to: number };
  findings: Finding[];
}

/**
 * The investor's check of a pool, trusting nothing but the chain and the circuits' verification keys: every
 * attested batch's proof bundle is fetched and verified with snarkjs (and by the pool's on-chain verifier), its
 * public signals must equal what the chain recorded, the state roots form one chain with no gap or fork, each
 * feed round's answer equals the proven revenue, and each distribution was funded as required.
 *
 * @example
 * const report = await verifyPool({ publicClient, contracts, poolId: 1, feed, token, bundles: openBundleSource(url) });
 * if (!report.ok) process.exitCode = 1;
 */
export async function verifyPool(options: VerifyPoolOptions): Promise<VerifyReport> {
  const { publicClient: client, contracts, poolId } = options;
  const pool = await readPool(client, contracts, poolId);
  const events = await readAttestationEvents(client, contracts, poolId, options.fromBlock);
  const findings: Finding[] = checkRootChain(pool.emptyRoot, events);
  const finalised = events.filter((e) => e.kind === 'finalised');
  const lastEpoch = finalised.at(-1)?.epoch ?? 0;
  const from = options.fromEpoch ?? 1;
  const to = Math.min(options.toEpoch ?? lastEpoch, lastEpoch);
  const check: PoolCheck = {
    options,
    pool,
    vkeyOf: (instance: string) => loadVerificationKey(instance, options.vkeyDir),
  };
  const provenRevenue = new Map<number, bigint>();

  for (const event of events) {
    if (event.kind === 'finalised') continue;
    const inRange = event.kind === 'registration' || (event.epoch >= from && event.epoch <= to);
    if (!inRange) continue;
    const finding = await checkBatchProof(check, event);
    findings.push(finding);
    if (finding.ok && event.kind === 'batch')
      provenRevenue.set(event.epoch, (provenRevenue.get(event.epoch) ?? 0n) + event.revenueMinor);
  }

  for (const round of finalised) {
    if (round.epoch < from || round.epoch > to) continue;
    const proven = provenRevenue.get(round.epoch) ?? 0n;
    const batchesProven = round.batchCount === 0 || provenRevenue.has(round.epoch);
    if (options.feed)
      findings.push(await checkFeedRound(check, options.feed, round.epoch, proven, batchesProven));
    if (options.token) findings.push(await checkEpochDistribution(check, options.token, round.epoch, proven));
  }
  return { poolId, ok: findings.every((f) => f.ok), epochs: { from, to }, findings };
}

/** What every check of one pool reads. */
interface PoolCheck {
  options: VerifyPoolOptions;
  pool: ChainPool;
  /** The verification key of a circuit instance (read once). */
  vkeyOf(instance: string): unknown;
}

type ProvenEvent = Exclude<AttestationEvent, { kind: 'finalised' }>;

/**
 * The `proof` finding of one attested batch or registration: its bundle must be readable, its public signals
 * must be the chain's record, and its Groth16 proof must hold for snarkjs and for the pool's on-chain verifier.
 */
async function checkBatchProof(check: PoolCheck, event: ProvenEvent): Promise<Finding> {
  const { options, pool } = check;
  const { poolId } = options;
  const key =
    event.kind === 'batch'
      ? { kind: 'epoch' as const, poolId, epoch: event.epoch, batchIndex: event.batchIndex }
      : { kind: 'registration' as const, poolId, epoch: 0, batchIndex: event.newCount };
  const subject =
    event.kind === 'batch'
      ? `epoch ${event.epoch} batch ${event.batchIndex}`
      : `registration ${event.oldCount}->${event.newCount}`;
  const failed = (message: string): Finding => ({ check: 'proof', subject, ok: false, message });
  let bundle: ProofBundle | undefined;
  try {
    bundle = await options.bundles.get(key);
  } catch (error) {
    return failed(`bundle unreadable: ${(error as Error).message}`);
  }
  if (!bundle) return failed(`proof bundle missing from ${options.bundles.describe()}`);
  const expected = expectedSignals(pool, poolId, event);
  const signals = bundle.publicSignals.map(String);
  const matches =
    event.kind === 'batch'
      ? signals.join(',') === expected.join(',')
      : signals.slice(0, 5).join(',') === expected.join(',');
  if (!matches)
    return failed(
      `bundle public signals [${signals.join(', ')}] differ from the chain's record [${expected.join(', ')}]`,
    );
  let offChainOk = false;
  try {
    offChainOk = await snarkjs.groth16.verify(check.vkeyOf(bundle.instance), signals, bundle.proof);
  } catch (error) {
    return failed(`cannot verify: ${(error as Error).message}`);
  }
  const onChainOk = await verifiesOnChain(check, event, bundle, signals);
  const ok = offChainOk && onChainOk;
  return {
    check: 'proof',
    subject,
    ok,
    message: ok
      ? `Groth16 proof valid (snarkjs with ${bundle.instance} key and the pool's on-chain verifier)`
      : `INVALID proof in the bundle (snarkjs: ${offChainOk ? 'valid' : 'invalid'}, on-chain verifier: ${onChainOk ? 'valid' : 'invalid'})`,
  };
}

/** The public signals the chain's record of `event` implies (registration: its first five). */
function expectedSignals(pool: ChainPool, poolId: number, event: ProvenEvent): string[] {
  if (event.kind === 'registration')
    return [poolId, event.oldRoot, event.newRoot, event.oldCount, event.newCount].map(String);
  const bounds = epochBounds(pool, event.epoch);
  return [
    poolId,
    event.epoch,
    bounds.startTs,
    bounds.endTs,
    pool.maxTariffMinorPerKwh,
    event.oldRoot,
    event.newRoot,
    event.energyWh,
    event.revenueMinor,
    event.reportingCount,
  ].map(String);
}

/** Whether the pool's on-chain verifier accepts the bundle's calldata, and that calldata carries `signals`. */
async function verifiesOnChain(
  check: PoolCheck,
  event: ProvenEvent,
  bundle: ProofBundle,
  signals: string[],
): Promise<boolean> {
  const { pool } = check;
  try {
    const { proof, pubSignals } = calldataArgs(bundle.calldata);
    const ok = (await check.options.publicClient.readContract({
      address: event.kind === 'batch' ? pool.epochVerifier : pool.registrationVerifier,
      abi: event.kind === 'batch' ? iEpochBatchVerifierAbi : iRegistrationBatchVerifierAbi,
      functionName: 'verifyProof',
      args: [proof.a, proof.b, proof.c, pubSignals as never],
    } as never)) as boolean;
    return ok && bundle.calldata.pubSignals.join(',') === signals.join(',');
  } catch {
    return false;
  }
}

/** The `feed` finding of one finalised epoch: the feed's round equals the proven revenue and the epoch start. */
async function checkFeedRound(
  check: PoolCheck,
  feed: Address,
  epoch: number,
  proven: bigint,
  batchesProven: boolean,
): Promise<Finding> {
  const subject = `feed round ${epoch}`;
  try {
    const [roundId, answer, startedAt, , answeredInRound] = (await check.options.publicClient.readContract({
      address: feed,
      abi: revenueFeedAbi,
      functionName: 'getRoundData',
      args: [BigInt(epoch)],
    })) as readonly [bigint, bigint, bigint, bigint, bigint];
    const bounds = epochBounds(check.pool, epoch);
    const ok =
      batchesProven &&
      roundId === BigInt(epoch) &&
      answeredInRound === roundId &&
      answer === proven &&
      startedAt === BigInt(bounds.startTs);
    return {
      check: 'feed',
      subject,
      ok,
      message: ok
        ? `answer ${answer} equals the proven revenue`
        : `feed answer ${answer} (round ${roundId}, started ${startedAt}) differs from the proven revenue ${proven} (epoch start ${bounds.startTs})`,
    };
  } catch (error) {
    return {
      check: 'feed',
      subject,
      ok: false,
      message: `cannot read the round: ${(error as Error).message.split('\n')[0]}`,
    };
  }
}

/** The `distribution` finding of one finalised epoch, from the token's record of it (see `checkDistribution`). */
async function checkEpochDistribution(
  check: PoolCheck,
  token: Address,
  epoch: number,
  proven: bigint,
): Promise<Finding> {
  const record = (await check.options.publicClient.readContract({
    address: token,
    abi: revenueShareTokenAbi,
    functionName: 'epochDistribution',
    args: [BigInt(epoch)],
  })) as {
    revenueMinor: bigint;
    investorShareBps: number;
    distributedAt: bigint;
    stablecoinPerMinorE18: bigint;
    requiredUnits: bigint;
    depositedUnits: bigint;
  };
  return checkDistribution(epoch, proven, check.pool.investorShareBps, {
    ...record,
    investorShareBps: Number(record.investorShareBps),
    distributedAt: BigInt(record.distributedAt),
  });
}
