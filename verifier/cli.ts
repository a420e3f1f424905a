/**
 * Investor verifier CLI: `npx tsx verifier/cli.ts --rpc <url> --deployment deployments/31337.json --pool 1
 *   --bundles <http url | dir> [--from 1] [--to 9] [--disclose reading.json ...] [--json]`.
 * Exit code 0 when every check holds, 1 when one fails (each failure named), 2 on a usage error.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type Address, createPublicClient, http } from 'viem';
import { attestationRegistryAbi } from '../contracts/abis.ts';
import { openBundleSource } from '../oracle/bundles.ts';
import { readPool } from '../oracle/chain.ts';
import type { Finding } from './checks.ts';
import { type Disclosure, verifyDisclosure } from './disclosure.ts';
import { type VerifyReport, verifyPool } from './verify-pool.ts';

const USAGE = `usage: npm run verify -- --rpc <url> --pool <id> --bundles <url|dir>
  (--deployment <deployments/<chainId>.json> | --pool-registry <addr> --attestation-registry <addr>)
  [--feed <addr>] [--token <addr>] [--vkey-dir <dir>] [--vkey <instance>=<file>]... [--production-chain]
  [--from <epoch>] [--to <epoch>] [--disclose <reading.json>]... [--from-block <n>] [--json]`;

/** Parsed command line of the verifier. */
export interface VerifyCliOptions {
  rpc: string;
  poolId: number;
  bundles: string;
  poolRegistry: Address;
  attestationRegistry: Address;
  feed: Address | undefined;
  token: Address | undefined;
  vkeyDir: string | undefined;
  /** Explicit verification key files by instance name (`--vkey <instance>=<file>`). */
  vkeyFiles?: Record<string, string>;
  /** `--production-chain`: a development key fails whatever the chain id. */
  treatChainAsProduction?: boolean;
  fromEpoch: number | undefined;
  toEpoch: number | undefined;
  fromBlock: bigint | undefined;
  disclosures: string[];
  json: boolean;
}

class UsageError extends Error {}

function parseVerifyOptions(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      rpc: { type: 'string' },
      pool: { type: 'string' },
      bundles: { type: 'string' },
      deployment: { type: 'string' },
      'pool-registry': { type: 'string' },
      'attestation-registry': { type: 'string' },
      feed: { type: 'string' },
      token: { type: 'string' },
      vkeys: { type: 'string' },
      'vkey-dir': { type: 'string' },
      vkey: { type: 'string', multiple: true },
      'production-chain': { type: 'boolean', default: false },
      from: { type: 'string' },
      to: { type: 'string' },
      'from-block': { type: 'string' },
      disclose: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
}

/** `--vkey <instance>=<file>` values as a map (throws a usage error on another form). */
function parseKeyFiles(values: readonly string[]): Record<string, string> {
  const files: Record<string, string> = {};
  for (const value of values) {
    const match = /^([a-z0-9_]+)=(.+)$/.exec(value);
    if (!match) throw new UsageError(`--vkey must be <instance>=<file>, got "${value}"`);
    files[match[1]!] = match[2]!;
  }
  return files;
}

/** Parses the verifier's arguments (throws a usage error naming what is wrong). */
export function parseVerifyArgs(argv: readonly string[]): VerifyCliOptions {
  let parsed: ReturnType<typeof parseVerifyOptions>;
  try {
    parsed = parseVerifyOptions(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values } = parsed;
  const need = (name: string, value: string | undefined) => {
    if (!value) throw new UsageError(`--${name} is required`);
    return value;
  };
  const positive = (name: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value) || Number(value) < 1)
      throw new UsageError(`--${name} must be a positive integer, got "${value}"`);
    return Number(value);
  };
  const poolId = positive('pool', need('pool', values.pool))!;
  let poolRegistry = values['pool-registry'] as Address | undefined;
  let attestationRegistry = values['attestation-registry'] as Address | undefined;
  let feed = values.feed as Address | undefined;
  let token = values.token as Address | undefined;
  let fromBlock = values['from-block'] === undefined ? undefined : BigInt(values['from-block']);
  if (values.deployment) {
    const deployment = JSON.parse(readFileSync(values.deployment, 'utf8')) as {
      deployedAtBlock?: string;
      contracts: { poolRegistry: Address; attestationRegistry: Address };
      pools: Array<{ poolId: number; feed: Address; token: Address }>;
    };
    poolRegistry ??= deployment.contracts.poolRegistry;
    attestationRegistry ??= deployment.contracts.attestationRegistry;
    const pool = deployment.pools.find((p) => p.poolId === poolId);
    feed ??= pool?.feed;
    token ??= pool?.token;
    if (fromBlock === undefined && deployment.deployedAtBlock !== undefined)
      fromBlock = BigInt(deployment.deployedAtBlock);
  }
  return {
    rpc: need('rpc', values.rpc),
    poolId,
    bundles: need('bundles', values.bundles),
    poolRegistry: need('pool-registry (or --deployment)', poolRegistry) as Address,
    attestationRegistry: need('attestation-registry (or --deployment)', attestationRegistry) as Address,
    feed,
    token,
    vkeyDir: values['vkey-dir'] ?? values.vkeys,
    vkeyFiles: parseKeyFiles(values.vkey ?? []),
    treatChainAsProduction: values['production-chain'] ?? false,
    fromEpoch: positive('from', values.from),
    toEpoch: positive('to', values.to),
    fromBlock,
    disclosures: values.disclose ?? [],
    json: values.json ?? false,
  };
}

/**
 * Runs every check and returns the report (findings of the pool and of each disclosed reading).
 *
 * @example
 * const report = await runVerify(parseVerifyArgs(process.argv.slice(2)));
 */
export async function runVerify(options: VerifyCliOptions): Promise<VerifyReport> {
  const publicClient = createPublicClient({ transport: http(options.rpc) });
  const contracts = { poolRegistry: options.poolRegistry, attestationRegistry: options.attestationRegistry };
  const report = await verifyPool({
    publicClient,
    contracts,
    poolId: options.poolId,
    feed: options.feed,
    token: options.token,
    bundles: openBundleSource(options.bundles),
    vkeyDir: options.vkeyDir,
    vkeyFiles: options.vkeyFiles,
    treatChainAsProduction: options.treatChainAsProduction,
    fromEpoch: options.fromEpoch,
    toEpoch: options.toEpoch,
    fromBlock: options.fromBlock,
  });
  if (options.disclosures.length > 0) {
    const pool = await readPool(publicClient, contracts, options.poolId);
    for (const path of options.disclosures) {
      const disclosure = JSON.parse(readFileSync(path, 'utf8')) as Disclosure;
      let root: bigint | undefined;
      try {
        const round = await publicClient.readContract({
          address: contracts.attestationRegistry,
          abi: attestationRegistryAbi,
          functionName: 'getRound',
          args: [options.poolId, BigInt(disclosure.epoch)],
        });
        root = round.stateRoot;
      } catch {
        report.findings.push({
          check: 'disclosure',
          subject: path,
          ok: false,
          message: `epoch ${disclosure.epoch} is not finalised on-chain`,
        });
      }
      if (root !== undefined) report.findings.push(...verifyDisclosure(disclosure, pool, root));
    }
  }
  report.ok = report.findings.every((f) => f.ok);
  return report;
}

/** Human-readable report. */
export function formatReport(report: VerifyReport): string {
  const lines = [`pool ${report.poolId}, epochs ${report.epochs.from}..${report.epochs.to}`];
  const mark = (f: Finding) => (!f.ok ? 'FAIL' : f.warning ? 'WARN' : 'ok  ');
  for (const f of report.findings)
    lines.push(`  ${mark(f)} ${f.check.padEnd(12)} ${f.subject}: ${f.message}`);
  const failed = report.findings.filter((f) => !f.ok);
  lines.push(
    failed.length === 0
      ? `VERIFIED: ${report.findings.length} checks passed (${report.findings.filter((f) => f.warning).length} warnings)`
      : `NOT VERIFIED: ${failed.length} of ${report.findings.length} checks failed; first: ${failed[0]!.check} ${failed[0]!.subject}: ${failed[0]!.message}`,
  );
  return lines.join('\n');
}

const isMain =
  process.argv[1] !== undefined &&
  import.meta.url.endsWith(process.argv[1].replace(/^.*\/oracle\//, '/oracle/'));
if (isMain) {
  let exitCode = 0;
  try {
    const options = parseVerifyArgs(process.argv.slice(2));
    const report = await runVerify(options);
    process.stdout.write(
      options.json
        ? `${JSON.stringify(report, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`
        : `${formatReport(report)}\n`,
    );
    exitCode = report.ok ? 0 : 1;
  } catch (error) {
    process.stderr.write(
      `${error instanceof UsageError ? `${error.message}\n${USAGE}` : (error as Error).message}\n`,
    );
    exitCode = error instanceof UsageError ? 2 : 1;
  }
  process.exit(exitCode);
}
