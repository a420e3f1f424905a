import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { waitForPort } from './ports.ts';

/** A local server process (anvil, mosquitto, VictoriaMetrics) started on loopback, stopped by `stop()`. */
export interface ServerProcess {
  readonly port: number;
  readonly child: ChildProcess;
  /** Output captured so far (stdout and stderr), for failure messages. */
  output(): string;
  /** Sends SIGTERM (SIGKILL after 5 s) and resolves when the process has exited. */
  stop(): Promise<void>;
  /** Sends SIGKILL and resolves when the process has exited. */
  kill(): Promise<void>;
}

/** Finds an executable by absolute candidates, so callers work whether or not /usr/sbin is on PATH. */
export function findExecutable(name: string, candidates: string[]): string {
  for (const candidate of candidates) if (existsSync(candidate)) return candidate;
  throw new Error(
    `${name} is not installed (looked in ${candidates.join(', ')}); run: apt-get update && apt-get install -y ${name}`,
  );
}

/** Spawns `command` and waits until it listens on `port`. */
export async function startServer(command: string, args: string[], port: number): Promise<ServerProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20_000);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20_000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await Promise.race([
      waitForPort(port),
      exited.then(() => {
        throw new Error(`${command} exited before listening on ${port}:\n${log}`);
      }),
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const stopWith = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  return {
    port,
    child,
    output: () => log,
    stop: () => stopWith('SIGTERM'),
    kill: () => stopWith('SIGKILL'),
  };
}
