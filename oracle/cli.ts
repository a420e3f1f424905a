/**
 * Operator CLI of the oracle.
 *
 *   npx tsx oracle/cli.ts run --gateway-config gateway.json --rpc <url> --deployment deployments/31337.json
 *       [--data-dir data/oracle] [--grace 60] [--cron "*\/10 * * * * *"] [--provers 2] [--confirmations 1]
 *       [--bundle-port 8790]           (key: ORACLE_PRIVATE_KEY, default anvil's first test key)
 *     starts the gateway and the oracle in one process (DuckDB allows one writer per ledger file).
 *
 *   npx tsx oracle/cli.ts disclose --rpc <url> --deployment <file> --pool 1 --epoch 3 --device ev-0001
 *       [--data-dir data/oracle]
 *     prints the disclosure of a device's closing reading for an auditor (`npm run verify -- --disclose <file>`).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Address, createPublicClient, type Hex, http, type PublicClient } from 'viem';
import { ANVIL_FIRST_TEST_KEY } from '../contracts/chain.ts';
import type { Deployment } from '../contracts/deploy.ts';
import { loadGatewayConfig, startGateway } from '../gateway/index.ts';
import { createBundleStore } from './bundles.ts';
import { discloseReading } from './disclose.ts';
import { startOracle } from './service.ts';
import { gatewayReadingSource } from './sources.ts';
import { readFileSync } from 'node:fs';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    'gateway-config': { type: 'string' },
    rpc: { type: 'string' },
    deployment: { type: 'string' },
    'data-dir': { type: 'string', default: join('data', 'oracle') },
    grace: { type: 'string' },
    cron: { type: 'string' },
    provers: { type: 'string' },
    confirmations: { type: 'string' },
    'bundle-port': { type: 'string' },
    pool: { type: 'string' },
    epoch: { type: 'string' },
    device: { type: 'string' },
  },
});

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}
const need = (name: string, value: string | undefined) => value ?? fail(`--${name} is required`);
const deployment = () =>
  JSON.parse(readFileSync(need('deployment', values.deployment), 'utf8')) as Deployment;
const optionalInt = (value: string | undefined) => (value === undefined ? undefined : Number(value));
const line = (value: unknown) =>
  `${JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}\n`;

const command = positionals[0];
if (command === 'run') {
  const gateway = await startGateway(loadGatewayConfig(need('gateway-config', values['gateway-config'])));
  const oracle = await startOracle(
    {
      rpcUrl: need('rpc', values.rpc),
      privateKey: (process.env.ORACLE_PRIVATE_KEY as Hex | undefined) ?? ANVIL_FIRST_TEST_KEY,
      deployment: deployment(),
      dataDir: values['data-dir'],
      graceS: optionalInt(values.grace),
      cronExpression: values.cron,
      proverConcurrency: optionalInt(values.provers),
      confirmations: optionalInt(values.confirmations),
      bundleServer: { port: optionalInt(values['bundle-port']) ?? 0, host: '127.0.0.1' },
      registrySync: { registry: gateway.registry },
    },
    {
      readings: gatewayReadingSource(gateway.ledger, gateway.registry),
      onEvent: (event) => {
        if (event.type === 'prover' && event.progress.type === 'stage') return;
        process.stdout.write(line({ at: new Date().toISOString(), ...event }));
      },
    },
  );
  gateway.attachAttestations(oracle.attestationViews);
  process.stdout.write(
    line({
      message: 'oracle started',
      gateway: gateway.apiUrl,
      epochs: `${gateway.apiUrl}/pools/:poolId/epochs`,
      bundles: oracle.bundleServer?.url,
    }),
  );
  const shutdown = async () => {
    gateway.attachAttestations(undefined);
    await oracle.stop();
    await gateway.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
} else if (command === 'disclose') {
  const d = deployment();
  const disclosure = await discloseReading({
    publicClient: createPublicClient({ transport: http(need('rpc', values.rpc)) }) as PublicClient,
    contracts: {
      poolRegistry: d.contracts.poolRegistry as Address,
      attestationRegistry: d.contracts.attestationRegistry as Address,
    },
    bundles: createBundleStore(join(values['data-dir']!, 'bundles')),
    poolId: Number(need('pool', values.pool)),
    epoch: Number(need('epoch', values.epoch)),
    deviceId: need('device', values.device),
    fromBlock: BigInt(d.deployedAtBlock ?? 0),
  });
  process.stdout.write(`${JSON.stringify(disclosure, null, 2)}\n`);
  process.exit(0);
} else {
  fail('usage: oracle/cli.ts run ... | disclose ... (see the header of oracle/cli.ts)');
}
