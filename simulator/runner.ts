import type { DeviceKind } from '../protocol/index.ts';
import { startEmbeddedBroker } from '../broker/embedded.ts';
import { type Logger, silentLogger } from '../lib/log.ts';
import { type BrokerAccount, fleetBrokerAuth } from './broker-auth.ts';
import type { FleetConfig } from './config.ts';
import { type ConnectionMode, openConnections } from './connections.ts';
import { FleetGenerator, type FleetStats, type SimMessage } from './generator.ts';
import { ParallelFleetGenerator } from './parallel/parallel-generator.ts';
import { SimClock } from './sim-clock.ts';

/** Progress of a live run, reported about once a second. */
export interface RunProgress {
  readonly simNowTs: number;
  /** How far publishing runs behind the simulated clock, simulated seconds (0 when on time or unpaced). */
  readonly lagS: number;
  readonly published: number;
  readonly acked: number;
  readonly publishedByKind: Readonly<Record<DeviceKind, number>>;
  readonly inFlight: number;
  /** Share of planned reading slots done, 0..1. */
  readonly fraction: number;
}

/** Result of a live run. */
export interface RunSummary {
  readonly stats: FleetStats;
  readonly brokerUrl: string;
  readonly mode: ConnectionMode;
  readonly clients: number;
  readonly published: number;
  readonly acked: number;
  readonly publishErrors: number;
  readonly publishedByKind: Readonly<Record<DeviceKind, number>>;
  readonly elapsedMs: number;
  readonly simulatedS: number;
  readonly messagesPerSecond: number;
}

/** Options of {@link runFleet}. */
export interface RunFleetOptions {
  readonly config: FleetConfig;
  /** Default: a new generator from `config` (parallel when `config.signingThreads` > 1). */
  readonly generator?: FleetGenerator | ParallelFleetGenerator;
  /** Default: `config.mqtt.url`; with neither, an embedded broker is started and stopped. */
  readonly brokerUrl?: string;
  /** Accounts allowed on the embedded broker besides the devices and the relay (e.g. a subscriber). */
  readonly brokerServices?: readonly BrokerAccount[];
  /** Called once the broker is reachable and the clock started. */
  readonly onStart?: (info: {
    brokerUrl: string;
    clock: SimClock;
    generator: FleetGenerator | ParallelFleetGenerator;
  }) => void;
  readonly onProgress?: (progress: RunProgress) => void;
  /** Called for each message after its PUBACK. */
  readonly onAcked?: (message: SimMessage) => void;
  /**
   * Called whenever nothing is in flight any more: every message published so far (the last one at simulated
   * time `lastPublishTs`) has been acknowledged or failed. Messages not yet published have `publishTs >= lastPublishTs`.
   */
  readonly onSettled?: (info: { published: number; acked: number; lastPublishTs: number }) => void;
  readonly progressIntervalMs?: number;
  readonly signal?: AbortSignal;
  /** Logger (the runner logs under `component: 'simulator'`, its embedded broker under `'broker'`). Default: silent. */
  readonly logger?: Logger;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Runs the fleet live: opens the devices' MQTT connections, publishes every message of the generator
 * with QoS 1 at its simulated time (compressed by `config.speed`), keeps at most
 * `config.mqtt.maxInFlight` publishes awaiting PUBACK, and returns the counts.
 *
 * @example
 * const summary = await runFleet({ config: parseFleetConfig(json) });
 * console.log(summary.published, summary.stats.faults);
 */
export async function runFleet(options: RunFleetOptions): Promise<RunSummary> {
  const { config } = options;
  const logger = options.logger ?? silentLogger();
  const log = logger.child({ component: 'simulator' });
  const generator =
    options.generator ??
    (config.signingThreads > 1
      ? new ParallelFleetGenerator(config, { threads: config.signingThreads })
      : new FleetGenerator(config));
  const keys = generator.devices.map((d) => generator.keys.get(d.deviceId)!);
  const relay = { username: config.mqtt.relayUsername, password: config.mqtt.relayPassword };
  let brokerUrl = options.brokerUrl ?? config.mqtt.url;
  const broker =
    brokerUrl === undefined
      ? await startEmbeddedBroker({
          ...fleetBrokerAuth(generator.keys, { services: options.brokerServices ?? [], relays: [relay] }),
          logger,
        })
      : undefined;
  brokerUrl ??= broker!.url;
  const mode: ConnectionMode =
    config.mqtt.mode === 'auto'
      ? keys.length <= config.mqtt.perDeviceLimit
        ? 'per-device'
        : 'pooled'
      : config.mqtt.mode;
  const startedMs = Date.now();
  const connections = await openConnections(keys, {
    url: brokerUrl,
    mode,
    poolSize: config.mqtt.poolSize,
    relayUsername: relay.username,
    relayPassword: relay.password,
  }).catch(async (error) => {
    await broker?.close();
    throw error;
  });

  log.info(
    { brokerUrl, mode, clients: connections.clientCount, devices: keys.length, speed: config.speed },
    'fleet connected; publishing',
  );
  const clock = new SimClock(generator.startTs, config.speed);
  clock.start();
  options.onStart?.({ brokerUrl, clock, generator });
  const publishedByKind: Record<DeviceKind, number> = { ev: 0, pv: 0 };
  let published = 0;
  let acked = 0;
  let publishErrors = 0;
  let inFlight = 0;
  let lastPublishTs = generator.startTs;
  let drained: (() => void) | undefined;
  let lastProgressMs = Date.now();
  const progressIntervalMs = options.progressIntervalMs ?? 1000;
  const report = (simNowTs: number) => {
    options.onProgress?.({
      simNowTs,
      lagS: config.speed > 0 ? Math.max(0, clock.nowS() - simNowTs) : 0,
      published,
      acked,
      publishedByKind: { ...publishedByKind },
      inFlight,
      fraction: config.durationS === 0 ? 1 : Math.min(1, (simNowTs - generator.startTs) / config.durationS),
    });
  };

  try {
    let sinceYield = 0;
    for await (const message of generator) {
      if (options.signal?.aborted) break;
      if (config.speed > 0) {
        const waitMs = clock.wallTimeOf(message.publishTs) - Date.now();
        if (waitMs > 1) await sleep(waitMs);
      }
      while (inFlight >= config.mqtt.maxInFlight) {
        await new Promise<void>((resolve) => {
          drained = resolve;
        });
      }
      inFlight += 1;
      published += 1;
      lastPublishTs = message.publishTs;
      publishedByKind[message.kind] += 1;
      connections.clientFor(message.deviceId).publish(message.topic, message.payload, { qos: 1 }, (error) => {
        inFlight -= 1;
        if (error) {
          publishErrors += 1;
          // the first failure says why; the count is in the summary
          if (publishErrors === 1) log.warn({ deviceId: message.deviceId, err: error }, 'publish failed');
        } else {
          acked += 1;
          options.onAcked?.(message);
        }
        if (inFlight === 0) options.onSettled?.({ published, acked, lastPublishTs });
        if (drained !== undefined && inFlight < config.mqtt.maxInFlight) {
          const resolve = drained;
          drained = undefined;
          resolve();
        }
      });
      if (++sinceYield >= 50) {
        sinceYield = 0;
        await yieldToLoop();
      }
      if (Date.now() - lastProgressMs >= progressIntervalMs) {
        lastProgressMs = Date.now();
        report(message.publishTs);
      }
    }
    while (inFlight > 0) {
      await new Promise<void>((resolve) => {
        drained = resolve;
      });
      if (inFlight > 0) await sleep(5);
    }
    report(generator.endTs);
  } finally {
    await connections.close();
    await broker?.close();
  }
  const elapsedMs = Date.now() - startedMs;
  log.info({ published, acked, publishErrors, elapsedMs }, 'fleet run finished');
  return {
    stats: generator.stats,
    brokerUrl,
    mode,
    clients: connections.clientCount,
    published,
    acked,
    publishErrors,
    publishedByKind,
    elapsedMs,
    simulatedS: config.durationS,
    messagesPerSecond: published / Math.max(0.001, elapsedMs / 1000),
  };
}
