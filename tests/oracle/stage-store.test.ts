import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JobStateError } from '../../oracle/errors.ts';
import { openStageStore, type StageStore } from '../../oracle/stage-store.ts';

const opened: StageStore[] = [];
async function open(path: string) {
  const store = await openStageStore(path);
  opened.push(store);
  return store;
}
afterEach(() => {
  for (const store of opened.splice(0)) {
    try {
      store.close();
    } catch {}
  }
});
const tempDb = () => join(mkdtempSync(join(tmpdir(), 'oracle-stages-')), 'oracle.duckdb');
const key = { poolId: 1, epoch: 2, kind: 'epoch' as const, index: 0 };
const record = (n: number) => ({
  hash: `0x${String(n).padStart(64, '0')}` as `0x${string}`,
  nonce: 5,
  raw: `0x02${String(n).padStart(8, '0')}` as `0x${string}`,
});

describe('openStageStore', () => {
  it('restores every stage after the file is closed and reopened', async () => {
    const path = tempDb();
    const first = await open(path);
    await first.selectEpoch(
      { poolId: 1, epoch: 2, registeredCount: 3, registrationBatches: 1, epochBatches: 2 },
      [
        { deviceId: 'ev-1', energyWh: 10n },
        { deviceId: 'ev-2', energyWh: 2n ** 47n },
      ],
    );
    await first.saveProvedBatch(key, { oldRoot: '11', newRoot: '12', bundlePath: '/b/0.json' });
    await first.recordSigned(key, record(1));
    await first.recordSigned(key, record(2));
    await first.advanceBatch(key, 'posted', { hash: record(1).hash });
    await first.advanceEpoch(1, 2, 'proved');
    first.close();
    opened.length = 0;

    const second = await open(path);
    expect(await second.epoch(1, 2)).toMatchObject({ stage: 'proved', registeredCount: 3, epochBatches: 2 });
    expect(await second.selection(1, 2)).toEqual([
      { deviceId: 'ev-1', energyWh: 10n },
      { deviceId: 'ev-2', energyWh: 2n ** 47n },
    ]);
    expect(await second.batch(key)).toMatchObject({ stage: 'posted', oldRoot: '11', txHash: record(1).hash });
    expect(await second.signedRecords(key)).toEqual([record(1), record(2)]);
    expect(await second.batch({ ...key, index: 1 })).toBeUndefined();
  });

  it('refuses to select an epoch twice and to move a stage backwards', async () => {
    const store = await open(tempDb());
    const job = { poolId: 1, epoch: 2, registeredCount: 0, registrationBatches: 0, epochBatches: 1 };
    await store.selectEpoch(job, []);
    await expect(store.selectEpoch(job, [])).rejects.toThrow(JobStateError);
    await store.advanceEpoch(1, 2, 'posted');
    await expect(store.advanceEpoch(1, 2, 'proved')).rejects.toThrow(/cannot go back/);
    await expect(store.advanceEpoch(1, 9, 'proved')).rejects.toThrow(/has no job/);
    await store.saveProvedBatch(key, { oldRoot: '1', newRoot: '2', bundlePath: 'x' });
    await store.advanceBatch(key, 'confirmed', { hash: '0xab', blockNumber: 7n });
    await expect(store.advanceBatch(key, 'posted')).rejects.toThrow(JobStateError);
    expect(await store.batch(key)).toMatchObject({ stage: 'confirmed', blockNumber: 7n });
  });

  it('refuses a re-proof of a batch with different roots', async () => {
    const store = await open(tempDb());
    await store.saveProvedBatch(key, { oldRoot: '1', newRoot: '2', bundlePath: 'x' });
    await store.saveProvedBatch(key, { oldRoot: '1', newRoot: '2', bundlePath: 'x' });
    await expect(store.saveProvedBatch(key, { oldRoot: '1', newRoot: '3', bundlePath: 'x' })).rejects.toThrow(
      /other roots/,
    );
  });

  it('finalises epochs in order only, keeping the latest leaves and root', async () => {
    const store = await open(tempDb());
    await expect(store.finaliseEpoch(1, 2, 'r2', [])).rejects.toThrow(/after epoch 0/);
    await store.finaliseEpoch(1, 1, 'r1', [
      { slot: 0, leaf: { lastSeq: 1n } },
      { slot: 1, leaf: { lastSeq: 4n } },
    ]);
    await store.finaliseEpoch(1, 2, 'r2', [{ slot: 1, leaf: { lastSeq: 9n } }]);
    await expect(store.finaliseEpoch(1, 2, 'r2', [])).rejects.toThrow(JobStateError);
    expect(await store.poolState(1)).toEqual({ finalisedEpoch: 2, root: 'r2' });
    expect(await store.poolState(2)).toBeUndefined();
    expect(await store.leaves(1)).toEqual([
      { slot: 0, leaf: { lastSeq: 1n } },
      { slot: 1, leaf: { lastSeq: 9n } },
    ]);
    expect(await store.epoch(1, 2)).toMatchObject({ stage: 'finalised' });
  });

  it('keeps what was committed when the process is killed with SIGKILL', async () => {
    const path = tempDb();
    const script = join(mkdtempSync(join(tmpdir(), 'oracle-kill-')), 'write-and-die.mts');
    writeFileSync(
      script,
      `import { openStageStore } from ${JSON.stringify(resolve('oracle/stage-store.ts'))};
const store = await openStageStore(${JSON.stringify(path)});
await store.selectEpoch({ poolId: 4, epoch: 1, registeredCount: 1, registrationBatches: 1, epochBatches: 1 }, [{ a: 1n }]);
await store.saveProvedBatch({ poolId: 4, epoch: 1, kind: 'registration', index: 0 }, { oldRoot: '0', newRoot: '5', bundlePath: 'p' });
await store.recordSigned({ poolId: 4, epoch: 1, kind: 'registration', index: 0 }, { hash: '0x01', nonce: 0, raw: '0x02' });
process.kill(process.pid, 'SIGKILL');
`,
    );
    const result = spawnSync(process.execPath, ['--import', 'tsx', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.signal, result.stderr).toBe('SIGKILL');
    const store = await open(path);
    expect(await store.selection(4, 1)).toEqual([{ a: 1n }]);
    expect(await store.signedRecords({ poolId: 4, epoch: 1, kind: 'registration', index: 0 })).toEqual([
      { hash: '0x01', nonce: 0, raw: '0x02' },
    ]);
  });
});
