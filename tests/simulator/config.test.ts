import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFleetKeyFile } from '../../protocol/index.ts';
import { ConfigError } from '../../lib/config.ts';
import { createSimulatorProgram, parseDurationS, type SimulatorCommand } from '../../simulator/cli.ts';
import { parseFleetConfig, SimulatorConfigError, startTsOf } from '../../simulator/config.ts';
import { buildFleet } from '../../simulator/fleet.ts';
import { FleetGenerator } from '../../simulator/generator.ts';
import { deriveDeviceKey, loadOrCreateFleetKeys } from '../../simulator/keys.ts';
import { checkLiveClock, maxClockDistanceS } from '../../simulator/live-clock.ts';
import { loadSimulatorConfig } from '../../simulator/load-config.ts';

const pools = [{ poolId: 1, ev: { piles: 5, pilesPerStation: 2 }, pv: { sites: 2 } }];

function configError(input: unknown): SimulatorConfigError {
  try {
    parseFleetConfig(input);
  } catch (error) {
    if (error instanceof SimulatorConfigError) return error;
    throw error;
  }
  throw new Error('expected a SimulatorConfigError');
}

describe('fleet configuration', () => {
  it('fills defaults and expands devices with ids, sites and rated power', () => {
    const config = parseFleetConfig({ pools });
    expect(config.intervalS).toBe(300);
    expect(startTsOf(config)).toBe(1_767_225_600);
    const fleet = buildFleet(config);
    expect(fleet.map((d) => d.deviceId)).toEqual([
      'ev-1-00001',
      'ev-1-00002',
      'ev-1-00003',
      'ev-1-00004',
      'ev-1-00005',
      'pv-1-0001',
      'pv-1-0002',
    ]);
    expect(fleet.map((d) => d.siteId)).toEqual([
      'st-1-0001',
      'st-1-0001',
      'st-1-0002',
      'st-1-0002',
      'st-1-0003',
      'pv-1-0001',
      'pv-1-0002',
    ]);
    // Piles of one station share a rating; PV rated power is the AC rating below the DC peak.
    expect(fleet[0]!.ratedPowerW).toBe(fleet[1]!.ratedPowerW);
    const pv = fleet[5]!;
    expect(pv.ratedPowerW).toBeLessThan(pv.pv!.peakPowerWp / 1.09);
    expect(pv.ratedPowerW).toBeGreaterThan(pv.pv!.peakPowerWp / 1.31);
  });

  it('builds 20,000 devices', () => {
    const fleet = buildFleet(
      parseFleetConfig({ pools: [{ poolId: 9, ev: { piles: 19_000 }, pv: { sites: 1000 } }] }),
    );
    expect(fleet).toHaveLength(20_000);
    expect(new Set(fleet.map((d) => d.deviceId)).size).toBe(20_000);
  });

  it('rejects unknown fields, bad rates and a tariff above the pool maximum, naming the field', () => {
    expect(configError({ pools, colour: 'red' }).details).toContain('colour');
    expect(configError({ pools, faults: { drop: 1.5 } }).details).toContain('faults.drop');
    expect(configError({ pools: [] }).details).toContain('pools');
    expect(
      configError({ pools: [{ poolId: 1, maxTariffMinorPerKwh: 100, ev: { piles: 1 } }] }).shortMessage,
    ).toContain('EV tariff');
    expect(configError({ pools: [{ poolId: 1 }, { poolId: 1 }] }).details).toContain('unique');
    expect(
      configError({ pools, faults: { clockSkewS: 60, gatewaySkewToleranceS: 600 } }).shortMessage,
    ).toContain('clockSkewS');
    expect(() => new FleetGenerator(parseFleetConfig({ pools, faults: { drop: 0.6, tamper: 0.6 } }))).toThrow(
      /sum to/,
    );
  });

  it('reads a configuration file and reports an unreadable one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-config-'));
    const path = join(dir, 'fleet.json');
    writeFileSync(path, JSON.stringify({ seed: 'file', pools }));
    expect(loadSimulatorConfig({ file: path, env: {}, flags: {} }).seed).toBe('file');
    writeFileSync(path, '{ not json');
    expect(() => loadSimulatorConfig({ file: path, env: {}, flags: {} })).toThrow(/not valid JSON/);
  });
});

/** Parses a simulate command line (without running it) with the given environment. */
async function parse(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<SimulatorCommand> {
  let parsed: SimulatorCommand | undefined;
  const io = { stdout: () => {}, stderr: () => {}, exit: () => {} };
  const program = createSimulatorProgram(
    async (command) => {
      parsed = command;
    },
    io,
    env,
  );
  await program.parseAsync(argv, { from: 'user' });
  if (parsed === undefined) throw new Error('the action did not run');
  return parsed;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('command-line flags', () => {
  it('override the file and build a valid configuration', async () => {
    const { config, dryRun } = await parse([
      '--ev',
      '40',
      '--pv',
      '10',
      '--duration',
      '1d',
      '--interval',
      '10m',
      '--faults',
      '0.01',
      '--fault-clock-skew',
      '0.02',
      '--fast',
      '--mode',
      'pooled',
      '--dry-run',
    ]);
    expect(dryRun).toBe(true);
    expect(config.pools[0]!.poolId).toBe(1);
    expect(config.pools[0]!.ev.piles).toBe(40);
    expect(config.pools[0]!.pv.sites).toBe(10);
    expect(config.durationS).toBe(86_400);
    expect(config.intervalS).toBe(600);
    expect(config.speed).toBe(0);
    expect(config.faults.drop).toBe(0.01);
    expect(config.faults.clockSkew).toBe(0.02);
    expect(config.mqtt.mode).toBe('pooled');
    expect(startTsOf(config)).toBe(1_767_225_600);
  });

  it('edit the first pool of a configuration file and keep the others', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-config-'));
    const file = join(dir, 'fleet.json');
    writeFileSync(
      file,
      JSON.stringify({ seed: 'file', pools: [{ poolId: 3, pv: { sites: 1 } }, { poolId: 4 }] }),
    );
    const { config } = await parse(['--config', file, '--ev', '2', '--dry-run']);
    expect(config.seed).toBe('file');
    expect(config.pools.map((p) => [p.poolId, p.ev.piles, p.pv.sites])).toEqual([
      [3, 2, 1],
      [4, undefined, 0],
    ]);
  });

  it('refuse unknown flags and malformed numbers as usage errors', async () => {
    expect((await rejection(parse(['--colour', 'red']))).message).toContain("unknown option '--colour'");
    expect((await rejection(parse(['--ev', 'many']))).message).toContain('expected an integer');
    expect((await rejection(parse(['--fault-drop', '1.5']))).message).toContain('from 0 to 1');
    expect(() => parseDurationS('3 weeks')).toThrow(/30m, 6h, 1d/);
    expect(parseDurationS('6h')).toBe(21_600);
  });

  it('name a wrong field with its source: file, variable or flag', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-config-'));
    const file = join(dir, 'fleet.json');
    writeFileSync(file, JSON.stringify({ durationS: -5 }));
    const fromFile = await rejection(parse(['--config', file, '--dry-run']));
    expect(fromFile).toBeInstanceOf(ConfigError);
    expect((fromFile as ConfigError).details).toMatch(/durationS: .*\(from file .*fleet\.json\)/);

    const fromEnv = await rejection(parse(['--dry-run'], { SIMULATOR_MAX_IN_FLIGHT: 'lots' }));
    expect(fromEnv).toBeInstanceOf(ConfigError);
    expect((fromEnv as ConfigError).shortMessage).toContain('SIMULATOR_MAX_IN_FLIGHT=lots');
    const zeroEnv = await rejection(parse(['--dry-run'], { SIMULATOR_THREADS: '0' }));
    expect((zeroEnv as ConfigError).details).toMatch(/signingThreads: .*\(from variable SIMULATOR_THREADS\)/);

    const fromFlag = await rejection(parse(['--dry-run', '--broker', 'mqtt://x', '--threads', '65']));
    expect((fromFlag as ConfigError).details).toMatch(/signingThreads: .*\(from flag for signingThreads\)/);
  });

  it('take a broker URL and relay password from SIMULATOR_ variables, flags winning', async () => {
    const env = { SIMULATOR_BROKER_URL: 'mqtt://10.0.0.1:1883', SIMULATOR_RELAY_PASSWORD: 'from-env' };
    const { config } = await parse(['--dry-run'], env);
    expect(config.mqtt.url).toBe('mqtt://10.0.0.1:1883');
    expect(config.mqtt.relayPassword).toBe('from-env');
    const flagged = await parse(['--dry-run', '--relay-password', 'from-flag'], env);
    expect(flagged.config.mqtt.relayPassword).toBe('from-flag');
  });
});

describe('time of a live run', () => {
  it('starts at the wall clock in real time by default; dry runs keep the reproducible start', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { config } = await parse(['--broker', 'mqtt://127.0.0.1:1', '--duration', '1h']);
    expect(startTsOf(config)).toBeGreaterThanOrEqual(before);
    expect(startTsOf(config)).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(config.speed).toBe(1);
    const dry = await parse(['--broker', 'mqtt://127.0.0.1:1', '--dry-run']);
    expect(startTsOf(dry.config)).toBe(1_767_225_600);
    expect(dry.config.speed).toBe(1440);
  });

  it('refuses a compression that puts readings outside the gateway window, naming the gateway setting', async () => {
    const error = await rejection(
      parse(['--broker', 'mqtt://127.0.0.1:1', '--speed', '1440', '--duration', '1d']),
    );
    expect(error).toBeInstanceOf(SimulatorConfigError);
    expect((error as SimulatorConfigError).hint).toContain('GATEWAY_MAX_CLOCK_SKEW_S=86340');
    const historical = await rejection(
      parse(['--broker', 'mqtt://127.0.0.1:1', '--start', '2026-01-01T00:00:00Z']),
    );
    expect((historical as SimulatorConfigError).shortMessage).toContain('from the wall clock');
    // within the window: 10 min at 2x ends 300 s ahead
    const fits = await parse(['--broker', 'mqtt://127.0.0.1:1', '--speed', '2', '--duration', '10m']);
    expect(fits.config.speed).toBe(2);
  });

  it('measures the distance of readings from the wall clock over the run', () => {
    const base = parseFleetConfig({
      start: 1_000,
      durationS: 600,
      speed: 1,
      faults: { gatewaySkewToleranceS: 300 },
    });
    expect(maxClockDistanceS(base, 1_000)).toBe(0);
    expect(maxClockDistanceS({ ...base, speed: 0 }, 1_000)).toBe(600);
    expect(maxClockDistanceS({ ...base, speed: 3 }, 1_000)).toBe(400);
    expect(maxClockDistanceS(base, 1_400)).toBe(400);
    expect(() => checkLiveClock({ ...base, speed: 3 }, 1_000)).toThrow(SimulatorConfigError);
    expect(() => checkLiveClock({ ...base, speed: 1.5 }, 1_000)).not.toThrow();
  });
});

describe('device keys', () => {
  it('are derived deterministically from the seed and differ per device and seed', () => {
    const fleet = buildFleet(parseFleetConfig({ pools }));
    const a = deriveDeviceKey('seed', fleet[0]!);
    expect(deriveDeviceKey('seed', fleet[0]!)).toEqual(a);
    expect(deriveDeviceKey('seed', fleet[1]!).privateKey).not.toBe(a.privateKey);
    expect(deriveDeviceKey('other', fleet[0]!).privateKey).not.toBe(a.privateKey);
    expect(a.privateKey).toMatch(/^[0-9a-f]{64}$/);
    expect(a.mqttPassword).toMatch(/^[0-9a-f]{32}$/);
  });

  it('are written to a key file (mode 0600) and loaded back unchanged', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-keys-'));
    const path = join(dir, 'fleet.keys.json');
    const fleet = buildFleet(parseFleetConfig({ pools }));
    const written = loadOrCreateFleetKeys('seed', fleet, path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const file = readFleetKeyFile(path);
    expect(file.devices.map((d) => d.deviceId)).toEqual(fleet.map((d) => d.deviceId));
    // Loading keeps the file's keys even under another seed (a registered fleet keeps its identity).
    const before = readFileSync(path, 'utf8');
    const loaded = loadOrCreateFleetKeys('another-seed', fleet, path);
    expect([...loaded.values()]).toEqual([...written.values()]);
    expect(readFileSync(path, 'utf8')).toBe(before);
  });

  it('are random for a key file unless the seed is given, and seeded keys repeat', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-keys-'));
    const fleet = buildFleet(parseFleetConfig({ pools }));
    const seeded = [...loadOrCreateFleetKeys('rwa-iot', fleet).values()];
    const first = loadOrCreateFleetKeys('rwa-iot', fleet, join(dir, 'a.json'), 'random');
    const second = loadOrCreateFleetKeys('rwa-iot', fleet, join(dir, 'b.json'), 'random');
    for (const [i, key] of [...first.values()].entries()) {
      expect(key.privateKey).toMatch(/^[0-9a-f]{64}$/);
      expect(key.privateKey).not.toBe(seeded[i]!.privateKey);
      expect(key.privateKey).not.toBe(second.get(key.deviceId)!.privateKey);
      expect(key.mqttPassword).not.toBe(seeded[i]!.mqttPassword);
    }
    // the command line: --keys alone asks for random keys, --keys with --seed for seeded ones
    const keys = join(dir, 'fleet.keys.json');
    expect((await parse(['--dry-run', '--keys', keys])).keySource).toBe('random');
    expect((await parse(['--dry-run', '--keys', keys, '--seed', 'rwa-iot'])).keySource).toBe('seed');
  });
});
