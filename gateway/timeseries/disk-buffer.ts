import {
  type FileHandle,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  stat,
  truncate,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { Mutex } from 'async-mutex';
import { TimeSeriesBufferFullError, TimeSeriesBufferOrderError } from './errors.ts';

/** Options of the on-disk write buffer. */
export interface DiskBufferOptions {
  /** Folder of the segment files (created if missing). One buffer per folder. */
  dir: string;
  /** Upper bound of the bytes held on disk; an append that would pass it fails with `TimeSeriesBufferFullError`. */
  maxBytes: number;
  /** A segment file is sealed once it reaches this size. */
  segmentBytes: number;
  /** fsync every append (survives power loss, not only a process crash). */
  fsync: boolean;
}

/** Lines taken from the oldest segment for one send; hand it back to `ack` or `reject`. */
export interface BufferBatch {
  readonly segment: string;
  readonly firstLine: number;
  readonly lines: readonly string[];
}

interface Segment {
  name: string;
  lineCount: number;
  bytes: number;
}

const SEGMENT = /^seg-(\d{16})\.lp$/;
const PROGRESS_FILE = 'progress.json';
const REJECTED_DIR = 'rejected';

/**
 * An append-only, size-bounded buffer of line-protocol lines in numbered segment files
 * (`seg-0000000000000001.lp`, ...). Appends go to the newest segment; the sender reads the oldest
 * one in order and acknowledges what the server accepted; a segment is deleted once fully
 * acknowledged. The position inside the oldest segment is kept in `progress.json`, so a restarted
 * process resumes where it stopped and resends at most one unacknowledged batch (which the server
 * overwrites: same measurement, tags and timestamp). A line cut short by a crash is discarded at
 * open: its append never resolved.
 */
export class DiskBuffer {
  private readonly segments: Segment[] = [];
  private active: { segment: Segment; handle: FileHandle } | undefined;
  private nextNumber = 1;
  private ackedLines = 0; // lines of segments[0] already accepted by the server
  private cache: { name: string; lines: string[] } | undefined;
  private readonly lock = new Mutex();
  private totalBytes = 0;
  private totalLines = 0;

  private constructor(private readonly options: DiskBufferOptions) {}

  /** Opens the buffer in `options.dir`, picking up segments left by a previous process. */
  static async open(options: DiskBufferOptions): Promise<DiskBuffer> {
    const buffer = new DiskBuffer(options);
    await mkdir(options.dir, { recursive: true });
    const names = (await readdir(options.dir)).filter((name) => SEGMENT.test(name)).sort();
    for (const name of names) {
      const path = join(options.dir, name);
      const content = await readFile(path, 'utf8');
      const complete = content.lastIndexOf('\n') + 1;
      if (complete < content.length) await truncate(path, Buffer.byteLength(content.slice(0, complete)));
      const lineCount = complete === 0 ? 0 : content.slice(0, complete).split('\n').length - 1;
      if (lineCount === 0) {
        await unlink(path);
        continue;
      }
      buffer.segments.push({ name, lineCount, bytes: (await stat(path)).size });
    }
    let progress = { segment: '', ackedLines: 0 };
    try {
      progress = JSON.parse(await readFile(join(options.dir, PROGRESS_FILE), 'utf8'));
    } catch {
      // no progress yet: start at the first line
    }
    const first = buffer.segments[0];
    if (first !== undefined && progress.segment === first.name) {
      buffer.ackedLines = progress.ackedLines;
      if (buffer.ackedLines >= first.lineCount) {
        // Fully accepted, the process stopped before deleting it.
        await unlink(join(options.dir, first.name));
        buffer.segments.shift();
        buffer.ackedLines = 0;
      }
    }
    // Never reuse a segment number, not even one whose file is gone (the progress file may still name it).
    for (const name of [...names, progress.segment]) {
      const number = Number(SEGMENT.exec(name)?.[1] ?? 0);
      if (number >= buffer.nextNumber) buffer.nextNumber = number + 1;
    }
    for (const segment of buffer.segments) {
      buffer.totalBytes += segment.bytes;
      buffer.totalLines += segment.lineCount;
    }
    buffer.totalLines -= buffer.ackedLines;
    return buffer;
  }

  /** Lines waiting for the server. */
  points(): number {
    return this.totalLines;
  }

  /** Bytes of the segment files on disk. */
  bytes(): number {
    return this.totalBytes;
  }

  /** Appends all `lines` or none: throws `TimeSeriesBufferFullError` when they do not fit under `maxBytes`. */
  append(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return Promise.resolve();
    const data = `${lines.join('\n')}\n`;
    const size = Buffer.byteLength(data);
    return this.lock.runExclusive(async () => {
      if (this.totalBytes + size > this.options.maxBytes)
        throw new TimeSeriesBufferFullError({
          bufferedBytes: this.totalBytes,
          maxBufferBytes: this.options.maxBytes,
          rejectedPoints: lines.length,
          bufferDir: this.options.dir,
        });
      if (this.active === undefined || this.active.segment.bytes >= this.options.segmentBytes) {
        await this.sealActive();
        const name = `seg-${String(this.nextNumber++).padStart(16, '0')}.lp`;
        const segment = { name, lineCount: 0, bytes: 0 };
        this.active = { segment, handle: await open(join(this.options.dir, name), 'a') };
        this.segments.push(segment);
      }
      try {
        await this.active.handle.appendFile(data);
        if (this.options.fsync) await this.active.handle.sync();
      } catch (error) {
        // e.g. ENOSPC after a partial write: cut the segment back so no torn line precedes the next append
        await this.active.handle.truncate(this.active.segment.bytes).catch(() => undefined);
        throw error;
      }
      this.active.segment.bytes += size;
      this.active.segment.lineCount += lines.length;
      this.totalBytes += size;
      this.totalLines += lines.length;
    });
  }

  /** The next at most `maxLines` unacknowledged lines, in append order (sealing the newest segment if needed). */
  next(maxLines: number): Promise<BufferBatch | undefined> {
    return this.lock.runExclusive(async () => {
      const oldest = this.segments[0];
      if (oldest === undefined || this.ackedLines >= oldest.lineCount) return undefined;
      if (this.active?.segment === oldest) await this.sealActive();
      if (this.cache?.name !== oldest.name) {
        const content = await readFile(join(this.options.dir, oldest.name), 'utf8');
        this.cache = { name: oldest.name, lines: content.split('\n').slice(0, oldest.lineCount) };
      }
      return {
        segment: oldest.name,
        firstLine: this.ackedLines,
        lines: this.cache.lines.slice(this.ackedLines, this.ackedLines + maxLines),
      };
    });
  }

  /** Marks `batch` as accepted by the server; deletes its segment once fully accepted. */
  ack(batch: BufferBatch): Promise<void> {
    return this.lock.runExclusive(() => this.advance(batch));
  }

  /**
   * Moves `batch` out of the way into `rejected/` (kept, never deleted) when the server refuses it
   * as malformed; retrying it would block every later point.
   */
  reject(batch: BufferBatch, reason: string): Promise<string> {
    return this.lock.runExclusive(async () => {
      await mkdir(join(this.options.dir, REJECTED_DIR), { recursive: true });
      const file = join(this.options.dir, REJECTED_DIR, `${batch.segment}.${batch.firstLine}.lp`);
      await writeFile(file, `${batch.lines.join('\n')}\n`);
      await writeFile(`${file}.reason.txt`, `${reason}\n`);
      await this.advance(batch);
      return file;
    });
  }

  /** Closes the newest segment's file handle; buffered lines stay on disk for the next open. */
  close(): Promise<void> {
    return this.lock.runExclusive(() => this.sealActive());
  }

  private async advance(batch: BufferBatch): Promise<void> {
    const oldest = this.segments[0];
    if (oldest?.name !== batch.segment || batch.firstLine !== this.ackedLines)
      throw new TimeSeriesBufferOrderError(
        `buffer batch ${batch.segment}:${batch.firstLine} acknowledged out of order`,
        {
          details: `the oldest unacknowledged line is ${oldest?.name ?? '(none)'}:${this.ackedLines}`,
          hint: 'acknowledge batches once each, in the order next() returned them',
        },
      );
    this.ackedLines += batch.lines.length;
    this.totalLines -= batch.lines.length;
    const progressPath = join(this.options.dir, PROGRESS_FILE);
    if (this.ackedLines >= oldest.lineCount && this.active?.segment !== oldest) {
      // The progress file keeps naming this deleted segment: harmless (names are never reused) and it
      // tells `open` the highest number handed out so far.
      await unlink(join(this.options.dir, oldest.name));
      this.segments.shift();
      this.totalBytes -= oldest.bytes;
      this.ackedLines = 0;
      this.cache = undefined;
      return;
    }
    await writeFile(
      `${progressPath}.tmp`,
      JSON.stringify({ segment: oldest.name, ackedLines: this.ackedLines }),
    );
    await rename(`${progressPath}.tmp`, progressPath);
  }

  private async sealActive(): Promise<void> {
    if (this.active === undefined) return;
    await this.active.handle.close();
    this.active = undefined;
  }
}
