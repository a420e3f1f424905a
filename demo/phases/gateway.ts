/** Phase "gateway": the fleet's configuration, the broker (embedded or external) and the gateway. */
import { join } from 'node:path';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../broker/embedded.ts';
import {
  createBrokerAuth,
  type GatewayConfigInput,
  type GatewayHandle,
  sha256Hex,
  startGateway,
} from '../../gateway/index.ts';
import { epochBounds } from '../../oracle/epochs.ts';
import { type FleetConfig, parseFleetConfig } from '../../simulator/config.ts';
import { FleetGenerator } from '../../simulator/generator.ts';
import type { DemoOptions } from '../options.ts';
import { LedgerWatermark } from '../watermark.ts';
import type { DemoDeployment } from './chain.ts';
import { type DemoContext, phaseLog } from './context.ts';

const GATEWAY_ACCOUNT = { username: 'demo-gateway', password: 'demo-gateway-secret' };
const RELAY_ACCOUNT = { username: 'demo-fleet-relay', password: 'demo-fleet-relay-secret' };

/**
 * The gateway's timestamp tolerance in simulated seconds: 3 s of wall time at the run's compression (delivery
 * delays of a loaded machine), at least 2 h. The simulator's clock-skew fault puts a device 4 times further ahead.
 */
export function skewToleranceS(speed: number): number {
  return Math.max(7_200, Math.ceil(3 * speed));
}

/** The simulated fleet and the ingest side it publishes to. */
export interface DemoIngest {
  fleetConfig: FleetConfig;
  generator: FleetGenerator;
  watermark: LedgerWatermark;
  simStartTs: number;
  lastEndTs: number;
  brokerUrl: string;
  gateway: GatewayHandle;
}

function demoFleetConfig(options: DemoOptions, chain: DemoDeployment, simStartTs: number, lastEndTs: number) {
  const skewS = skewToleranceS(options.speed);
  return parseFleetConfig({
    seed: options.seed,
    start: simStartTs,
    durationS: lastEndTs - simStartTs - 1,
    intervalS: options.intervalS,
    speed: options.speed,
    pools: [
      {
        poolId: chain.pool.poolId,
        maxTariffMinorPerKwh: chain.pool.maxTariffMinorPerKwh,
        ev: { piles: options.evPiles, pilesPerStation: 4 },
        pv: { sites: options.pvSites },
      },
    ],
    faults: { ...options.faults, gatewaySkewToleranceS: skewS, clockSkewS: 4 * skewS },
    mqtt: {
      mode: options.broker ? 'pooled' : 'per-device',
      poolSize: 4,
      relayUsername: options.broker?.fleetUsername ?? RELAY_ACCOUNT.username,
      relayPassword: options.broker?.fleetPassword ?? RELAY_ACCOUNT.password,
    },
  });
}

function gatewayConfigOf(options: DemoOptions, brokerUrl: string): GatewayConfigInput {
  const { influx } = options;
  return {
    mqtt: {
      url: brokerUrl,
      // a fresh session per run: a broker that outlives the demo keeps no readings of an earlier run for it
      clientId: `demo-gateway-${Date.now().toString(36)}`,
      username: options.broker ? options.broker.username : GATEWAY_ACCOUNT.username,
      password: options.broker ? options.broker.password : GATEWAY_ACCOUNT.password,
    },
    ledgerPath: join(options.dataDir, 'gateway.duckdb'),
    http: { host: '127.0.0.1', port: 0 },
    validation: { maxClockSkewS: skewToleranceS(options.speed) },
    verify: { threads: 1 },
    logLevel: 'warn',
    ...(influx
      ? {
          timeseries: {
            kind: 'influx',
            url: influx.url,
            token: influx.token,
            org: influx.org,
            bucket: influx.bucket,
            bufferDir: join(options.dataDir, 'influx-buffer'),
            query:
              influx.query === 'victoria-metrics'
                ? { kind: 'victoria-metrics', url: influx.url }
                : { kind: 'flux' },
          },
        }
      : {}),
  };
}

/**
 * Starts the broker (unless an external one is given) and the gateway, whose clock is the simulated time of the
 * newest acknowledged message.
 */
export async function startIngest(context: DemoContext, chain: DemoDeployment): Promise<DemoIngest> {
  const { options } = context;
  const log = phaseLog(context, 'gateway');
  const { genesisTs } = chain;
  const epochLengthS = options.epochLengthS;
  const simStartTs = genesisTs + epochLengthS - options.baselineS;
  const lastEndTs = epochBounds({ poolId: chain.pool.poolId, genesisTs, epochLengthS }, options.epochs).endTs;
  const fleetConfig = demoFleetConfig(options, chain, simStartTs, lastEndTs);
  const generator = new FleetGenerator(fleetConfig);
  const watermark = new LedgerWatermark(simStartTs);
  let gateway: GatewayHandle | undefined;
  let brokerUrl: string;
  if (options.broker) {
    brokerUrl = options.broker.url;
  } else {
    const broker: EmbeddedBroker = await startEmbeddedBroker(
      createBrokerAuth(() => gateway?.registry, {
        services: [
          { username: GATEWAY_ACCOUNT.username, passwordSha256: sha256Hex(GATEWAY_ACCOUNT.password) },
        ],
        relays: [{ username: RELAY_ACCOUNT.username, passwordSha256: sha256Hex(RELAY_ACCOUNT.password) }],
      }),
    );
    context.stops.push(() => broker.close());
    brokerUrl = broker.url;
  }
  const gatewayConfig = gatewayConfigOf(options, brokerUrl);
  gateway = await startGateway(gatewayConfig, { now: () => watermark.publisherNowS() * 1000 });
  const started = gateway;
  context.stops.push(() => started.close());
  log.info(
    `gateway: ${started.apiUrl} (ledger ${gatewayConfig.ledgerPath}); broker ${brokerUrl}${options.broker ? '' : ' (embedded aedes)'}`,
  );
  return { fleetConfig, generator, watermark, simStartTs, lastEndTs, brokerUrl, gateway: started };
}
