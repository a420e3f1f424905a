/**
 * Pre-test step (`npm test` runs it first, `.ci/run` too): makes sure every Debian server the test suite
 * starts is installed. When one is missing and this process can install (root, apt-get present), it runs
 * `apt-get update && apt-get install -y <missing>`; otherwise it stops before any test, naming the one
 * command to run.
 *
 * Usage: `npx tsx scripts/test-servers.ts [--check]` (`--check` never installs).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { BaseError } from '../lib/errors.ts';
import { createProgram, runCli } from '../lib/cli/index.ts';

/** A Debian package the tests start as a server, and where its executable may live. */
export interface TestServer {
  /** Debian package name (also the executable's name). */
  readonly package: string;
  /** Absolute paths where the package installs its executable (PATH may lack /usr/sbin). */
  readonly executables: readonly string[];
}

/** Every Debian server the test suite uses: the one list for the pre-test step, CI and the test helpers. */
export const TEST_SERVERS = Object.freeze({
  mosquitto: { package: 'mosquitto', executables: ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'] },
  victoriaMetrics: {
    package: 'victoria-metrics',
    executables: ['/usr/bin/victoria-metrics', '/usr/sbin/victoria-metrics'],
  },
} as const satisfies Record<string, TestServer>);

/** What the pre-test step must do. */
export type ServerPlan =
  | { readonly action: 'none' }
  | { readonly action: 'install'; readonly packages: readonly string[]; readonly command: string }
  | { readonly action: 'stop'; readonly packages: readonly string[]; readonly command: string };

/** The packages of `servers` none of whose executables exists. */
export function missingPackages(
  servers: readonly TestServer[],
  exists: (path: string) => boolean = existsSync,
): string[] {
  return servers.filter((s) => !s.executables.some((path) => exists(path))).map((s) => s.package);
}

/** The shell command that installs `packages` on Debian. */
export function installCommand(packages: readonly string[]): string {
  return `apt-get update && apt-get install -y ${packages.join(' ')}`;
}

/**
 * Decides the pre-test step: nothing when nothing is missing; install when this process is root and has
 * apt-get; otherwise stop with the command to run (prefixed with `sudo` when only root is lacking).
 */
export function planServers(missing: readonly string[], can: { root: boolean; aptGet: boolean }): ServerPlan {
  if (missing.length === 0) return { action: 'none' };
  const command = installCommand(missing);
  if (can.root && can.aptGet) return { action: 'install', packages: missing, command };
  const asRoot = can.root ? command : `sudo sh -c '${command}'`;
  return { action: 'stop', packages: missing, command: asRoot };
}

/** A test server is missing and cannot be installed by this process. */
export class MissingServersError extends BaseError {
  override name = 'MissingServersError';
  constructor(plan: Extract<ServerPlan, { action: 'stop' }>, why: string) {
    const verb = plan.packages.length > 1 ? 'are' : 'is';
    super(`the tests need ${plan.packages.join(', ')}, which ${verb} not installed`, {
      details: why,
      hint: `run: ${plan.command}`,
    });
  }
}

/** apt-get failed: its exit status and the command, so it can be run by hand. */
export class ServerInstallError extends BaseError {
  override name = 'ServerInstallError';
}

function hasAptGet(): boolean {
  return spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
}

function runApt(args: readonly string[], command: string): void {
  const result = spawnSync('apt-get', [...args], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.status !== 0) {
    throw new ServerInstallError(`apt-get ${args[0]} failed (exit ${result.status ?? result.signal})`, {
      hint: `run by hand: ${command}`,
    });
  }
}

/** Checks the servers and installs or stops as {@link planServers} decides. */
export function ensureTestServers(options: { installAllowed: boolean; log: (line: string) => void }): void {
  const missing = missingPackages(Object.values(TEST_SERVERS));
  const aptGet = missing.length > 0 && hasAptGet();
  const root = process.getuid?.() === 0;
  const plan = planServers(missing, { root: root && options.installAllowed, aptGet });
  if (plan.action === 'none') return;
  if (plan.action === 'stop') {
    const why = !aptGet
      ? 'apt-get is not available here'
      : !root
        ? 'this process is not root'
        : 'installing is off (--check)';
    throw new MissingServersError(plan, why);
  }
  options.log(`test servers missing: ${plan.packages.join(', ')}; running ${plan.command}`);
  runApt(['update'], plan.command);
  runApt(['install', '-y', ...plan.packages], plan.command);
  const still = missingPackages(Object.values(TEST_SERVERS));
  if (still.length > 0) {
    throw new ServerInstallError(`${still.join(', ')} still missing after apt-get install`, {
      hint: 'check the apt sources (victoria-metrics is in Debian 12 and later)',
    });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const program = createProgram('test-servers', 'Installs the Debian servers the tests start, or says how to')
    .option('--check', 'only check; never install')
    .action((options) => {
      ensureTestServers({ installAllowed: !options.check, log: (line) => process.stderr.write(`${line}\n`) });
    });
  await runCli(program);
}
