/**
 * Deployment CLI (`npm run deploy`): deploys the contracts and the demo pool and writes
 * `deployments/<chainId>.json`; `check <file>` validates a deployment file.
 *
 *   npm run deploy                                   anvil at 127.0.0.1:8545, chain 31337, anvil's first key
 *   npm run deploy -- --rpc URL --chain-id N         (key: DEPLOYER_PRIVATE_KEY, required off 31337)
 *   npm run deploy -- check deployments/31337.json
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Address, Hex } from 'viem';
import {
  type CliIo,
  type Command,
  createProgram,
  InvalidArgumentError,
  intArg,
  Option,
  parseAddressArg,
  parseHttpUrlArg,
  parsePositiveInt,
  parsePrivateKeyArg,
  runCli,
} from '../lib/cli/index.ts';
import { toJson } from '../lib/json.ts';
import { ANVIL_FIRST_TEST_KEY } from './chain.ts';
import { DeployConfigError, deployAll, type PoolDeployConfig } from './deploy.ts';
import { readDeployment } from './deployment.ts';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const LOCAL_CHAIN_IDS = new Set([31337, 1337]);

/** The pool deployed when no configuration is given: the demo circuit instances if built, else the test ones. */
export function defaultPools(options: {
  epochLengthS: number;
  genesisTs?: number;
  nowS?: number;
}): PoolDeployConfig[] {
  const demoBuilt = existsSync(join(projectRoot, 'build', 'circuits', 'epoch_demo', 'Verifier.sol'));
  const nowS = options.nowS ?? Math.floor(Date.now() / 1000);
  return [
    {
      name: 'demo',
      maxTariffMinorPerKwh: 190,
      epochLengthS: options.epochLengthS,
      genesisTs: options.genesisTs ?? nowS - (nowS % options.epochLengthS),
      investorShareBps: 7_000,
      epochVerifierInstance: demoBuilt ? 'epoch_demo' : 'epoch_test',
      registrationVerifierInstance: demoBuilt ? 'registration_demo' : 'registration_test',
    },
  ];
}

/** Refuses anvil's public test key off a local development chain. */
/** Collects repeated address options into a list. */
function collectAddress(text: string, previous: Address[] | undefined): Address[] {
  return [...(previous ?? []), parseAddressArg(text)];
}

/** Collects repeated `--ceremony instance=path` options into a record. */
function collectCeremony(text: string, previous: Record<string, string>): Record<string, string> {
  const match = /^([a-z0-9_]+)=(.+)$/.exec(text);
  if (!match)
    throw new InvalidArgumentError(
      'expected <instance>=<path of transcript.json>, e.g. epoch_demo=ceremony-out/transcript.json.',
    );
  return { ...previous, [match[1] as string]: match[2] as string };
}

export function deployerKey(chainId: number, privateKey: Hex | undefined): Hex {
  if (privateKey !== undefined) return privateKey;
  if (!LOCAL_CHAIN_IDS.has(chainId))
    throw new DeployConfigError(`refusing to deploy to chain ${chainId} with anvil's public test key`, {
      hint: 'set DEPLOYER_PRIVATE_KEY to the deployer key of that chain',
    });
  return ANVIL_FIRST_TEST_KEY;
}

/** Builds the `deploy` program; `io` is replaceable in tests. */
export function buildDeployProgram(io?: CliIo): Command {
  const program = createProgram(
    'deploy',
    'deploy the contracts and the demo pool; check deployment files',
    io,
  );
  const print = (value: unknown) =>
    (io?.stdout ?? ((t: string) => process.stdout.write(t)))(`${toJson(value, 2)}\n`);
  program
    .command('all', { isDefault: true })
    .description('deploy Poseidon, the verifiers, the registries, a test stablecoin and the demo pool')
    .addOption(
      new Option('--rpc <url>', 'JSON-RPC endpoint')
        .env('RPC_URL')
        .argParser(parseHttpUrlArg)
        .default('http://127.0.0.1:8545'),
    )
    .addOption(
      new Option('--chain-id <n>', 'chain id of the RPC')
        .env('CHAIN_ID')
        .argParser(parsePositiveInt)
        .default(31337),
    )
    .addOption(
      new Option('--epoch-length <s>', 'epoch length of the demo pool in seconds')
        .env('EPOCH_LENGTH_S')
        .argParser(parsePositiveInt)
        .default(3600),
    )
    .addOption(
      new Option(
        '--genesis <ts>',
        'genesis of the demo pool, unix seconds (default: the current epoch start)',
      )
        .env('GENESIS_TS')
        .argParser(intArg({ min: 0, max: 2 ** 32 - 1 })),
    )
    .addOption(new Option('--out <path>', 'deployment file (default deployments/<chainId>.json)'))
    .addOption(
      new Option(
        '--timelock-delay <s>',
        'minimum delay of every governed change (required off a local chain)',
      )
        .env('TIMELOCK_DELAY_S')
        .argParser(intArg({ min: 0, max: 365 * 86_400 })),
    )
    .addOption(
      new Option(
        '--proposer <addr>',
        'an account that may schedule governed changes (repeatable; default the deployer)',
      ).argParser(collectAddress),
    )
    .addOption(
      new Option(
        '--executor <addr>',
        'an account that may execute ready changes (repeatable; default the deployer)',
      ).argParser(collectAddress),
    )
    .addOption(
      new Option(
        '--ceremony <instance=transcript>',
        "a finalized ceremony's transcript.json for a circuit instance (repeat per instance); required off a local chain",
      )
        .argParser(collectCeremony)
        .default({} as Record<string, string>),
    )
    .addOption(
      new Option('--private-key <hex>', 'deployer key (prefer the variable)')
        .env('DEPLOYER_PRIVATE_KEY')
        .argParser(parsePrivateKeyArg)
        .hideHelp(),
    )
    .action(async (options) => {
      const privateKey = deployerKey(options.chainId, options.privateKey);
      const deployment = await deployAll({
        rpcUrl: options.rpc,
        chainId: options.chainId,
        privateKey,
        pools: defaultPools({ epochLengthS: options.epochLength, genesisTs: options.genesis }),
        ceremonyTranscripts: options.ceremony,
        governance: {
          ...(options.timelockDelay !== undefined ? { minDelayS: options.timelockDelay } : {}),
          ...(options.proposer ? { proposers: options.proposer } : {}),
          ...(options.executor ? { executors: options.executor } : {}),
        },
        ...(options.out ? { outFile: options.out } : {}),
      });
      print(deployment);
    });
  program
    .command('check')
    .description('validate a deployment file and print it')
    .argument('<file>', 'deployment file, e.g. deployments/31337.json')
    .action((file) => print(readDeployment(file)));
  return program;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  await runCli(buildDeployProgram(), { exitOnSuccess: true });
