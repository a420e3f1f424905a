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
import { type OracleContracts, readAttestationEvents, readPool } from '../oracle/chain.ts';
import { epochBounds } from '../oracle/epochs.ts';
import { checkDistribution, checkRootChain, type Finding } from './checks.ts';

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
  const vkeyOf = (instance: string) => loadVerificationKey(instance, options.vkeyDir);
  const provenRevenue = new Map<number, bigint>();

  for (const event of events) {
    if (event.kind === 'finalised') continue;
    const inRange = event.kind === 'registration' || (event.epoch >= from && event.epoch <= to);
    if (!inRange) continue;
    const key =
      event.kind === 'batch'
        ? { kind: 'epoch' as const, poolId, epoch: event.epoch, batchIndex: event.batchIndex }
        : { kind: 'registration' as const, poolId, epoch: 0, batchIndex: event.newCount };
    const subject =
      event.kind === 'batch'
        ? `epoch ${event.epoch} batch ${event.batchIndex}`
        : `registration ${event.oldCount}->${event.newCount}`;
    let bundle: ProofBundle | undefined;
    try {
      bundle = await options.bundles.get(key);
    } catch (error) {
      findings.push({
        check: 'proof',
        subject,
        ok: false,
        message: `bundle unreadable: ${(error as Error).message}`,
      });
      continue;
    }
    if (!bundle) {
      findings.push({
        check: 'proof',
        subject,
        ok: false,
        message: `proof bundle missing from ${options.bundles.describe()}`,
      });
      continue;
    }
    const expected =
      event.kind === 'batch'
        ? (() => {
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
          })()
        : [poolId, event.oldRoot, event.newRoot, event.oldCount, event.newCount].map(String);
    const signals = bundle.publicSignals.map(String);
    const matches =
      event.kind === 'batch'
        ? signals.join(',') === expected.join(',')
        : signals.slice(0, 5).join(',') === expected.join(',');
    if (!matches) {
      findings.push({
        check: 'proof',
        subject,
        ok: false,
        message: `bundle public signals [${signals.join(', ')}] differ from the chain's record [${expected.join(', ')}]`,
      });
      continue;
    }
    let offChainOk = false;
    try {
      offChainOk = await snarkjs.groth16.verify(vkeyOf(bundle.instance), signals, bundle.proof);
    } catch (error) {
      findings.push({
        check: 'proof',
        subject,
        ok: false,
        message: `cannot verify: ${(error as Error).message}`,
      });
      continue;
    }
    let onChainOk = false;
    try {
      const { proof, pubSignals } = calldataArgs(bundle.calldata);
      onChainOk = (await client.readContract({
        address: event.kind === 'batch' ? pool.epochVerifier : pool.registrationVerifier,
        abi: event.kind === 'batch' ? iEpochBatchVerifierAbi : iRegistrationBatchVerifierAbi,
        functionName: 'verifyProof',
        args: [proof.a, proof.b, proof.c, pubSignals as never],
      } as never)) as boolean;
      if (bundle.calldata.pubSignals.join(',') !== signals.join(',')) onChainOk = false;
    } catch {
      onChainOk = false;
    }
    const ok = offChainOk && onChainOk;
    findings.push({
      check: 'proof',
      subject,
      ok,
      message: ok
        ? `Groth16 proof valid (snarkjs with ${bundle.instance} key and the pool's on-chain verifier)`
        : `INVALID proof in the bundle (snarkjs: ${offChainOk ? 'valid' : 'invalid'}, on-chain verifier: ${onChainOk ? 'valid' : 'invalid'})`,
    });
    if (ok && event.kind === 'batch')
      provenRevenue.set(event.epoch, (provenRevenue.get(event.epoch) ?? 0n) + event.revenueMinor);
  }

  for (const round of finalised) {
    if (round.epoch < from || round.epoch > to) continue;
    const proven = provenRevenue.get(round.epoch) ?? 0n;
    const batchesProven = round.batchCount === 0 || provenRevenue.has(round.epoch);
    if (options.feed) {
      const subject = `feed round ${round.epoch}`;
      try {
        const [roundId, answer, startedAt, , answeredInRound] = (await client.readContract({
          address: options.feed,
          abi: revenueFeedAbi,
          functionName: 'getRoundData',
          args: [BigInt(round.epoch)],
        })) as readonly [bigint, bigint, bigint, bigint, bigint];
        const bounds = epochBounds(pool, round.epoch);
        const ok =
          batchesProven &&
          roundId === BigInt(round.epoch) &&
          answeredInRound === roundId &&
          answer === proven &&
          startedAt === BigInt(bounds.startTs);
        findings.push({
          check: 'feed',
          subject,
          ok,
          message: ok
            ? `answer ${answer} equals the proven revenue`
            : `feed answer ${answer} (round ${roundId}, started ${startedAt}) differs from the proven revenue ${proven} (epoch start ${bounds.startTs})`,
        });
      } catch (error) {
        findings.push({
          check: 'feed',
          subject,
          ok: false,
          message: `cannot read the round: ${(error as Error).message.split('\n')[0]}`,
        });
      }
    }
    if (options.token) {
      const record = (await client.readContract({
        address: options.token,
        abi: revenueShareTokenAbi,
        functionName: 'epochDistribution',
        args: [BigInt(round.epoch)],
      })) as {
        revenueMinor: bigint;
        investorShareBps: number;
        distributedAt: bigint;
        stablecoinPerMinorE18: bigint;
        requiredUnits: bigint;
        depositedUnits: bigint;
      };
      findings.push(
        checkDistribution(round.epoch, proven, pool.investorShareBps, {
          ...record,
          investorShareBps: Number(record.investorShareBps),
          distributedAt: BigInt(record.distributedAt),
        }),
      );
    }
  }
  return { poolId, ok: findings.every((f) => f.ok), epochs: { from, to }, findings };
}
