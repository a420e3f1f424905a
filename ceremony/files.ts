/** File hashes and the small readers the ceremony needs. */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { CeremonyError } from './errors.ts';

/** The hashes a party publishes for a file. */
export interface FileHashes {
  sha256: string;
  blake2b512: string;
}

/** sha256 and blake2b-512 of a file (hex), in one streaming pass. */
export async function hashFile(path: string): Promise<FileHashes> {
  requireFile(path, 'file');
  const sha = createHash('sha256');
  const blake = createHash('blake2b512');
  for await (const chunk of createReadStream(path)) {
    sha.update(chunk as Buffer);
    blake.update(chunk as Buffer);
  }
  return { sha256: sha.digest('hex'), blake2b512: blake.digest('hex') };
}

/** sha256 (hex) of text or bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Throws a {@link CeremonyError} naming `what` when `path` does not exist. */
export function requireFile(path: string, what: string): void {
  if (!existsSync(path)) throw new CeremonyError(`${what} ${path} does not exist`);
}

/**
 * Power of a snarkjs powers-of-tau file, from its header section (type 1: n8, q, power, ceremonyPower).
 * Throws when the file is not a ptau file.
 */
export async function readPtauPower(path: string): Promise<number> {
  requireFile(path, 'ptau file');
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(12);
    await handle.read(head, 0, 12, 0);
    if (head.toString('latin1', 0, 4) !== 'ptau')
      throw new CeremonyError(`${path} is not a powers-of-tau file`, { details: 'no "ptau" magic' });
    const sections = head.readUInt32LE(8);
    let offset = 12;
    for (let i = 0; i < sections; i++) {
      const sectionHead = Buffer.alloc(12);
      await handle.read(sectionHead, 0, 12, offset);
      const type = sectionHead.readUInt32LE(0);
      const size = Number(sectionHead.readBigUInt64LE(4));
      if (type === 1) {
        const body = Buffer.alloc(Math.min(size, 64));
        await handle.read(body, 0, body.length, offset + 12);
        const n8 = body.readUInt32LE(0);
        return body.readUInt32LE(4 + n8);
      }
      offset += 12 + size;
    }
    throw new CeremonyError(`${path} has no header section`);
  } finally {
    await handle.close();
  }
}

/** Captures snarkjs's log lines (info, warn, error) for parsing and for error details. */
export interface CapturedLogger {
  info: (message: string) => void;
  debug: (message: string) => void;
  warn: (message: string) => void;
  error: (message: string) => void;
  lines: string[];
}

/** A snarkjs logger that keeps every line; `echo` also forwards them (progress on a terminal). */
export function captureLogger(echo?: (line: string) => void): CapturedLogger {
  const lines: string[] = [];
  const keep = (level: string) => (message: string) => {
    lines.push(`${level}: ${message}`);
    echo?.(`${level}: ${message}`);
  };
  return { info: keep('info'), debug: () => {}, warn: keep('warn'), error: keep('error'), lines };
}

/** One contribution as `zkey verify` reports it. */
export interface ReportedContribution {
  index: number;
  name: string;
  contributionHash: string;
  beaconHash?: string;
  beaconIterationsExp?: number;
}

/**
 * The contributions snarkjs's `zkey verify` reported (it logs "contribution #i name:" and the 64-byte
 * hash as 4 lines of 4 words, newest first), in order.
 */
export function parseReportedContributions(lines: readonly string[]): ReportedContribution[] {
  const out: ReportedContribution[] = [];
  for (const line of lines) {
    const head = /^info: contribution #(\d+) ?(.*?):\n([\s\S]*)$/.exec(line);
    if (head) {
      out.push({
        index: Number(head[1]),
        name: (head[2] ?? '').trim(),
        contributionHash: (head[3] ?? '').replace(/\s+/g, ''),
      });
      continue;
    }
    const last = out.at(-1);
    const beacon = /^info: Beacon generator: ([0-9a-f]+)$/.exec(line);
    if (beacon && last) last.beaconHash = beacon[1];
    const iterations = /^info: Beacon iterations Exp: (\d+)$/.exec(line);
    if (iterations && last) last.beaconIterationsExp = Number(iterations[1]);
  }
  return out.sort((a, b) => a.index - b.index);
}

/** snarkjs's circuit hash line of `zkey verify` / `zkey new` ("Circuit Hash:" + 4 lines), hex. */
export function parseCircuitHash(lines: readonly string[]): string | undefined {
  for (const line of lines) {
    const match = /^info: Circuit [Hh]ash: ?\n([\s\S]*)$/.exec(line);
    if (match) return (match[1] ?? '').replace(/\s+/g, '');
  }
  return undefined;
}
