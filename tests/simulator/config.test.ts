import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFleetKeyFile } from '../../protocol/index.ts';
import { configFromArgs, parseDurationS } from '../../simulator/cli.ts';
import {
  loadFleetConfig,
  parseFleetConfig,
  SimulatorConfigError,
  startTsOf,
} from '../../simulator/config.ts';
import { buildFleet } from '../../simulator/fleet.ts';
import { FleetGenerator } from '../../simulator/generator.ts';
import { deriveDeviceKey, loadOrCreateFleetKeys } from '../../simulator/keys.ts';

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
    expect(loadFleetConfig(path).seed).toBe('file');
    writeFileSync(path, '{ not json');
    expect(() => loadFleetConfig(path)).toThrow(SimulatorConfigError);
  });
});

describe('command-line flags', () => {
  it('override the file and build a valid configuration', () => {
    const { config, dryRun } = configFromArgs([
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
    expect(config.pools[0]!.ev.piles).toBe(40);
    expect(config.pools[0]!.pv.sites).toBe(10);
    expect(config.durationS).toBe(86_400);
    expect(config.intervalS).toBe(600);
    expect(config.speed).toBe(0);
    expect(config.faults.drop).toBe(0.01);
    expect(config.faults.clockSkew).toBe(0.02);
    expect(config.mqtt.mode).toBe('pooled');
  });

  it('refuse unknown flags and bad values', () => {
    expect(() => configFromArgs(['--colour', 'red'])).toThrow();
    expect(() => configFromArgs(['--ev', 'many'])).toThrow(SimulatorConfigError);
    expect(() => parseDurationS('3 weeks')).toThrow(SimulatorConfigError);
    expect(parseDurationS('6h')).toBe(21_600);
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
});
