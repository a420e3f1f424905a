import * as snarkjs from 'snarkjs';
import type { Address, PublicClient } from 'viem';
import {
  attestationRegistryAbi,
  iEpochBatchVerifierAbi,
  iRegistrationBatchVerifierAbi,
  poolRegistryAbi,
  revenueFeedAbi,
  revenueShareTokenAbi,
  verifierRegistryAbi,
} from '../contracts/abis.ts';
import { type BundleSource, calldataArgs, type ProofBundle } from '../oracle/bundles.ts';
import {
  type ChainAttestationEvent,
  type ChainPool,
  type OracleContracts,
  readAttestationEvents,
  readPool,
} from '../oracle/chain.ts';
import { epochBounds } from '../oracle/epochs.ts';
import {
  checkDistribution,
  checkRootChain,
  checkUndistributed,
  type DistributionRecord,
  type Finding,
  fail,
  pass,
  warn,
} from './checks.ts';
import { pendingOperations, tokenChanges, verifierChanges } from './governance-history.ts';
import { explainVerificationKey, isLocalDevelopmentChain } from './key-trust.ts';
import { type KeySource, type ResolvedKey, resolveKey, transcriptPathOf } from './keys.ts';
import { missingKeyConstants } from './verifier-code.ts';

/** Options of {@link verifyPool}. */
export interface VerifyPoolOptions extends KeySource {
  publicClient: PublicClient;
  contracts: OracleContracts;
  poolId: number;
  /** The pool's revenue feed (AggregatorV3Interface) and revenue-share token; both are checked to be the pool's. */
  feed?: Address;
  token?: Address;
  bundles: BundleSource;
  /** Epoch range to check proofs, feed rounds and distributions for (default: every finalised epoch). */
  fromEpoch?: number;
  toEpoch?: number;
  /** First block to scan for events. */
  fromBlock?: bigint;
  /** Treat the chain as a production chain whatever its id (a development key then fails). */
  treatChainAsProduction?: boolean;
}

/** What the verifier found. */
export interface VerifyReport {
  poolId: number;
  ok: boolean;
  epochs: { from: number; to: number };
  findings: Finding[];
}

/** Everything read once and shared by the checks of one pool. */
interface PoolContext {
  options: VerifyPoolOptions;
  client: PublicClient;
  poolId: number;
  pool: ChainPool;
  events: ChainAttestationEvent[];
  from: number;
  to: number;
  chainId: number;
  nowS: bigint;
  /** The feed and token, when they were given and belong to the pool under test. */
  feed?: Address;
  token?: Address;
}

/** Which proof kind a key serves: epoch batches or registration batches. */
type ProofKind = 'epoch' | 'registration';
type PoolKeys = Partial<Record<ProofKind, ResolvedKey>>;

/** A failed attestation proof of an epoch, by subject, with what was wrong in a few words. */
interface FailedBatch {
  subject: string;
  batchIndex: number;
  reason: string;
}

/** What the proof checks established. */
interface ProofResults {
  findings: Finding[];
  provenRevenue: Map<number, bigint>;
  failedBatches: Map<number, FailedBatch[]>;
}

const sameAddress = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * The investor's check of a pool, trusting nothing but the chain and the investor's own verification keys: the
 * keys are chosen by the instances the pool references on chain, the on-chain verifiers must embed them, every
 * attested batch's proof bundle is fetched and verified with snarkjs (and by the pool's on-chain verifier), all of
 * its public signals must equal what the chain recorded, the state roots form one chain with no gap or fork, the
 * feed and token belong to the pool, each feed round's answer equals the proven revenue, each distribution was
 * funded as required and on time, and the governance history (verifier replacements, rate and cap changes,
 * pending timelock operations) is reported.
 *
 * @example
 * const report = await verifyPool({ publicClient, contracts, poolId: 1, feed, token, bundles: openBundleSource(url) });
 * if (!report.ok) process.exitCode = 1;
 */
export async function verifyPool(options: VerifyPoolOptions): Promise<VerifyReport> {
  const ctx = await loadContext(options);
  const bindings = await checkBindings(ctx);
  const { keys, findings: keyFindings } = await checkPoolKeys(ctx);
  const proofs = await checkProofs(ctx, keys);
  const rounds = await checkRounds(ctx, proofs);
  const governance = await checkGovernance(ctx);
  const findings = [
    ...bindings,
    ...keyFindings,
    ...checkRootChain(ctx.pool.emptyRoot, ctx.events),
    ...proofs.findings,
    ...rounds,
    ...governance,
  ];
  return {
    poolId: ctx.poolId,
    ok: findings.every((f) => f.ok),
    epochs: { from: ctx.from, to: ctx.to },
    findings,
  };
}

/** Reads the pool, its events, the chain id and time, and the epoch range. */
async function loadContext(options: VerifyPoolOptions): Promise<PoolContext> {
  const { publicClient: client, contracts, poolId } = options;
  const [pool, events, chainId, block] = await Promise.all([
    readPool(client, contracts, poolId),
    readAttestationEvents(client, contracts, poolId, options.fromBlock),
    client.getChainId(),
    client.getBlock(),
  ]);
  const lastEpoch = events.filter((e) => e.kind === 'finalised').at(-1)?.epoch ?? 0;
  return {
    options,
    client,
    poolId,
    pool,
    events,
    from: options.fromEpoch ?? 1,
    to: Math.min(options.toEpoch ?? lastEpoch, lastEpoch),
    chainId,
    nowS: block.timestamp,
  };
}

/**
 * The attestation registry reads the pool registry under test, and the feed and token given report the pool
 * under test from the attestation registry under test. Sets `ctx.feed` / `ctx.token` only when they do.
 */
async function checkBindings(ctx: PoolContext): Promise<Finding[]> {
  const { client, options, poolId } = ctx;
  const { poolRegistry, attestationRegistry } = options.contracts;
  const findings: Finding[] = [];
  const registryOf = await client.readContract({
    address: attestationRegistry,
    abi: attestationRegistryAbi,
    functionName: 'poolRegistry',
  });
  findings.push(
    sameAddress(registryOf, poolRegistry)
      ? pass('contracts', 'attestation registry', `reads the pool registry ${poolRegistry}`)
      : fail(
          'contracts',
          'attestation registry',
          `attestation registry ${attestationRegistry} reads pool registry ${registryOf}, not ${poolRegistry}`,
        ),
  );
  for (const [label, address, abi] of [
    ['feed', options.feed, revenueFeedAbi],
    ['token', options.token, revenueShareTokenAbi],
  ] as const) {
    if (!address) continue;
    const finding = await checkBinding(client, label, address, abi, poolId, attestationRegistry);
    findings.push(finding);
    if (finding.ok) ctx[label] = address;
  }
  return findings;
}

/** One feed or token: its `poolId()` and `attestationRegistry()` must be the pool and registry under test. */
async function checkBinding(
  client: PublicClient,
  label: 'feed' | 'token',
  address: Address,
  abi: typeof revenueFeedAbi | typeof revenueShareTokenAbi,
  poolId: number,
  attestationRegistry: Address,
): Promise<Finding> {
  const subject = `${label} ${address}`;
  let boundPool: number;
  let boundRegistry: Address;
  try {
    [boundPool, boundRegistry] = await Promise.all([
      client.readContract({ address, abi: abi as typeof revenueFeedAbi, functionName: 'poolId' }),
      client.readContract({
        address,
        abi: abi as typeof revenueFeedAbi,
        functionName: 'attestationRegistry',
      }),
    ]);
  } catch (error) {
    return fail(
      'contracts',
      subject,
      `not a ${label} of this system: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  if (Number(boundPool) !== poolId)
    return fail(
      'contracts',
      subject,
      `the ${label} belongs to pool ${boundPool}, not pool ${poolId} (its rounds and distributions are not checked)`,
    );
  if (!sameAddress(boundRegistry, attestationRegistry))
    return fail(
      'contracts',
      subject,
      `the ${label} reads attestation registry ${boundRegistry}, not ${attestationRegistry} (its rounds and distributions are not checked)`,
    );
  return pass(
    'contracts',
    subject,
    `the ${label} of pool ${poolId} on attestation registry ${attestationRegistry}`,
  );
}

/**
 * Chooses the investor's key for each instance the pool references on chain, checks that the verifier the
 * registry resolves for it embeds that key, and classifies the key (development or ceremony).
 */
async function checkPoolKeys(ctx: PoolContext): Promise<{ keys: PoolKeys; findings: Finding[] }> {
  const keys: PoolKeys = {};
  const findings: Finding[] = [];
  const slots = [
    { kind: 'epoch' as const, instanceId: ctx.pool.epochInstanceId, verifier: ctx.pool.epochVerifier },
    {
      kind: 'registration' as const,
      instanceId: ctx.pool.registrationInstanceId,
      verifier: ctx.pool.registrationVerifier,
    },
  ];
  for (const { kind, instanceId, verifier } of slots) {
    let resolved: ResolvedKey;
    try {
      resolved = resolveKey(instanceId, ctx.options);
    } catch (error) {
      findings.push(fail('key', `${kind} instance`, (error as Error).message));
      continue;
    }
    keys[kind] = resolved;
    findings.push(
      pass(
        'key',
        `${kind} instance`,
        `the pool's ${kind} instance ${instanceId} is ${resolved.instance}; key ${resolved.path}`,
      ),
      await checkVerifierCode(ctx.client, resolved, verifier),
      await checkKeyTrust(ctx, resolved),
    );
  }
  return { keys, findings };
}

/** The deployed verifier must hold every coordinate of the given key among its push immediates. */
async function checkVerifierCode(
  client: PublicClient,
  key: ResolvedKey,
  verifier: Address,
): Promise<Finding> {
  const subject = `verifier of ${key.instance}`;
  const code = await client.getCode({ address: verifier });
  const missing = missingKeyConstants(code, key.key);
  if (missing.length === 0)
    return pass('verifier-key', subject, `${verifier} embeds every constant of the given verification key`);
  return fail(
    'verifier-key',
    subject,
    `on-chain verifier for instance ${key.instance} (${verifier}) does not embed the given verification key (${missing.length} constants missing, first ${missing.slice(0, 3).join(', ')})`,
  );
}

/** A development key is a warning on a local chain and a failure elsewhere. */
async function checkKeyTrust(ctx: PoolContext, key: ResolvedKey): Promise<Finding> {
  const subject = `key of ${key.instance}`;
  const { trust, reason } = await explainVerificationKey({
    instance: key.instance,
    verificationKey: key.key,
    transcriptPath: transcriptPathOf(key.path),
  });
  if (trust === 'ceremony') return pass('key-trust', subject, reason);
  const local = isLocalDevelopmentChain(ctx.chainId) && !ctx.options.treatChainAsProduction;
  const message = `development key (${reason}): anyone holding the setup's toxic waste can forge proofs`;
  return local
    ? warn('key-trust', subject, `${message}; allowed on the local chain ${ctx.chainId}`)
    : fail(
        'key-trust',
        subject,
        `${message}; not acceptable on chain ${ctx.chainId}${ctx.options.treatChainAsProduction ? ' (treated as production)' : ''}`,
      );
}

/** Verifies every registration and in-range epoch batch, recording proven revenue and failed batches per epoch. */
async function checkProofs(ctx: PoolContext, keys: PoolKeys): Promise<ProofResults> {
  const results: ProofResults = { findings: [], provenRevenue: new Map(), failedBatches: new Map() };
  const chainAt = chainReader(ctx);
  const validBundles = new Map<ProofKind, ProofBundle>();
  for (const event of ctx.events) {
    if (event.kind === 'finalised') continue;
    if (event.kind === 'batch' && (event.epoch < ctx.from || event.epoch > ctx.to)) continue;
    const { finding, reason, bundle } = await checkAttestation(ctx, keys, event, chainAt);
    results.findings.push(finding);
    const kind: ProofKind = event.kind === 'batch' ? 'epoch' : 'registration';
    if (finding.ok && bundle && !validBundles.has(kind)) validBundles.set(kind, bundle);
    if (event.kind !== 'batch') continue;
    if (finding.ok) {
      results.provenRevenue.set(
        event.epoch,
        (results.provenRevenue.get(event.epoch) ?? 0n) + event.revenueMinor,
      );
    } else {
      const failed = results.failedBatches.get(event.epoch) ?? [];
      failed.push({ subject: finding.subject, batchIndex: event.batchIndex, reason });
      results.failedBatches.set(event.epoch, failed);
    }
  }
  const probes: Finding[] = [];
  for (const [kind, bundle] of validBundles) probes.push(await probeVerifier(ctx, keys[kind]!, kind, bundle));
  results.findings.unshift(...probes);
  return results;
}

/**
 * The pool's on-chain verifier must reject a valid proof once one public signal (the pool id) is changed: a
 * verifier that accepts it checks nothing, whatever constants it embeds.
 */
async function probeVerifier(
  ctx: PoolContext,
  key: ResolvedKey,
  kind: ProofKind,
  bundle: ProofBundle,
): Promise<Finding> {
  const subject = `verifier of ${key.instance}`;
  const { proof, pubSignals } = calldataArgs(bundle.calldata);
  const altered = [pubSignals[0]! + 1n, ...pubSignals.slice(1)];
  let accepted: boolean;
  try {
    accepted = (await ctx.client.readContract({
      address: kind === 'epoch' ? ctx.pool.epochVerifier : ctx.pool.registrationVerifier,
      abi: kind === 'epoch' ? iEpochBatchVerifierAbi : iRegistrationBatchVerifierAbi,
      functionName: 'verifyProof',
      args: [proof.a, proof.b, proof.c, altered as never],
    } as never)) as boolean;
  } catch {
    accepted = false;
  }
  return accepted
    ? fail(
        'verifier-key',
        subject,
        `on-chain verifier for instance ${key.instance} accepts a valid proof with an altered public signal`,
      )
    : pass('verifier-key', subject, 'on-chain verifier rejects a valid proof with an altered public signal');
}

/** `PoolRegistry.chainAt(poolId, count)`, cached. */
function chainReader(ctx: PoolContext): (count: number) => Promise<bigint> {
  const cache = new Map<number, Promise<bigint>>();
  return (count) => {
    let value = cache.get(count);
    if (!value) {
      value = ctx.client.readContract({
        address: ctx.options.contracts.poolRegistry,
        abi: poolRegistryAbi,
        functionName: 'chainAt',
        args: [ctx.poolId, BigInt(count)],
      });
      cache.set(count, value);
    }
    return value;
  };
}

type AttestationOf<K> = Extract<ChainAttestationEvent, { kind: K }>;

/** The public signals the chain recorded for an attestation, in circuit order (decimal strings). */
async function expectedSignals(
  ctx: PoolContext,
  event: AttestationOf<'batch'> | AttestationOf<'registration'>,
  chainAt: (count: number) => Promise<bigint>,
): Promise<string[]> {
  if (event.kind === 'registration') {
    const [oldChain, newChain] = await Promise.all([chainAt(event.oldCount), chainAt(event.newCount)]);
    return [ctx.poolId, event.oldRoot, event.newRoot, event.oldCount, event.newCount, oldChain, newChain].map(
      String,
    );
  }
  const bounds = epochBounds(ctx.pool, event.epoch);
  return [
    ctx.poolId,
    event.epoch,
    bounds.startTs,
    bounds.endTs,
    ctx.pool.maxTariffMinorPerKwh,
    event.oldRoot,
    event.newRoot,
    event.energyWh,
    event.revenueMinor,
    event.reportingCount,
  ].map(String);
}

/** Fetches an attestation's bundle; a finding when it is missing or unreadable. */
async function fetchBundle(
  ctx: PoolContext,
  event: AttestationOf<'batch'> | AttestationOf<'registration'>,
  subject: string,
): Promise<ProofBundle | { failure: Finding; reason: string }> {
  const key =
    event.kind === 'batch'
      ? { kind: 'epoch' as const, poolId: ctx.poolId, epoch: event.epoch, batchIndex: event.batchIndex }
      : { kind: 'registration' as const, poolId: ctx.poolId, epoch: 0, batchIndex: event.newCount };
  try {
    const bundle = await ctx.options.bundles.get(key);
    if (bundle) return bundle;
    return {
      failure: fail('proof', subject, `proof bundle missing from ${ctx.options.bundles.describe()}`),
      reason: 'has no proof bundle',
    };
  } catch (error) {
    return {
      failure: fail('proof', subject, `bundle unreadable: ${(error as Error).message}`),
      reason: 'has an unreadable proof bundle',
    };
  }
}

/**
 * One attestation: its bundle exists, names the instance the pool references, carries exactly the chain's public
 * signals, and its proof verifies with the investor's key and with the pool's on-chain verifier.
 */
async function checkAttestation(
  ctx: PoolContext,
  keys: PoolKeys,
  event: AttestationOf<'batch'> | AttestationOf<'registration'>,
  chainAt: (count: number) => Promise<bigint>,
): Promise<{ finding: Finding; reason: string; bundle?: ProofBundle }> {
  const kind: ProofKind = event.kind === 'batch' ? 'epoch' : 'registration';
  const subject =
    event.kind === 'batch'
      ? `epoch ${event.epoch} batch ${event.batchIndex}`
      : `registration ${event.oldCount}->${event.newCount}`;
  const fetched = await fetchBundle(ctx, event, subject);
  if ('failure' in fetched) return { finding: fetched.failure, reason: fetched.reason };
  const bundle = fetched;
  const key = keys[kind];
  if (!key)
    return {
      finding: fail(
        'proof',
        subject,
        `no verification key for the pool's ${kind} instance`,
        `${kind} instance`,
      ),
      reason: 'cannot be verified without a key',
    };
  if (bundle.instance !== key.instance)
    return {
      finding: fail(
        'proof',
        subject,
        `the bundle names instance ${bundle.instance}, but the pool's ${kind} instance on chain is ${key.instance}`,
      ),
      reason: 'names another circuit instance',
    };
  const expected = await expectedSignals(ctx, event, chainAt);
  const signals = bundle.publicSignals.map(String);
  if (signals.join(',') !== expected.join(','))
    return {
      finding: fail(
        'proof',
        subject,
        `bundle public signals [${signals.join(', ')}] differ from the chain's record [${expected.join(', ')}]`,
      ),
      reason: "does not match the chain's record",
    };
  return { ...(await verifyBundleProof(ctx, key, kind, bundle, signals, subject)), bundle };
}

/** snarkjs with the investor's key, and the pool's on-chain verifier with the exact calldata. */
async function verifyBundleProof(
  ctx: PoolContext,
  key: ResolvedKey,
  kind: ProofKind,
  bundle: ProofBundle,
  signals: string[],
  subject: string,
): Promise<{ finding: Finding; reason: string }> {
  let offChainOk: boolean;
  try {
    offChainOk = await snarkjs.groth16.verify(key.key, signals, bundle.proof);
  } catch (error) {
    return {
      finding: fail('proof', subject, `cannot verify: ${(error as Error).message}`),
      reason: 'failed proof verification',
    };
  }
  let onChainOk = false;
  try {
    const { proof, pubSignals } = calldataArgs(bundle.calldata);
    onChainOk = (await ctx.client.readContract({
      address: kind === 'epoch' ? ctx.pool.epochVerifier : ctx.pool.registrationVerifier,
      abi: kind === 'epoch' ? iEpochBatchVerifierAbi : iRegistrationBatchVerifierAbi,
      functionName: 'verifyProof',
      args: [proof.a, proof.b, proof.c, pubSignals as never],
    } as never)) as boolean;
    if (bundle.calldata.pubSignals.join(',') !== signals.join(',')) onChainOk = false;
  } catch {
    onChainOk = false;
  }
  const ok = offChainOk && onChainOk;
  return {
    finding: ok
      ? pass(
          'proof',
          subject,
          `Groth16 proof valid (snarkjs with the ${key.instance} key and the pool's on-chain verifier)`,
        )
      : fail(
          'proof',
          subject,
          `INVALID proof in the bundle (snarkjs with the ${key.instance} key: ${offChainOk ? 'valid' : 'invalid'}, on-chain verifier: ${onChainOk ? 'valid' : 'invalid'})`,
        ),
    reason: 'failed proof verification',
  };
}

/** "batch 2 of epoch 3 failed proof verification; batch 4 of epoch 3 has no proof bundle". */
const describeFailures = (epoch: number, failed: FailedBatch[]) =>
  failed.map((f) => `batch ${f.batchIndex} of epoch ${epoch} ${f.reason}`).join('; ');

/** Feed rounds and distributions of every finalised epoch in range. */
async function checkRounds(ctx: PoolContext, proofs: ProofResults): Promise<Finding[]> {
  const findings: Finding[] = [];
  const graceS = ctx.token
    ? Number(
        await ctx.client.readContract({
          address: ctx.token,
          abi: revenueShareTokenAbi,
          functionName: 'distributionGraceS',
        }),
      )
    : 0;
  for (const round of ctx.events) {
    if (round.kind !== 'finalised' || round.epoch < ctx.from || round.epoch > ctx.to) continue;
    const failed = proofs.failedBatches.get(round.epoch) ?? [];
    const proven = proofs.provenRevenue.get(round.epoch) ?? 0n;
    if (ctx.feed)
      findings.push(await checkFeedRound(ctx, ctx.feed, round.epoch, proven, failed, round.batchCount));
    if (ctx.token)
      findings.push(await checkEpochDistribution(ctx, ctx.token, round.epoch, proven, failed, graceS));
  }
  return findings;
}

/** `getRoundData(epoch)`: answer = proven revenue, startedAt = epoch start, roundId = answeredInRound = epoch. */
async function checkFeedRound(
  ctx: PoolContext,
  feed: Address,
  epoch: number,
  proven: bigint,
  failed: FailedBatch[],
  batchCount: number,
): Promise<Finding> {
  const subject = `feed round ${epoch}`;
  if (failed.length > 0)
    return fail(
      'feed',
      subject,
      `${subject} not backed: ${describeFailures(epoch, failed)}`,
      failed[0]!.subject,
    );
  let roundData: readonly [bigint, bigint, bigint, bigint, bigint];
  try {
    roundData = await ctx.client.readContract({
      address: feed,
      abi: revenueFeedAbi,
      functionName: 'getRoundData',
      args: [BigInt(epoch)],
    });
  } catch (error) {
    return fail('feed', subject, `cannot read the round: ${(error as Error).message.split('\n')[0]}`);
  }
  const [roundId, answer, startedAt, , answeredInRound] = roundData;
  const bounds = epochBounds(ctx.pool, epoch);
  const batchesProven = batchCount === 0 || ctx.events.some((e) => e.kind === 'batch' && e.epoch === epoch);
  const ok =
    batchesProven &&
    roundId === BigInt(epoch) &&
    answeredInRound === roundId &&
    answer === proven &&
    startedAt === BigInt(bounds.startTs);
  return ok
    ? pass('feed', subject, `answer ${answer} equals the proven revenue`)
    : fail(
        'feed',
        subject,
        `feed answer ${answer} (round ${roundId}, started ${startedAt}) differs from the proven revenue ${proven} (epoch start ${bounds.startTs})`,
      );
}

/** An epoch's distribution: funded on the proven revenue, or recorded, or still within its grace period. */
async function checkEpochDistribution(
  ctx: PoolContext,
  token: Address,
  epoch: number,
  proven: bigint,
  failed: FailedBatch[],
  graceS: number,
): Promise<Finding> {
  const raw = await ctx.client.readContract({
    address: token,
    abi: revenueShareTokenAbi,
    functionName: 'epochDistribution',
    args: [BigInt(epoch)],
  });
  const record: DistributionRecord = {
    ...raw,
    revenueMinor: BigInt(raw.revenueMinor),
    investorShareBps: Number(raw.investorShareBps),
    distributedAt: BigInt(raw.distributedAt),
    recordedAt: BigInt(raw.recordedAt),
  };
  if (record.distributedAt === 0n) {
    const round = await ctx.client.readContract({
      address: ctx.options.contracts.attestationRegistry,
      abi: attestationRegistryAbi,
      functionName: 'getRound',
      args: [ctx.poolId, BigInt(epoch)],
    });
    return checkUndistributed(epoch, record, {
      finalisedAtS: BigInt(round.updatedAt),
      graceS,
      nowS: ctx.nowS,
    });
  }
  if (failed.length > 0)
    return fail(
      'distribution',
      `epoch ${epoch} distribution`,
      `distributed on revenue ${record.revenueMinor}, not backed: ${describeFailures(epoch, failed)}`,
      failed[0]!.subject,
    );
  return checkDistribution(epoch, proven, ctx.pool.investorShareBps, record);
}

/** Verifier replacements, payout changes and pending timelock operations concerning the pool. */
async function checkGovernance(ctx: PoolContext): Promise<Finding[]> {
  const verifierRegistry = await ctx.client.readContract({
    address: ctx.options.contracts.poolRegistry,
    abi: poolRegistryAbi,
    functionName: 'verifierRegistry',
  });
  const timelock = await ctx.client.readContract({
    address: verifierRegistry,
    abi: verifierRegistryAbi,
    functionName: 'governance',
  });
  const scope = {
    client: ctx.client,
    verifierRegistry,
    timelock,
    token: ctx.token,
    instances: [
      { instanceId: ctx.pool.epochInstanceId, label: 'the epoch instance' },
      { instanceId: ctx.pool.registrationInstanceId, label: 'the registration instance' },
    ],
    fromBlock: ctx.options.fromBlock ?? 0n,
  };
  const [verifiers, token, pending] = await Promise.all([
    verifierChanges(scope),
    tokenChanges(scope),
    pendingOperations(scope),
  ]);
  return [...verifiers, ...token, ...pending];
}
