/**
 * Investor verifier CLI (`npm run verify -- [pool] --rpc <url> --pool 1 --bundles <http url | dir>
 *   (--deployment deployments/31337.json | --pool-registry <addr> --attestation-registry <addr>)
 *   [--from 1] [--to 9] [--disclose reading.json ...] [--json]`; `--help` on every command).
 * Exit code 0 when every check holds, 1 when one fails (each failure named), 2 on a usage error.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Address, createPublicClient, http } from 'viem';
import { attestationRegistryAbi } from '../contracts/abis.ts';
import { readDeployment } from '../contracts/deployment.ts';
import {
  type CliIo,
  type Command,
  createProgram,
  parseAddressArg,
  parseBigIntArg,
  parseHttpUrlArg,
  parsePositiveInt,
  runCli,
  UsageError,
} from '../lib/cli/index.ts';
import { BaseError } from '../lib/errors.ts';
import { toJson } from '../lib/json.ts';
import { openBundleSource } from '../oracle/bundles.ts';
import { readPool } from '../oracle/chain.ts';
import type { Finding } from './checks.ts';
import { type Disclosure, verifyDisclosure } from './disclosure.ts';
import { type VerifyReport, verifyPool } from './verify-pool.ts';

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

/** At least one check failed: the report says which. */
export class NotVerifiedError extends BaseError {
  override name = 'NotVerifiedError';
}

/** The flags of the `pool` command as commander parsed them. */
export interface VerifyFlags {
  rpc: string;
  pool: number;
  bundles: string;
  deployment?: string;
  poolRegistry?: Address;
  attestationRegistry?: Address;
  feed?: Address;
  token?: Address;
  vkeys?: string;
  vkeyDir?: string;
  vkey?: string[];
  productionChain?: boolean;
  from?: number;
  to?: number;
  fromBlock?: bigint;
  disclose?: string[];
  json?: boolean;
}

/** `--vkey <instance>=<file>` values as a map (throws a usage error on another form). */
function parseKeyFiles(values: readonly string[]): Record<string, string> {
  const files: Record<string, string> = {};
  for (const value of values) {
    const match = /^([a-z0-9_]+)=(.+)$/.exec(value);
    if (!match)
      throw new UsageError(`--vkey must be <instance>=<file>, got "${value}"`, {
        hint: 'e.g. --vkey epoch_demo=keys/epoch_demo.json',
      });
    files[match[1] as string] = match[2] as string;
  }
  return files;
}

/**
 * Completes the flags with the addresses of a deployment file (flags win) and checks that the registries
 * are known; throws a {@link UsageError} naming what is missing.
 */
export function resolveVerifyOptions(flags: VerifyFlags): VerifyCliOptions {
  let { poolRegistry, attestationRegistry, feed, token, fromBlock } = flags;
  if (flags.deployment) {
    const deployment = readDeployment(flags.deployment);
    poolRegistry ??= deployment.contracts.poolRegistry;
    attestationRegistry ??= deployment.contracts.attestationRegistry;
    const pool = deployment.pools.find((p) => p.poolId === flags.pool);
    feed ??= pool?.feed;
    token ??= pool?.token;
    fromBlock ??= BigInt(deployment.deployedAtBlock);
  }
  if (poolRegistry === undefined || attestationRegistry === undefined)
    throw new UsageError('--pool-registry and --attestation-registry (or --deployment) are required', {
      hint: 'pass --deployment deployments/<chainId>.json',
    });
  return {
    rpc: flags.rpc,
    poolId: flags.pool,
    bundles: flags.bundles,
    poolRegistry,
    attestationRegistry,
    feed,
    token,
    vkeyDir: flags.vkeyDir ?? flags.vkeys,
    vkeyFiles: parseKeyFiles(flags.vkey ?? []),
    treatChainAsProduction: flags.productionChain ?? false,
    fromEpoch: flags.from,
    toEpoch: flags.to,
    fromBlock,
    disclosures: flags.disclose ?? [],
    json: flags.json ?? false,
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

const collect = (value: string, previous: string[] = []) => [...previous, value];

/**
 * Builds the verifier's program: `pool` (the default command) checks a pool; `io` is replaceable in tests.
 *
 * @example
 * await runCli(buildVerifyProgram(), { exitOnSuccess: true });
 */
export function buildVerifyProgram(io?: CliIo): Command {
  const program = createProgram(
    'verify',
    "investor verifier: re-checks a pool's proofs, roots, feed and disclosures",
    io,
  );
  const write = io?.stdout ?? ((text: string) => void process.stdout.write(text));
  program
    .command('pool', { isDefault: true })
    .description('verify the attested epochs of a pool (exit 1 naming each failed check)')
    .requiredOption('--rpc <url>', 'JSON-RPC endpoint', parseHttpUrlArg)
    .requiredOption('--pool <id>', 'pool id', parsePositiveInt)
    .requiredOption('--bundles <url|dir>', 'public proof bundles: the oracle bundle server URL or a folder')
    .option('--deployment <file>', 'deployment file deployments/<chainId>.json (addresses and first block)')
    .option('--pool-registry <addr>', 'PoolRegistry address', parseAddressArg)
    .option('--attestation-registry <addr>', 'AttestationRegistry address', parseAddressArg)
    .option('--feed <addr>', "the pool's revenue feed", parseAddressArg)
    .option('--token <addr>', "the pool's revenue-share token", parseAddressArg)
    .option(
      '--vkey-dir <dir>',
      "the investor's verification keys, <dir>/<instance>/verification_key.json (default build/circuits)",
    )
    .option('--vkeys <dir>', 'the same as --vkey-dir')
    .option(
      '--vkey <instance=file>',
      'a verification key file for one circuit instance (repeatable)',
      collect,
    )
    .option(
      '--production-chain',
      'treat the chain as a production chain: a development key fails whatever the chain id',
    )
    .option('--from <epoch>', 'first epoch', parsePositiveInt)
    .option('--to <epoch>', 'last epoch', parsePositiveInt)
    .option('--from-block <n>', 'first block of the event scan', parseBigIntArg)
    .option('--disclose <reading.json>', 'a disclosed reading to check (repeatable)', collect)
    .option('--json', 'print the report as JSON')
    .action(async (flags) => {
      const options = resolveVerifyOptions(flags);
      const report = await runVerify(options);
      write(options.json ? `${toJson(report, 2)}\n` : `${formatReport(report)}\n`);
      if (!report.ok) {
        const failed = report.findings.filter((f) => !f.ok).length;
        throw new NotVerifiedError(
          `pool ${report.poolId} is NOT VERIFIED: ${failed} of ${report.findings.length} checks failed`,
          {
            hint: 'each failed check is named in the report on standard output',
          },
        );
      }
    });
  return program;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  await runCli(buildVerifyProgram(), { exitOnSuccess: true });
