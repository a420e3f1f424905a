/** The simulate command's two runs: a dry run (generate and sign, no MQTT) and a live run over MQTT. */
import { createWriteStream } from 'node:fs';
import type { CliIo } from '../lib/cli/index.ts';
import type { SimulatorCommand } from './cli.ts';
import { buildFleet } from './fleet.ts';
import { FleetGenerator } from './generator.ts';
import { loadOrCreateFleetKeys } from './keys.ts';
import { ParallelFleetGenerator } from './parallel/parallel-generator.ts';
import { type RunProgress, runFleet } from './runner.ts';
import { formatSummary, summaryToJson } from './summary.ts';

type Generator = FleetGenerator | ParallelFleetGenerator;

function createGenerator(command: SimulatorCommand): Generator {
  const { config } = command;
  const keys = loadOrCreateFleetKeys(config.seed, buildFleet(config), config.keysFile, command.keySource);
  return config.signingThreads > 1
    ? new ParallelFleetGenerator(config, { threads: config.signingThreads, keys })
    : new FleetGenerator(config, { keys });
}

/** Generates and signs the whole stream without MQTT; optionally writes it as NDJSON with its ground truth. */
async function dryRun(
  command: SimulatorCommand,
  generator: Generator,
  io: CliIo,
  log: (line: string) => void,
) {
  const startedMs = Date.now();
  let lastMs = startedMs;
  let count = 0;
  const out = command.out === undefined ? undefined : createWriteStream(command.out);
  for await (const message of generator) {
    count += 1;
    if (out !== undefined) {
      const { index, topic, payload, deviceId, publishTs, fault, expected, genuine } = message;
      const line = JSON.stringify({ index, topic, payload, deviceId, publishTs, fault, expected, genuine });
      if (!out.write(`${line}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    if (Date.now() - lastMs > 1000) {
      lastMs = Date.now();
      log(`simulate: ${count} messages`);
    }
  }
  if (out !== undefined) await new Promise<void>((resolve) => out.end(() => resolve()));
  log(`simulate: ${count} messages in ${((Date.now() - startedMs) / 1000).toFixed(1)} s`);
  io.stdout(
    command.json
      ? `${JSON.stringify(summaryToJson(generator.stats), null, 2)}\n`
      : formatSummary(generator.stats),
  );
}

function progressLine(p: RunProgress): string {
  return `simulate: ${new Date(p.simNowTs * 1000).toISOString()}  ${(p.fraction * 100).toFixed(0)}%  published ${
    p.published
  } (ev ${p.publishedByKind.ev}, pv ${p.publishedByKind.pv})  acked ${p.acked}  in flight ${p.inFlight}${
    p.lagS > 0 ? `  behind by ${p.lagS} s simulated` : ''
  }`;
}

/** Publishes the stream over MQTT, paced by the simulated clock; Ctrl-C stops it and prints what was done. */
async function liveRun(
  command: SimulatorCommand,
  generator: Generator,
  io: CliIo,
  log: (line: string) => void,
) {
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  try {
    const summary = await runFleet({
      config: command.config,
      generator,
      signal: abort.signal,
      onStart: ({ brokerUrl }) => log(`simulate: publishing to ${brokerUrl}`),
      onProgress: (p) => log(progressLine(p)),
    });
    io.stdout(
      command.json
        ? `${JSON.stringify(summaryToJson(summary.stats, summary), null, 2)}\n`
        : formatSummary(summary.stats, summary),
    );
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/**
 * Runs a loaded simulate command: summary on standard output, progress lines on standard error.
 *
 * @example
 * await runSimulatorCommand(commandFromFlags({ ev: 4, dryRun: true }), io);
 */
export async function runSimulatorCommand(command: SimulatorCommand, io: CliIo): Promise<void> {
  const log = (line: string) => {
    if (!command.quiet) io.stderr(`${line}\n`);
  };
  log('simulate: preparing device keys ...');
  const generator = createGenerator(command);
  log(`simulate: ${generator.devices.length} devices, ${command.config.signingThreads} signing thread(s)`);
  if (command.dryRun) await dryRun(command, generator, io, log);
  else await liveRun(command, generator, io, log);
}
