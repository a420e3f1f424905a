import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GatewayConfigInput } from '../../gateway/config.ts';
import { waitFor } from './support.ts';

/** A gateway running as a separate process (`node --import tsx gateway/cli.ts serve`), for kill tests. */
export interface ChildGateway {
  readonly child: ChildProcess;
  readonly apiUrl: string;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `gateway/cli.ts serve` with `config` written to `dir/gateway.json`; resolves once /health is ok. */
export async function startChildGateway(dir: string, config: GatewayConfigInput): Promise<ChildGateway> {
  const file = join(dir, 'gateway.json');
  writeFileSync(file, JSON.stringify(config));
  const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/cli.ts', 'serve', '--config', file], {
    cwd: join(import.meta.dirname, '..', '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GATEWAY_LOG_LEVEL: 'warn' },
  });
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const apiUrl = `http://127.0.0.1:${config.http?.port}`;
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`gateway exited early:\n${log}`);
      try {
        const res = await fetch(`${apiUrl}/health`);
        return res.status === 200;
      } catch {
        return false;
      }
    },
    'the child gateway to be healthy',
    60_000,
  );
  return {
    child,
    apiUrl,
    output: () => log,
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
}
