import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireArtifacts } from '../../circuits/proving/instances.ts';

/** The demo's child processes, without tsx's esbuild service (it ends on its own when its parent is gone). */
function childrenOf(pid: number): Array<{ pid: number; command: string }> {
  try {
    return execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .map(([id, command]) => ({ pid: Number(id), command: command ?? '' }))
      .filter((child) => child.pid > 0 && !child.command.startsWith('esbuild'));
  } catch {
    return []; // ps exits 1 when there are none
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm run demo and Ctrl-C', () => {
  it('stops the fleet, oracle, gateway, broker and anvil, and exits 130', async () => {
    requireArtifacts('epoch_test', { proving: true });
    const dir = mkdtempSync(join(tmpdir(), 'demo-interrupt-'));
    const config = join(dir, 'demo.json');
    writeFileSync(
      config,
      JSON.stringify({
        epochInstance: 'epoch_test',
        registrationInstance: 'registration_test',
        evPiles: 4,
        pvSites: 2,
        epochs: 3,
        speed: 600,
        dataDir: join(dir, 'data'),
      }),
    );
    const demo = spawn(process.execPath, ['--import', 'tsx', 'demo/cli.ts', '--config', config], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';

    const exited = new Promise<number | null>((resolve) => demo.once('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      // progress lines are pino logs on standard error
      const collect = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('fleet: publishing')) resolve();
      };
      demo.stdout.on('data', collect);
      demo.stderr.on('data', collect);
      demo.once('exit', () => reject(new Error(`the demo exited before publishing:\n${output}`)));
    });
    const children = childrenOf(demo.pid!);
    expect(children.map((c) => c.command)).toContain('anvil');
    demo.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(output).toContain('every process it started has been stopped');
    for (const child of children) expect(alive(child.pid), `${child.command} (${child.pid})`).toBe(false);
  }, 180_000);
});
