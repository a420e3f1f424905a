import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiskBuffer } from '../../../gateway/timeseries/disk-buffer.ts';
import { TimeSeriesBufferFullError, TimeSeriesBufferOrderError } from '../../../gateway/timeseries/errors.ts';

const lines = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => `m,d=x f=${from + i}i ${from + i}`);

/** Drains everything (acknowledging each batch) and returns the lines in the order they came out. */
async function drainAll(buffer: DiskBuffer, batch = 7): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const next = await buffer.next(batch);
    if (!next) return out;
    out.push(...next.lines);
    await buffer.ack(next);
  }
}

describe('on-disk line buffer', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ts-buffer-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const open = (maxBytes = 1_000_000, segmentBytes = 200) =>
    DiskBuffer.open({ dir, maxBytes, segmentBytes, fsync: false });

  it('gives lines back in append order across segments and deletes acknowledged segments', async () => {
    const buffer = await open();
    for (let i = 0; i < 10; i++) await buffer.append(lines(i * 10, 10));
    expect(buffer.points()).toBe(100);
    expect(readdirSync(dir).filter((f) => f.startsWith('seg-')).length).toBeGreaterThan(3);
    expect(await drainAll(buffer)).toEqual(lines(0, 100));
    expect(buffer.points()).toBe(0);
    expect(buffer.bytes()).toBe(0);
    expect(readdirSync(dir).filter((f) => f.startsWith('seg-'))).toEqual([]);
  });

  it('refuses a batch that does not fit with TimeSeriesBufferFullError, keeping what it holds', async () => {
    const buffer = await open(500);
    await buffer.append(lines(0, 10)); // ~170 bytes
    await buffer.append(lines(10, 10));
    const error = await buffer.append(lines(20, 20)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeSeriesBufferFullError);
    expect((error as TimeSeriesBufferFullError).rejectedPoints).toBe(20);
    expect((error as TimeSeriesBufferFullError).maxBufferBytes).toBe(500);
    expect(buffer.points()).toBe(20);
    expect(buffer.bytes()).toBeLessThanOrEqual(500);
    // once drained, there is room again
    expect(await drainAll(buffer)).toEqual(lines(0, 20));
    await buffer.append(lines(20, 20));
    expect(buffer.points()).toBe(20);
  });

  it('resumes after a restart where the acknowledged position stopped, without resending', async () => {
    const first = await open();
    await first.append(lines(0, 30));
    const batch = await first.next(12);
    await first.ack(batch!);
    await first.append(lines(30, 5));
    await first.close();
    const second = await open();
    expect(second.points()).toBe(23);
    expect(await drainAll(second)).toEqual(lines(12, 23));
    await second.append(lines(35, 1));
    await second.close();
    // segment numbers are never reused, even after every segment was deleted
    const third = await open();
    expect(await drainAll(third)).toEqual(lines(35, 1));
  });

  it('drops a line cut short by a crash (its append never resolved) and keeps the complete ones', async () => {
    const first = await open();
    await first.append(lines(0, 3));
    await first.close();
    const [segment] = readdirSync(dir).filter((f) => f.startsWith('seg-'));
    appendFileSync(join(dir, segment!), 'm,d=x f=99'); // torn write
    const second = await open();
    expect(second.points()).toBe(3);
    await second.append(lines(3, 1));
    expect(await drainAll(second)).toEqual(lines(0, 4));
  });

  it('skips a segment fully acknowledged just before a crash', async () => {
    const first = await open(1_000_000, 1_000_000);
    await first.append(lines(0, 4));
    await first.ack((await first.next(4))!);
    await first.append(lines(4, 2));
    await first.close();
    const second = await open();
    expect(await drainAll(second)).toEqual(lines(4, 2));
  });

  it('moves a refused batch to rejected/ (kept with its reason) and goes on', async () => {
    const buffer = await open();
    await buffer.append(lines(0, 5));
    const bad = await buffer.next(2);
    const file = await buffer.reject(bad!, '400 unable to parse');
    expect(readFileSync(file, 'utf8')).toBe(`${lines(0, 2).join('\n')}\n`);
    expect(existsSync(`${file}.reason.txt`)).toBe(true);
    expect(await drainAll(buffer)).toEqual(lines(2, 3));
  });

  it('refuses an out-of-order acknowledgement', async () => {
    const buffer = await open();
    await buffer.append(lines(0, 5));
    const batch = await buffer.next(2);
    await buffer.ack(batch!);
    await expect(buffer.ack(batch!)).rejects.toBeInstanceOf(TimeSeriesBufferOrderError);
  });
});
