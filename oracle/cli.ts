/**
 * Operator CLI of the oracle (`npm run oracle -- <command>`; `--help` on every command).
 *
 *   run       starts the gateway and the oracle in one process (DuckDB allows one writer per ledger file)
 *   disclose  prints the disclosure of a device's closing reading for an auditor
 *             (`npm run verify -- --disclose <file>`)
 *
 * Configuration: `--config oracle.json` < `ORACLE_*` variables < flags (see oracle/README.md); the key
 * comes from `ORACLE_PRIVATE_KEY` (anvil's public test key only on a local development chain).
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPublicClient, http, type PublicClient } from 'viem';
import { readDeployment } from '../contracts/deployment.ts';
import { loadGatewayConfig, startGateway } from '../gateway/index.ts';
import {
  type CliIo,
  type Command,
  createProgram,
  InvalidArgumentError,
  parseHttpUrlArg,
  parseNonNegativeInt,
  parsePort,
  parsePositiveInt,
  runCli,
  UsageError,
} from '../lib/cli/index.ts';
import { toJsonLine } from '../lib/json.ts';
import { createLogger } from '../lib/log.ts';
import { createBundleStore } from './bundles.ts';
import { loadOracleConfig, resolveOracleKey } from './config.ts';
import { discloseReading } from './disclose.ts';
import { startOracle } from './service.ts';
import { gatewayReadingSource } from './sources.ts';

/** A device id as in docs/SPEC.md section 2. */
const parseDeviceId = (text: string) => {
  if (!/^[a-z0-9][a-z0-9-]{0,30}$/.test(text))
    throw new InvalidArgumentError(`"${text}" is not a device id (^[a-z0-9][a-z0-9-]{0,30}$)`);
  return text;
};

function untilSignal(): Promise<void> {
  return new Promise((done) => {
    process.once('SIGINT', () => done());
    process.once('SIGTERM', () => done());
  });
}

function addRun(program: Command, write: (text: string) => void): void {
  program
    .command('run')
    .description('start the gateway and the oracle in one process until SIGINT or SIGTERM')
    .option('--config <path>', 'oracle configuration file (JSON)')
    .option('--gateway-config <path>', 'gateway configuration file (gatewayConfig)')
    .option('--rpc <url>', 'JSON-RPC endpoint (rpcUrl)', parseHttpUrlArg)
    .option('--deployment <path>', 'deployment file, deployments/<chainId>.json (deployment)')
    .option('--data-dir <dir>', 'job stages and proof bundles (dataDir, default data/oracle)')
    .option('--grace <s>', 'grace after an epoch for late readings, seconds (graceS)', parseNonNegativeInt)
    .option('--cron <expr>', 'node-cron expression of the epoch checks (cron)')
    .option('--provers <n>', 'parallel proofs (provers)', parsePositiveInt)
    .option(
      '--confirmations <n>',
      'confirmations before a transaction counts (confirmations)',
      parsePositiveInt,
    )
    .option('--bundle-port <port>', 'proof-bundle HTTP port, 0 picks one (bundlePort)', parsePort)
    .action(async (options) => {
      const config = loadOracleConfig({
        ...(options.config ? { file: options.config } : {}),
        flags: {
          rpcUrl: options.rpc,
          deployment: options.deployment,
          gatewayConfig: options.gatewayConfig,
          dataDir: options.dataDir,
          graceS: options.grace,
          cron: options.cron,
          provers: options.provers,
          confirmations: options.confirmations,
          bundlePort: options.bundlePort,
        },
      });
      if (config.gatewayConfig === undefined)
        throw new UsageError('no gateway configuration given', {
          hint: 'pass --gateway-config gateway.json (or gatewayConfig / ORACLE_GATEWAY_CONFIG)',
        });
      const log = createLogger({ base: { service: 'oracle' } });
      const deployment = readDeployment(config.deployment);
      const publicClient = createPublicClient({ transport: http(config.rpcUrl) }) as PublicClient;
      const privateKey = await resolveOracleKey(config.privateKey, publicClient, log);
      const gatewayConfig = loadGatewayConfig(config.gatewayConfig);
      const gateway = await startGateway(gatewayConfig, {
        logger: createLogger({ level: gatewayConfig.logLevel, base: { service: 'gateway' } }),
      });
      const oracle = await startOracle(
        {
          rpcUrl: config.rpcUrl,
          privateKey,
          deployment,
          dataDir: config.dataDir,
          graceS: config.graceS,
          cronExpression: config.cron,
          proverConcurrency: config.provers,
          confirmations: config.confirmations,
          bundleServer: { port: config.bundlePort, host: '127.0.0.1' },
          registrySync: { registry: gateway.registry },
          ceremonyTranscripts: config.ceremonyTranscripts,
        },
        {
          readings: gatewayReadingSource(gateway.ledger, gateway.registry),
          onEvent: (event) => {
            if (event.type === 'prover' && event.progress.type === 'stage') return;
            write(toJsonLine({ at: new Date().toISOString(), ...event }));
          },
        },
      );
      gateway.attachAttestations(oracle.attestationViews);
      write(
        toJsonLine({
          message: 'oracle started',
          gateway: gateway.apiUrl,
          epochs: `${gateway.apiUrl}/pools/:poolId/epochs`,
          bundles: oracle.bundleServer?.url,
        }),
      );
      await untilSignal();
      gateway.attachAttestations(undefined);
      await oracle.stop();
      await gateway.close();
    });
}

function addDisclose(program: Command, write: (text: string) => void): void {
  program
    .command('disclose')
    .description("print the disclosure of a device's closing reading in an epoch (for an auditor)")
    .requiredOption('--pool <id>', 'pool id', parsePositiveInt)
    .requiredOption('--epoch <n>', 'epoch number', parsePositiveInt)
    .requiredOption('--device <id>', 'device id', parseDeviceId)
    .option('--config <path>', 'oracle configuration file (JSON)')
    .option('--rpc <url>', 'JSON-RPC endpoint (rpcUrl)', parseHttpUrlArg)
    .option('--deployment <path>', 'deployment file (deployment)')
    .option('--data-dir <dir>', 'where the proof bundles are (dataDir, default data/oracle)')
    .action(async (options) => {
      const config = loadOracleConfig({
        ...(options.config ? { file: options.config } : {}),
        flags: { rpcUrl: options.rpc, deployment: options.deployment, dataDir: options.dataDir },
      });
      const deployment = readDeployment(config.deployment);
      const disclosure = await discloseReading({
        publicClient: createPublicClient({ transport: http(config.rpcUrl) }) as PublicClient,
        contracts: {
          poolRegistry: deployment.contracts.poolRegistry,
          attestationRegistry: deployment.contracts.attestationRegistry,
        },
        bundles: createBundleStore(join(config.dataDir, 'bundles')),
        poolId: options.pool,
        epoch: options.epoch,
        deviceId: options.device,
        fromBlock: BigInt(deployment.deployedAtBlock),
      });
      write(`${JSON.stringify(disclosure, null, 2)}\n`);
    });
}

/**
 * Builds the oracle's program; `io` is replaceable in tests.
 *
 * @example
 * await runCli(buildOracleProgram(), { exitOnSuccess: true });
 */
export function buildOracleProgram(io?: CliIo): Command {
  const program = createProgram('oracle', 'epoch proofs and attestations of the pools of a deployment', io);
  const write = io?.stdout ?? ((text: string) => void process.stdout.write(text));
  addRun(program, write);
  addDisclose(program, write);
  return program;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  await runCli(buildOracleProgram(), { exitOnSuccess: true });
