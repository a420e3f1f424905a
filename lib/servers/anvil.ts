import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { freePort } from './ports.ts';
import { type ServerProcess, startServer } from './process.ts';

const require = createRequire(import.meta.url);

/** Path of the anvil binary shipped by the npm package `@foundry-rs/anvil` (prebuilt, per platform). */
export function anvilBinary(): string {
  const packageJson = require.resolve(
    `@foundry-rs/anvil-${process.platform}-${process.arch === 'x64' ? 'amd64' : process.arch}/package.json`,
  );
  return join(dirname(packageJson), 'bin', 'anvil');
}

/**
 * Starts anvil on 127.0.0.1 (chain id 31337 unless `chainId` is given, the well-known test mnemonic, instant
 * mining). Another chain id lets tests play a public chain, where development keys are refused.
 */
export async function startAnvil(
  options: { port?: number; blockTimeS?: number; chainId?: number } = {},
): Promise<ServerProcess & { rpcUrl: string }> {
  const port = options.port ?? (await freePort());
  const args = ['--host', '127.0.0.1', '--port', String(port), '--silent', '--code-size-limit', '100000'];
  if (options.blockTimeS !== undefined) args.push('--block-time', String(options.blockTimeS));
  if (options.chainId !== undefined) args.push('--chain-id', String(options.chainId));
  const server = await startServer(anvilBinary(), args, port);
  return { ...server, rpcUrl: `http://127.0.0.1:${port}` };
}
