import { type Address, decodeFunctionData, type Hex, type PublicClient, zeroAddress } from 'viem';
import { governanceTimelockAbi, revenueShareTokenAbi, verifierRegistryAbi } from '../contracts/abis.ts';
import { type Finding, pass, warn } from './checks.ts';
import { instanceIdOf } from './keys.ts';

/** What the governance reports read: the pool's instances, its token and the registry and timelock. */
export interface GovernanceScope {
  client: PublicClient;
  verifierRegistry: Address;
  timelock: Address;
  token?: Address;
  /** The pool's instance ids, with their names for messages. */
  instances: { instanceId: Hex; label: string }[];
  fromBlock: bigint;
}

const sameId = (a: Hex, b: Hex) => a.toLowerCase() === b.toLowerCase();

/**
 * Every `VerifierSet` of the pool's instances: the first registration holds; a replacement is a warning (proofs
 * from then on are checked on-chain by another contract).
 */
export async function verifierChanges(scope: GovernanceScope): Promise<Finding[]> {
  const logs = await scope.client.getContractEvents({
    address: scope.verifierRegistry,
    abi: verifierRegistryAbi,
    eventName: 'VerifierSet',
    fromBlock: scope.fromBlock,
    toBlock: 'latest',
  });
  const findings: Finding[] = [];
  for (const { instanceId, label } of scope.instances) {
    for (const log of logs.filter((l) => sameId(l.args.instanceId!, instanceId))) {
      const subject = `verifier of ${label}`;
      findings.push(
        log.args.oldVerifier === zeroAddress
          ? pass('governance', subject, `registered ${log.args.newVerifier} at block ${log.blockNumber}`)
          : warn(
              'governance',
              subject,
              `replaced at block ${log.blockNumber}: ${log.args.oldVerifier} -> ${log.args.newVerifier}`,
            ),
      );
    }
  }
  return findings;
}

/** Payout changes of the token: rate, FX feed and supply cap changes are warnings; mints are summarised. */
export async function tokenChanges(scope: GovernanceScope): Promise<Finding[]> {
  if (!scope.token) return [];
  const common = {
    address: scope.token,
    abi: revenueShareTokenAbi,
    fromBlock: scope.fromBlock,
    toBlock: 'latest',
  } as const;
  const [rates, feeds, caps, transfers] = await Promise.all([
    scope.client.getContractEvents({ ...common, eventName: 'ConversionRateSet' }),
    scope.client.getContractEvents({ ...common, eventName: 'FxFeedSet' }),
    scope.client.getContractEvents({ ...common, eventName: 'SupplyCapSet' }),
    scope.client.getContractEvents({ ...common, eventName: 'Transfer', args: { from: zeroAddress } }),
  ]);
  const findings: Finding[] = [];
  const issuanceTx = await issuanceTransaction(scope.client, scope.token, [...rates, ...feeds]);
  const atIssuance = (log: { transactionHash: Hex }) => log.transactionHash === issuanceTx;
  for (const log of rates.filter(atIssuance))
    findings.push(
      pass('payout', 'conversion rate', `fixed rate ${log.args.newStablecoinPerMinorE18} at issuance`),
    );
  for (const log of feeds.filter(atIssuance))
    findings.push(
      pass(
        'payout',
        'FX feed',
        `FX feed ${log.args.feed} at issuance, max age ${log.args.maxAgeS} s, answers ${log.args.minAnswer}..${log.args.maxAnswer}`,
      ),
    );
  for (const log of rates.filter((l) => !atIssuance(l)))
    findings.push(
      warn(
        'payout',
        'conversion rate',
        `rate changed at block ${log.blockNumber}: ${log.args.oldStablecoinPerMinorE18} -> ${log.args.newStablecoinPerMinorE18} (units per minor unit, 1e18)`,
      ),
    );
  for (const log of feeds.filter((l) => !atIssuance(l)))
    findings.push(
      warn(
        'payout',
        'FX feed',
        `FX feed set at block ${log.blockNumber}: ${log.args.feed}, max age ${log.args.maxAgeS} s, answers ${log.args.minAnswer}..${log.args.maxAnswer}`,
      ),
    );
  for (const log of caps)
    findings.push(
      warn(
        'payout',
        'supply cap',
        `supply cap changed at block ${log.blockNumber}: ${log.args.oldSupplyCap} -> ${log.args.newSupplyCap}`,
      ),
    );
  const [supply, cap] = await Promise.all([
    scope.client.readContract({ ...common, functionName: 'totalSupply' }),
    scope.client.readContract({ ...common, functionName: 'supplyCap' }),
  ]);
  const minted = transfers.reduce((sum, log) => sum + (log.args.value ?? 0n), 0n);
  const blocks = transfers.map((log) => String(log.blockNumber));
  findings.push(
    pass(
      'payout',
      'supply',
      `${transfers.length} mints of ${minted} tokens${blocks.length > 0 ? ` (blocks ${blocks.join(', ')})` : ''}; supply ${supply} of cap ${cap}`,
    ),
  );
  return findings;
}

/**
 * The token's deployment transaction among the transactions of `logs` (the constructor emits the initial rate or
 * FX feed event), or undefined when none of them deployed it (the history starts later).
 */
async function issuanceTransaction(
  client: PublicClient,
  token: Address,
  logs: readonly { transactionHash: Hex; blockNumber: bigint }[],
): Promise<Hex | undefined> {
  const first = [...logs].sort((a, b) => (a.blockNumber < b.blockNumber ? -1 : 1))[0];
  if (!first) return undefined;
  const receipt = await client.getTransactionReceipt({ hash: first.transactionHash });
  return receipt.contractAddress?.toLowerCase() === token.toLowerCase() ? first.transactionHash : undefined;
}

/** A human description of a scheduled call to the registry or the token, and whether it concerns the pool. */
function describeCall(scope: GovernanceScope, target: Address, data: Hex): { text: string; ours: boolean } {
  const isRegistry = target.toLowerCase() === scope.verifierRegistry.toLowerCase();
  try {
    const call = decodeFunctionData({
      abi: isRegistry ? verifierRegistryAbi : revenueShareTokenAbi,
      data,
    }) as { functionName: string; args?: readonly unknown[] };
    const args = (call.args ?? []).map((a) =>
      typeof a === 'object'
        ? JSON.stringify(a, (_k, v) => (typeof v === 'bigint' ? String(v) : v))
        : String(a),
    );
    if (isRegistry && call.functionName === 'setVerifier') {
      const [template, batchSize, treeDepth] = call.args as [number, number, number, Address];
      const id = instanceIdOf(template, batchSize, treeDepth);
      const instance = scope.instances.find((i) => sameId(i.instanceId, id));
      return {
        text: `setVerifier(${args.join(', ')}) on the verifier registry`,
        ours: instance !== undefined,
      };
    }
    return {
      text: `${call.functionName}(${args.join(', ')}) on the ${isRegistry ? 'verifier registry' : 'token'}`,
      ours: true,
    };
  } catch {
    return { text: `call ${data.slice(0, 10)} on ${target}`, ours: true };
  }
}

/**
 * Timelock operations scheduled (`CallScheduled`) and still pending that target the verifier registry (for the
 * pool's instances) or the token: each a warning with the time it becomes executable.
 */
export async function pendingOperations(scope: GovernanceScope): Promise<Finding[]> {
  const targets = [scope.verifierRegistry, scope.token].filter((t): t is Address => t !== undefined);
  const timelock = { address: scope.timelock, abi: governanceTimelockAbi } as const;
  const logs = await scope.client.getContractEvents({
    ...timelock,
    eventName: 'CallScheduled',
    fromBlock: scope.fromBlock,
    toBlock: 'latest',
  });
  const findings: Finding[] = [];
  for (const log of logs) {
    const target = log.args.target!;
    if (!targets.some((t) => t.toLowerCase() === target.toLowerCase())) continue;
    const id = log.args.id!;
    const pending = await scope.client.readContract({
      ...timelock,
      functionName: 'isOperationPending',
      args: [id],
    });
    if (!pending) continue;
    const { text, ours } = describeCall(scope, target, log.args.data!);
    if (!ours) continue;
    const readyAtS = await scope.client.readContract({
      ...timelock,
      functionName: 'getTimestamp',
      args: [id],
    });
    findings.push(
      warn(
        'governance',
        `pending operation ${id.slice(0, 10)}`,
        `${text} scheduled at block ${log.blockNumber}, executable from ${readyAtS} (${new Date(Number(readyAtS) * 1000).toISOString()})`,
      ),
    );
  }
  return findings;
}
