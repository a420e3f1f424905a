import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildGatewayProgram } from '../../gateway/cli.ts';
import { mosquittoPasswordHash, verifyMosquittoPassword } from '../../gateway/mosquitto-auth.ts';
import { writeFleetKeyFile } from '../../protocol/index.ts';
import { runProgram } from '../support/cli.ts';
import { startMosquitto } from '../support/mosquitto.ts';
import { findExecutable, type ServerProcess } from '../../lib/servers/process.ts';
import { connectClient, connectDevice, makeDevice, publish, tempDir, waitFor } from './support.ts';

const cli = (args: string[]) => runProgram(buildGatewayProgram, args);

describe('mosquitto password hashes', () => {
  it('match what mosquitto_passwd writes, and only for the right password', () => {
    const dir = tempDir();
    const file = join(dir, 'passwd');
    const tool = findExecutable('mosquitto_passwd', ['/usr/bin/mosquitto_passwd']);
    execFileSync(tool, ['-c', '-b', file, 'ev-1', 'correct horse']);
    const stored = readFileSync(file, 'utf8').trim().split(':')[1] as string;
    expect(stored).toMatch(/^\$7\$/);
    expect(verifyMosquittoPassword('correct horse', stored)).toBe(true);
    expect(verifyMosquittoPassword('correct hors', stored)).toBe(false);
    const ours = mosquittoPasswordHash('correct horse');
    expect(ours).toMatch(/^\$7\$101\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==$/);
    expect(verifyMosquittoPassword('correct horse', ours)).toBe(true);
  });
});

describe('gateway broker-files with the real mosquitto', () => {
  const dir = tempDir();
  const ledger = join(dir, 'g.duckdb');
  const keys = join(dir, 'fleet.keys.json');
  const out = join(dir, 'broker');
  const ev1 = makeDevice('ev-1');
  const ev2 = makeDevice('ev-2');
  const ev3 = makeDevice('ev-3');
  let broker: ServerProcess & { url: string };
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    writeFleetKeyFile(keys, { version: 1, devices: [ev1, ev2, ev3] });
    for (const args of [
      ['pool', 'add', '--ledger', ledger, '--pool', '1', '--max-tariff', '190', '--genesis', '1767225600'],
      ['register', '--ledger', ledger, '--keys', keys],
      ['device', 'deactivate', '--ledger', ledger, '--device', 'ev-3'],
    ]) {
      const run = await cli(args);
      expect(run.code, run.stderr).toBe(0);
    }
    vi.stubEnv('GATEWAY_MQTT_USERNAME', 'gateway');
    vi.stubEnv('GATEWAY_MQTT_PASSWORD', 'gateway-secret');
    const files = await cli(['broker-files', '--ledger', ledger, '--keys', keys, '--out-dir', out]);
    vi.unstubAllEnvs();
    expect(files.code, files.stderr).toBe(0);
    expect(JSON.parse(files.stdout)).toMatchObject({
      gateway: 'gateway',
      devices: ['ev-1', 'ev-2'],
      inactive: ['ev-3'],
    });
    broker = await startMosquitto({ auth: { passwordFile: join(out, 'passwd'), aclFile: join(out, 'acl') } });
  }, 60_000);

  afterAll(async () => {
    for (const client of clients) client.end(true);
    await broker?.stop();
  });

  it('writes the password file readable by its owner only, without a plain password', () => {
    expect(statSync(join(out, 'passwd')).mode & 0o777).toBe(0o600);
    const text = readFileSync(join(out, 'passwd'), 'utf8');
    expect(text).not.toContain(ev1.mqttPassword);
    expect(text).not.toContain('gateway-secret');
    expect(text).not.toContain('ev-3:');
  });

  it("delivers a device's reading on its own topic to the gateway, and not one on another device's topic", async () => {
    const gateway = await connectClient(broker.url, {
      clientId: 'gateway-1',
      username: 'gateway',
      password: 'gateway-secret',
    });
    clients.push(gateway);
    const received: string[] = [];
    gateway.on('message', (topic, payload) => received.push(`${topic} ${payload.toString()}`));
    await gateway.subscribeAsync('fleet/+/+/reading', { qos: 1 });
    const device = await connectDevice(broker.url, ev1);
    clients.push(device);
    await publish(device, 'fleet/1/ev-2/reading', 'forged');
    await publish(device, 'fleet/1/ev-1/reading', 'genuine');
    await waitFor(() => received.length > 0, 'the genuine reading at the gateway');
    // same client, in order: had the forged one been delivered it would have come first
    await new Promise((r) => setTimeout(r, 200));
    expect(received).toEqual(['fleet/1/ev-1/reading genuine']);
  });

  it('refuses a wrong password and a deactivated device', async () => {
    await expect(connectDevice(broker.url, { ...ev2, mqttPassword: ev1.mqttPassword })).rejects.toThrow(
      /Not authorized|Bad username or password/,
    );
    await expect(connectDevice(broker.url, ev3)).rejects.toThrow(/Not authorized|Bad username or password/);
  });
});
