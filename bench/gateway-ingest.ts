/**
 * Gateway ingest benchmark: signed readings per second through a real broker into the evidence
 * ledger with every validation on (schema, registry, signature in worker threads, sequence,
 * timestamp, registers, plausibility) and the time-series hand-off; publish -> ledger latency at a
 * steady rate; resident memory with many registered devices.
 *
 *   npm run bench:gateway
 *   npm run bench:gateway -- --messages 60000 --devices 5000 --threads 2 --rate 5000 --latency-rate 1000,300 --memory 10000,20000
 *   npm run bench:gateway -- --skip latency,memory,aedes     (parts: throughput, aedes, mosquitto, latency, memory)
 *   node --cpu-prof --import tsx bench/gateway-ingest.ts --skip latency,memory --profile-publisher /tmp/prof
 *
 * Messages are signed before timing (and cached in .cache/bench/). The publisher is a separate
 * process (bench/gateway-publisher.mjs): the simulator's side, which for the aedes path also hosts
 * the embedded broker with authentication, as the simulator does; mosquitto is its own process.
 * The gateway runs with its default batching (2,000 readings / 50 ms). A reading counts once the gateway
 * reports its batch committed to the ledger. Because cached
 * messages carry fixed timestamps, the skew limit is widened (the check still runs). CPU seconds
 * are reported per process (gateway; publisher, with aedes; mosquitto). Prints the figures and
 * writes bench/results/gateway-ingest.json.
 */
import { fork, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startEmbeddedBroker } from '../broker/embedded.ts';
import { sha256Hex } from '../gateway/broker-auth.ts';
import { openGatewayDb } from '../gateway/db.ts';
import { type CommittedBatch, type GatewayHandle, startGateway } from '../gateway/index.ts';
import { Registry } from '../gateway/registry/registry.ts';
import type { DeviceRegistration } from '../gateway/registry/types.ts';
import {
  derivePublicKey,
  generatePrivateKey,
  type PublicKey,
  serializeReading,
  signReading,
  topicFor,
} from '../protocol/index.ts';
import { createProgram, Option, parsePositiveInt } from '../lib/cli/index.ts';
import { intListArg, nameListArg, parseBenchCommandLine } from './support/cli.ts';
import { startMosquitto } from '../tests/support/mosquitto.ts';

const PARTS = ['throughput', 'aedes', 'mosquitto', 'latency', 'memory'] as const;

/** The command line of the gateway ingest benchmark. */
export function buildGatewayIngestBenchProgram() {
  return createProgram(
    'bench:gateway',
    'Gateway ingest: readings per second into the evidence ledger, latency, memory (writes bench/results/gateway-ingest.json)',
  )
    .option('--messages <n>', 'pre-signed readings of the throughput runs', parsePositiveInt, 60_000)
    .option('--devices <n>', 'devices of the throughput runs', parsePositiveInt, 5_000)
    .option('--threads <n>', 'signature verification threads of the gateway', parsePositiveInt, 2)
    .addOption(
      new Option('--latency-rate <list>', 'comma-separated rates (readings/s) of the latency runs')
        .argParser(intListArg(1))
        .default([1_000, 300], '1000,300'),
    )
    .option('--latency-seconds <n>', 'seconds of each latency run', parsePositiveInt, 10)
    .addOption(
      new Option('--memory <list>', 'comma-separated registered-device counts of the memory runs')
        .argParser(intListArg(1))
        .default([10_000, 20_000], '10000,20000'),
    )
    .option(
      '--memory-child <devices>',
      'internal: run one memory measurement in this process',
      parsePositiveInt,
    )
    .addOption(
      new Option(`--skip <parts>`, `comma-separated parts to skip (${PARTS.join(', ')})`)
        .argParser(nameListArg(PARTS))
        .default([], 'none'),
    )
    .addOption(
      new Option('--rate <list>', 'offered rates (readings/s) of paced throughput runs, after the burst runs')
        .argParser(intListArg(1))
        .default([5_000], '5000'),
    )
    .option(
      '--profile-publisher <dir>',
      'write a CPU profile of the publisher process (with aedes, the broker) into this folder',
    );
}

const { options: values } = await parseBenchCommandLine(buildGatewayIngestBenchProgram());
const log = (line: string) => process.stdout.write(`${line}\n`);
const BASE_TS = 1_767_225_600;
const POOL = {
  poolId: 1,
  currency: 'CNY',
  decimals: 2,
  maxTariffMinorPerKwh: 190n,
  epochLengthS: 86_400,
  genesisTs: BASE_TS,
};
const RELAY = { username: 'bench-relay', password: 'bench-relay-secret' };
const GATEWAY = { username: 'gateway', password: 'gateway-secret' };
const cacheDir = join(import.meta.dirname, '..', '.cache', 'bench');

interface Fleet {
  devices: Array<{ deviceId: string; privateKey: string; publicKey: PublicKey }>;
  messages: Array<[string, string]>;
}

/** D devices, each sending readings every 60 s (120 kW piles, 1 kWh and 150 fen per reading), interleaved. */
function prepareFleet(
  deviceCount: number,
  messageCount: number,
  tag: string,
): { fleet: Fleet; file: string } {
  mkdirSync(cacheDir, { recursive: true });
  const file = join(cacheDir, `gateway-${tag}-${deviceCount}-${messageCount}.json`);
  const fleetFile = `${file}.fleet.json`;
  if (existsSync(file) && existsSync(fleetFile)) {
    return {
      fleet: {
        devices: JSON.parse(readFileSync(fleetFile, 'utf8')),
        messages: JSON.parse(readFileSync(file, 'utf8')),
      },
      file,
    };
  }
  const started = performance.now();
  const devices = Array.from({ length: deviceCount }, (_, i) => {
    const privateKey = generatePrivateKey();
    return { deviceId: `ev-${tag}-${i}`, privateKey, publicKey: derivePublicKey(privateKey) };
  });
  const messages: Array<[string, string]> = [];
  for (let seq = 1; messages.length < messageCount; seq++) {
    for (const d of devices) {
      if (messages.length >= messageCount) break;
      const reading = signReading(
        {
          v: 1,
          kind: 'ev',
          poolId: 1,
          deviceId: d.deviceId,
          seq,
          ts: BASE_TS + seq * 60,
          energyWh: seq * 1000,
          revenueMinor: seq * 150,
          powerW: 60_000,
          sessionId: 1,
        },
        d.privateKey,
      );
      messages.push([topicFor(1, d.deviceId), serializeReading(reading)]);
    }
  }
  writeFileSync(file, JSON.stringify(messages));
  writeFileSync(fleetFile, JSON.stringify(devices));
  log(
    `  signed ${messages.length} readings of ${deviceCount} devices in ${((performance.now() - started) / 1000).toFixed(1)} s (cached in ${file})`,
  );
  return { fleet: { devices, messages }, file };
}

function registrations(fleet: Fleet): DeviceRegistration[] {
  return fleet.devices.map((d) => ({
    deviceId: d.deviceId,
    poolId: 1,
    kind: 'ev',
    siteId: 'site-1',
    ratedPowerW: 120_000,
    publicKey: d.publicKey,
    mqttPasswordSha256: sha256Hex(`pw-${d.deviceId}`),
  }));
}

async function gatewayFor(
  url: string,
  fleet: Fleet,
  onBatch?: (b: CommittedBatch) => void,
): Promise<GatewayHandle> {
  const dir = join(tmpdir(), `bench-gateway-${process.pid}-${Date.now()}`);
  const ledgerPath = join(dir, 'gateway.duckdb');
  const db = await openGatewayDb(ledgerPath);
  const registry = await Registry.open(db);
  await registry.addPool(POOL);
  await registry.registerDevices(registrations(fleet));
  db.close();
  return startGateway(
    {
      mqtt: { url, clientId: `bench-gateway-${Date.now()}`, ...GATEWAY },
      ledgerPath,
      http: { host: '127.0.0.1', port: 0 },
      verify: { threads: values.threads },
      validation: { maxClockSkewS: 2_000_000_000 },
      logLevel: 'warn',
    },
    onBatch ? { onBatchCommitted: onBatch } : {},
  );
}

function histogramSum(gateway: GatewayHandle, name: 'ledgerWriteSeconds'): Promise<number> {
  return gateway.metrics[name]
    .get()
    .then((m) => m.values.find((v) => v.metricName?.endsWith('_sum'))?.value ?? 0);
}

/** User + system CPU seconds a process has used so far (Linux /proc). */
function processCpuS(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** The publisher process (bench/gateway-publisher.mjs) and its replies, in order. */
function startPublisher() {
  const child = fork(new URL('./gateway-publisher.mjs', import.meta.url), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [
      '--import',
      'tsx',
      ...(values.profilePublisher ? ['--cpu-prof', `--cpu-prof-dir=${values.profilePublisher}`] : []),
    ],
  });
  const replies: unknown[] = [];
  const waiting: Array<(reply: unknown) => void> = [];
  let exited: Error | undefined;
  child.on('message', (reply) => {
    const next = waiting.shift();
    if (next) next(reply);
    else replies.push(reply);
  });
  child.once('exit', (code) => {
    exited = new Error(`publisher process exited with code ${code}`);
  });
  return {
    pid: child.pid,
    /** Sends `message` and resolves with the next reply (rejects if the process is gone). */
    async request<T>(message: object): Promise<T> {
      child.send(message);
      if (replies.length > 0) return replies.shift() as T;
      return new Promise<T>((resolve, reject) => {
        const timer = setInterval(() => {
          if (exited) {
            clearInterval(timer);
            reject(exited);
          }
        }, 200);
        waiting.push((reply) => {
          clearInterval(timer);
          resolve(reply as T);
        });
      });
    },
    async stop(): Promise<void> {
      if (exited) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.send({ stop: true });
      await gone;
    },
  };
}

/**
 * Readings per second from the first publish to the last commit. Burst (ratePerS 0): everything
 * is published as fast as the publisher can (up to 2,000 unacknowledged by the broker), so the
 * figure is the rate at which the gateway drains a backlog. Paced: the publisher offers
 * `ratePerS` steadily; the gateway keeps up when the commit rate matches and the backlog stays small.
 */
async function throughput(brokerKind: 'aedes' | 'mosquitto', fleet: Fleet, file: string, ratePerS = 0) {
  // The simulator's side (the publishing client and, for aedes, the broker it hosts) is its own
  // process, as in a deployment: it shares the machine's 2 cores with the gateway, not its event loop.
  const publisher = startPublisher();
  let url: string;
  let stopBroker: () => Promise<void>;
  let brokerCpuS: () => number | undefined = () => undefined;
  if (brokerKind === 'aedes') {
    const ready = await publisher.request<{ brokerUrl: string }>({
      file,
      fleetFile: `${file}.fleet.json`,
      maxInFlight: 2000,
      ...RELAY,
      broker: { services: [GATEWAY], relays: [RELAY] },
    });
    url = ready.brokerUrl;
    stopBroker = async () => undefined; // stopped with the publisher process
  } else {
    const broker = await startMosquitto();
    url = broker.url;
    const pid = broker.child.pid;
    if (pid !== undefined) brokerCpuS = () => processCpuS(pid);
    stopBroker = () => broker.stop();
    await publisher.request({ file, maxInFlight: 2000 }); // mosquitto here allows anonymous clients
  }
  let firstReceivedMs = 0;
  let lastCommitMs = 0;
  let committed = 0;
  const gateway = await gatewayFor(url, fleet, (b) => {
    committed += b.readings.length;
    lastCommitMs = b.committedAtMs;
    if (firstReceivedMs === 0 && b.readings[0]) firstReceivedMs = b.readings[0].receivedAtMs;
  });
  const publisherCpuS = () => (publisher.pid === undefined ? undefined : processCpuS(publisher.pid));
  const cpuBefore = process.cpuUsage();
  const brokerCpuBefore = brokerCpuS();
  const publisherCpuBefore = publisherCpuS();
  let maxQueueDepth = 0;
  const sampler = setInterval(() => {
    maxQueueDepth = Math.max(maxQueueDepth, gateway.queueDepth());
  }, 10);
  const { publishedMs, startedMs } = await publisher.request<{ publishedMs: number; startedMs: number }>({
    publish: url,
    ratePerS,
  });
  const deadline = Date.now() + 600_000;
  while (
    committed < fleet.messages.length &&
    Date.now() < deadline &&
    gateway.health().failure === undefined
  ) {
    await new Promise((r) => setTimeout(r, 10));
  }
  clearInterval(sampler);
  const cpu = process.cpuUsage(cpuBefore);
  const brokerCpuAfter = brokerCpuS();
  const publisherCpuAfter = publisherCpuS();
  // The gateway process: main thread and verification workers.
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const counts = gateway.counts();
  const elapsedS = (lastCommitMs - startedMs) / 1000;
  const delta = (after: number | undefined, before: number | undefined) =>
    after === undefined || before === undefined ? undefined : Number((after - before).toFixed(1));
  const result = {
    broker: brokerKind,
    offeredRatePerS: ratePerS === 0 ? 'burst' : ratePerS,
    messages: fleet.messages.length,
    accepted: counts.accepted,
    rejected: counts.rejected,
    readingsPerS: Math.round(counts.accepted / elapsedS),
    gatewayCpuS: Number(cpuS.toFixed(1)),
    readingsPerGatewayCpuS: Math.round(counts.accepted / cpuS),
    /** The publishing client and, for aedes, the broker it hosts. */
    publisherProcessCpuS: delta(publisherCpuAfter, publisherCpuBefore),
    mosquittoCpuS: delta(brokerCpuAfter, brokerCpuBefore),
    loadAverage1m: Number(loadavg()[0]?.toFixed(1)),
    elapsedS: Number(elapsedS.toFixed(2)),
    publishS: Number((publishedMs / 1000).toFixed(2)),
    /** Last commit after the last publish acknowledged by the broker. */
    lagAfterPublishS: Number(((lastCommitMs - startedMs - publishedMs) / 1000).toFixed(2)),
    /** Most messages received and not yet committed and acknowledged, sampled every 10 ms. */
    maxQueueDepth,
    ledgerWriteS: Number((await histogramSum(gateway, 'ledgerWriteSeconds')).toFixed(2)),
    batches: counts.batches,
  };
  await gateway.close();
  await publisher.stop();
  await stopBroker();
  log(
    `  ${brokerKind} ${ratePerS === 0 ? 'burst' : `paced at ${ratePerS}/s`}: ${result.accepted}/${result.messages} accepted in ${result.elapsedS} s = ${result.readingsPerS} readings/s ` +
      `(committed ${result.lagAfterPublishS} s after the last publish; gateway queue up to ${maxQueueDepth}) ` +
      `(gateway CPU ${result.gatewayCpuS} s = ${result.readingsPerGatewayCpuS} readings per CPU-second; ` +
      `publisher${brokerKind === 'aedes' ? ' + aedes' : ''} process CPU ${result.publisherProcessCpuS} s; ` +
      (result.mosquittoCpuS !== undefined ? `mosquitto CPU ${result.mosquittoCpuS} s; ` : '') +
      `load ${result.loadAverage1m}; ledger writes ${result.ledgerWriteS} s over ${result.batches} batches)`,
  );
  return result;
}

async function latency(fleet: Fleet, rate: number) {
  const broker = await startEmbeddedBroker();
  const publishedAt = new Map<string, number>();
  const latenciesMs: number[] = [];
  const gateway = await gatewayFor(broker.url, fleet, (b) => {
    for (const r of b.readings) {
      const t = publishedAt.get(`${r.deviceId}/${r.seq}`);
      if (t !== undefined) latenciesMs.push(b.committedAtMs - t);
    }
  });
  const client = mqtt.connect(broker.url, { clientId: 'bench-latency' });
  await new Promise((r) => client.once('connect', r));
  const total = Math.min(fleet.messages.length, rate * values.latencySeconds);
  const perTick = Math.max(1, Math.round(rate / 100));
  let next = 0;
  await new Promise<void>((resolve) => {
    const started = Date.now();
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * rate) + perTick);
      while (next < due) {
        const [topic, payload] = fleet.messages[next++] as [string, string];
        const { deviceId, seq } = JSON.parse(payload) as { deviceId: string; seq: number };
        publishedAt.set(`${deviceId}/${seq}`, Date.now());
        client.publish(topic, payload, { qos: 1 });
      }
      if (next >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 10);
  });
  const deadline = Date.now() + 60_000;
  while (latenciesMs.length < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  client.end();
  await gateway.close();
  await broker.close();
  latenciesMs.sort((a, b) => a - b);
  const pct = (p: number) =>
    latenciesMs[Math.min(latenciesMs.length - 1, Math.floor((p / 100) * latenciesMs.length))] ?? NaN;
  const result = {
    ratePerS: rate,
    readings: latenciesMs.length,
    p50Ms: pct(50),
    p90Ms: pct(90),
    p99Ms: pct(99),
    maxMs: latenciesMs.at(-1),
  };
  log(
    `  publish -> ledger at ${rate}/s over ${result.readings} readings: p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, max ${result.maxMs} ms`,
  );
  return result;
}

/** `count` public keys, derived once and cached. */
function publicKeys(count: number): PublicKey[] {
  mkdirSync(cacheDir, { recursive: true });
  const file = join(cacheDir, 'gateway-public-keys.json');
  const cached: PublicKey[] = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : [];
  if (cached.length < count) {
    while (cached.length < count) cached.push(derivePublicKey(generatePrivateKey()));
    writeFileSync(file, JSON.stringify(cached));
  }
  return cached.slice(0, count);
}

/** Child mode: a gateway with D registered devices (synthetic public keys) and one ledger head per device. */
async function memoryChild(deviceCount: number): Promise<void> {
  const dir = join(tmpdir(), `bench-gateway-mem-${process.pid}`);
  const ledgerPath = join(dir, 'gateway.duckdb');
  const db = await openGatewayDb(ledgerPath);
  const registry = await Registry.open(db);
  await registry.addPool(POOL);
  const keys = publicKeys(deviceCount);
  const regs: DeviceRegistration[] = keys.map((publicKey, i) => ({
    deviceId: `ev-mem-${i}`,
    poolId: 1,
    kind: 'ev',
    siteId: `site-${Math.floor(i / 4)}`,
    ratedPowerW: 120_000,
    publicKey,
    mqttPasswordSha256: sha256Hex(`pw-${i}`),
  }));
  await registry.registerDevices(regs);
  await db.writer.run(
    `INSERT INTO readings SELECT device_id, 1, 1, 'ev', ${BASE_TS}, 1000, 150, 0, 1, NULL, '1', '2', '3', 0, 0, true, true, 0, '{}' FROM devices`,
  );
  db.close();
  const broker = await startEmbeddedBroker();
  global.gc?.();
  const before = process.memoryUsage().rss;
  const gateway = await startGateway({
    mqtt: { url: broker.url, clientId: 'bench-mem' },
    ledgerPath,
    http: { host: '127.0.0.1', port: 0 },
    verify: { threads: values.threads },
    logLevel: 'warn',
    timeseries: { kind: 'none' },
  });
  await new Promise((r) => setTimeout(r, 1000));
  global.gc?.();
  const rss = process.memoryUsage().rss;
  process.stdout.write(
    `${JSON.stringify({ devices: deviceCount, rssMiB: Math.round(rss / 2 ** 20), baselineRssMiB: Math.round(before / 2 ** 20), heads: gateway.registry.listDevices().length })}\n`,
  );
  await gateway.close();
  await broker.close();
}

async function main(): Promise<void> {
  if (values.memoryChild !== undefined) return memoryChild(values.memoryChild);
  const skip = new Set<string>(values.skip);
  const results: Record<string, unknown> = {
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadAverage: loadavg() },
    verifyThreads: values.threads,
  };
  const deviceCount = values.devices;
  const messageCount = values.messages;
  log(
    `gateway ingest benchmark: ${messageCount} pre-signed readings of ${deviceCount} devices, ${values.threads} verify threads`,
  );
  if (!skip.has('throughput')) {
    const { fleet, file } = prepareFleet(deviceCount, messageCount, 'tp');
    const throughputs: unknown[] = [];
    const rates = [0, ...values.rate];
    for (const rate of rates) {
      if (!skip.has('aedes')) throughputs.push(await throughput('aedes', fleet, file, rate));
      if (!skip.has('mosquitto')) throughputs.push(await throughput('mosquitto', fleet, file, rate));
    }
    results.throughput = throughputs;
  }
  if (!skip.has('latency')) {
    results.latency = [];
    for (const rate of values.latencyRate) {
      const { fleet } = prepareFleet(200, rate * values.latencySeconds, `lat${rate}`);
      (results.latency as unknown[]).push(await latency(fleet, rate));
    }
  }
  if (!skip.has('memory')) {
    results.memory = [];
    for (const d of values.memory) {
      const child = spawnSync(
        process.execPath,
        [
          '--expose-gc',
          '--import',
          'tsx',
          'bench/gateway-ingest.ts',
          '--memory-child',
          String(d),
          '--threads',
          String(values.threads),
        ],
        { cwd: join(import.meta.dirname, '..'), encoding: 'utf8', timeout: 300_000 },
      );
      const line = child.stdout
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('{"devices"'))
        .at(-1);
      if (!line) throw new Error(`memory child failed:\n${child.stdout}\n${child.stderr}`);
      const m = JSON.parse(line) as { devices: number; rssMiB: number };
      (results.memory as unknown[]).push(m);
      log(
        `  resident memory with ${m.devices} registered devices: ${m.rssMiB} MiB (gateway process, ${values.threads} verify threads)`,
      );
    }
  }
  mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
  writeFileSync(
    join(import.meta.dirname, 'results', 'gateway-ingest.json'),
    `${JSON.stringify(results, null, 2)}\n`,
  );
  log('wrote bench/results/gateway-ingest.json');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
