import { createServer } from 'node:net';
import { createPublicClient, http } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOracleMetrics, countRpcErrors, instrumentProver } from '../../oracle/metrics.ts';
import { createProverPool } from '../../oracle/prover-pool.ts';
import { capturedLogger } from '../lib/log-capture.ts';
import { buildSquareCircuit, type SquareCircuit } from './support/square-circuit.ts';

let circuit: SquareCircuit;
beforeAll(async () => {
  circuit = await buildSquareCircuit();
});
afterAll(async () => {
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
});

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('oracle metrics', () => {
  it('counts and times proofs made and failed by circuit kind, and the pool logs them', async () => {
    const metrics = createOracleMetrics();
    const log = capturedLogger('info');
    const pool = createProverPool({ concurrency: 1, logger: log.logger });
    const prover = instrumentProver(pool, metrics, (job) =>
      job.label.startsWith('reg') ? 'registration' : 'epoch',
    );
    const job = (label: string, x: bigint, y: bigint) => ({
      label,
      input: { x, y },
      wasmPath: circuit.wasmPath,
      zkeyPath: circuit.zkeyPath,
    });
    try {
      await prover.proveAll([job('epoch a', 3n, 9n), job('epoch b', 4n, 16n)]);
      await expect(prover.prove(job('reg broken', 3n, 10n))).rejects.toThrow(/reg broken/);
    } finally {
      await prover.close();
    }
    expect((await metrics.proofsMade.get()).values).toEqual([
      expect.objectContaining({ labels: { circuit: 'epoch' }, value: 2 }),
    ]);
    expect((await metrics.proofsFailed.get()).values).toEqual([
      expect.objectContaining({ labels: { circuit: 'registration' }, value: 1 }),
    ]);
    const text = await metrics.registry.metrics();
    expect(text).toContain('oracle_proof_seconds_count{circuit="epoch"} 2');
    expect(text).not.toContain('oracle_proof_seconds_count{circuit="registration"}');
    const poolLines = log.lines.filter((l) => l.component === 'prover-pool');
    expect(poolLines.filter((l) => l.msg === 'proof made').map((l) => l.label)).toEqual([
      'epoch a',
      'epoch b',
    ]);
    expect(poolLines).toContainEqual(
      expect.objectContaining({ level: 'error', msg: 'proof failed', label: 'reg broken' }),
    );
  });

  it('counts failed RPC requests by method', async () => {
    const metrics = createOracleMetrics();
    const port = await closedPort();
    const client = createPublicClient({
      transport: countRpcErrors(http(`http://127.0.0.1:${port}`, { retryCount: 0 }), metrics),
    });
    await expect(client.getBlockNumber()).rejects.toThrow();
    await expect(client.getChainId()).rejects.toThrow();
    const text = await metrics.registry.metrics();
    expect(text).toContain('oracle_rpc_errors_total{method="eth_blockNumber"} 1');
    expect(text).toContain('oracle_rpc_errors_total{method="eth_chainId"} 1');
  });

  it('keeps two oracles in one process apart (a registry each, default metrics in both)', async () => {
    const a = createOracleMetrics();
    const b = createOracleMetrics();
    a.transactionsSent.inc({ function: 'submitBatch' });
    expect(await a.registry.metrics()).toContain('oracle_transactions_sent_total{function="submitBatch"} 1');
    expect(await b.registry.metrics()).not.toContain(
      'oracle_transactions_sent_total{function="submitBatch"}',
    );
    expect(await b.registry.metrics()).toContain('oracle_process_cpu_user_seconds_total');
  });
});
