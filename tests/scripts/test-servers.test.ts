import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  installCommand,
  MissingServersError,
  missingPackages,
  planServers,
  TEST_SERVERS,
} from '../../scripts/test-servers.ts';

const servers = Object.values(TEST_SERVERS);
const everything = new Set<string>(servers.flatMap((s) => s.executables));

describe('pre-test server check', () => {
  it('lists mosquitto and victoria-metrics, each with absolute executable paths', () => {
    expect(servers.map((s) => s.package)).toEqual(['mosquitto', 'victoria-metrics']);
    for (const s of servers) for (const path of s.executables) expect(path).toMatch(/^\/usr\/s?bin\//);
  });

  it('finds a package present when any one of its executables exists', () => {
    expect(missingPackages(servers, (path) => everything.has(path))).toEqual([]);
    expect(missingPackages(servers, (path) => path === '/usr/bin/mosquitto')).toEqual(['victoria-metrics']);
    expect(missingPackages(servers, () => false)).toEqual(['mosquitto', 'victoria-metrics']);
  });

  it('does nothing when nothing is missing, whoever runs it', () => {
    for (const root of [true, false]) {
      for (const aptGet of [true, false])
        expect(planServers([], { root, aptGet })).toEqual({ action: 'none' });
    }
  });

  it('installs exactly the missing packages when root with apt-get', () => {
    expect(planServers(['victoria-metrics'], { root: true, aptGet: true })).toEqual({
      action: 'install',
      packages: ['victoria-metrics'],
      command: 'apt-get update && apt-get install -y victoria-metrics',
    });
  });

  it('stops with the one command to run when not root or without apt-get', () => {
    const notRoot = planServers(['mosquitto', 'victoria-metrics'], { root: false, aptGet: true });
    expect(notRoot).toEqual({
      action: 'stop',
      packages: ['mosquitto', 'victoria-metrics'],
      command: "sudo sh -c 'apt-get update && apt-get install -y mosquitto victoria-metrics'",
    });
    const noApt = planServers(['mosquitto'], { root: true, aptGet: false });
    expect(noApt).toMatchObject({ action: 'stop', command: installCommand(['mosquitto']) });
    if (notRoot.action !== 'stop') throw new Error('unreachable');
    const error = new MissingServersError(notRoot, 'this process is not root');
    expect(error.shortMessage).toContain('mosquitto, victoria-metrics');
    expect(error.message).toContain(`run: ${notRoot.command}`);
  });

  it('exits 0 on this machine, where the servers are installed (check only)', () => {
    expect(() =>
      execFileSync(process.execPath, ['--import', 'tsx', 'scripts/test-servers.ts', '--check'], {
        stdio: 'pipe',
      }),
    ).not.toThrow();
  });
});
