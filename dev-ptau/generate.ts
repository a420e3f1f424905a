import { createReadStream } from 'node:fs';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { blake2b } from '@noble/hashes/blake2b';
import { buildBn128 } from 'ffjavascript';
import { type BeaconKey, beaconKey, blake2bPartialState, firstChallengeHash } from './beacon-key.ts';
import type { Bn254Curve } from './curve-types.ts';
import { PtauGenerationError } from './errors.ts';
import { bestWindowBits } from './fixed-base.ts';
import { AFFINE_BYTES, type GroupName, type PointJob, type PointJobResult } from './jobs.ts';
import {
  containerHeader,
  contributionSectionBytes,
  headerSectionBody,
  lagrangeSections,
  type PointSectionPlan,
  phase1Sections,
  sectionBytes,
  sectionHeader,
} from './ptau-layout.ts';
import type { DevPtauSeed } from './seed.ts';
import { PointWorkerPool } from './worker-pool.ts';

/** Progress of a generation run, reported after every chunk. */
export type PtauProgress = {
  section: string;
  donePoints: number;
  totalPoints: number;
  elapsedMs: number;
};

/** Options of {@link generateDevPtau}. */
export type GenerateDevPtauOptions = {
  power: number;
  /** Where the prepared file goes (written to `<path>.tmp` first, then renamed). */
  outputPath: string;
  /** Also write the unprepared file (sections 1-7, what `powersoftau beacon` outputs) here. */
  unpreparedPath?: string;
  seed: DevPtauSeed;
  /** Worker threads (default: 2). */
  threads?: number;
  onProgress?: (progress: PtauProgress) => void;
};

/** What a run produced. */
export type GenerateDevPtauReport = {
  outputPath: string;
  fileBytes: number;
  elapsedMs: number;
  /** blake2b-512 response hash of the beacon contribution, hex (as snarkjs prints it). */
  responseHashHex: string;
  /** blake2b-512 challenge hash after the contribution, hex. */
  nextChallengeHashHex: string;
};

/** Points per job: the chunk sizes of snarkjs's beacon (1 MiB of points), which fix its hasher state. */
const CHUNK_POINTS: Record<GroupName, number> = { G1: 16384, G2: 8192 };

/**
 * Writes a prepared powers-of-tau file of 2^power whose single contribution is the beacon
 * `seed`, byte-identical to `snarkjs powersoftau new` + `powersoftau beacon` + `powersoftau prepare
 * phase2`. Every point is `scalar * generator`, computed by fixed-base multiplication in worker
 * threads; the scalars are known because the beacon key (tau, alpha, beta) is derived from the
 * recorded seed. Sections are streamed to disk chunk by chunk: memory stays bounded whatever the power.
 *
 * @example
 * await generateDevPtau({ power: 12, outputPath: 'build/ptau/dev_12.ptau', seed: DEV_PTAU_SEED });
 */
export async function generateDevPtau(options: GenerateDevPtauOptions): Promise<GenerateDevPtauReport> {
  const startedMs = performance.now();
  const { power, seed } = options;
  const curve = (await buildBn128(true)) as Bn254Curve;
  const beaconHash = Buffer.from(seed.beaconHashHex, 'hex');
  const challengeHash = firstChallengeHash(curve, power);
  const key = beaconKey(curve, challengeHash, beaconHash, seed.numIterationsExp);

  const phase1 = phase1Sections(power);
  const lagrange = lagrangeSections(power);
  const totalPoints = [...phase1, ...lagrange].reduce((sum, section) => sum + section.points, 0);
  let donePoints = 0;
  const report = (section: string, points: number): void => {
    donePoints += points;
    options.onProgress?.({ section, donePoints, totalPoints, elapsedMs: performance.now() - startedMs });
  };

  const temporaryPath = `${options.outputPath}.${process.pid}.tmp`;
  const uncompressedPath = `${options.outputPath}.${process.pid}.hash.tmp`;
  const threads = options.threads ?? 2;
  const pointsOf = (group: GroupName): number =>
    [...phase1, ...lagrange]
      .filter((section) => section.group === group)
      .reduce((sum, section) => sum + section.points, 0);
  let pool: PointWorkerPool | undefined;
  let file: FileHandle | undefined;
  let uncompressedFile: FileHandle | undefined;
  try {
    file = await open(temporaryPath, 'w');
    uncompressedFile = await open(uncompressedPath, 'w');
    const hashStream = uncompressedFile;
    pool = await PointWorkerPool.start(threads, {
      windowBits: {
        G1: bestWindowBits(pointsOf('G1') / threads),
        G2: bestWindowBits(pointsOf('G2') / threads),
      },
    });
    const writer = new SequentialWriter(file);
    await writer.write(containerHeader(11));
    await writer.write(sectionHeader(1, 44));
    await writer.write(headerSectionBody(power));

    // Phase 1: the beacon contribution applied to a fresh accumulator (all points = generators).
    const responseHasher = blake2b.create({ dkLen: 64 });
    responseHasher.update(challengeHash);
    const firstPoints = new Map<number, Uint8Array>();
    const factors: Record<number, bigint> = { 2: 1n, 3: 1n, 4: key.alpha, 5: key.beta, 6: key.beta };
    for (const section of phase1) {
      await writer.write(sectionHeader(section.id, sectionBytes(section)));
      const jobs = chunkJobs(section, (start, count) => ({
        kind: 'powers',
        group: section.group,
        start,
        count,
        tau: key.tau,
        factor: factors[section.id] as bigint,
        withEncodings: true,
      }));
      await runInOrder(pool, jobs, async (result, job) => {
        if (job.start === 0)
          firstPoints.set(
            section.id,
            result.lem.slice(0, Math.min(2, job.count) * AFFINE_BYTES[section.group]),
          );
        await writer.write(result.lem);
        responseHasher.update(result.compressed as Uint8Array);
        await hashStream.write(result.uncompressed as Uint8Array);
        report(section.name, job.count);
      });
    }
    await uncompressedFile.close();

    const partialHash = blake2bPartialState(responseHasher);
    responseHasher.update(key.publicKeyUncompressed);
    const responseHash = responseHasher.digest();
    const nextChallengeHash = await hashFileAfter(responseHash, uncompressedPath);

    const contribution = contributionSection(seed, key, firstPoints, partialHash, nextChallengeHash);
    await writer.write(sectionHeader(7, contribution.byteLength));
    await writer.write(contribution);
    const phase1EndBytes = writer.position;

    // Phase 2 preparation: Lagrange bases at tau, alpha*tau, beta*tau for every domain 2^p.
    const lagrangeFactors: Record<number, bigint> = { 12: 1n, 13: 1n, 14: key.alpha, 15: key.beta };
    for (const section of lagrange) {
      await writer.write(sectionHeader(section.id, sectionBytes(section)));
      const lastDomainBits = section.id === 12 ? power + 1 : power;
      for (let domainBits = 0; domainBits <= lastDomainBits; domainBits++) {
        const domain: PointSectionPlan = { ...section, points: 2 ** domainBits };
        const jobs = chunkJobs(domain, (start, count) => ({
          kind: 'lagrange',
          group: section.group,
          start,
          count,
          tau: key.tau,
          factor: lagrangeFactors[section.id] as bigint,
          domainBits,
          dropLast: domainBits === power + 1,
          withEncodings: false,
        }));
        await runInOrder(pool, jobs, async (result, job) => {
          await writer.write(result.lem);
          report(section.name, job.count);
        });
      }
    }
    await file.sync();
    await file.close();
    if (options.unpreparedPath) await writeUnprepared(temporaryPath, options.unpreparedPath, phase1EndBytes);
    await rename(temporaryPath, options.outputPath);
    return {
      outputPath: options.outputPath,
      fileBytes: writer.position,
      elapsedMs: performance.now() - startedMs,
      responseHashHex: Buffer.from(responseHash).toString('hex'),
      nextChallengeHashHex: Buffer.from(nextChallengeHash).toString('hex'),
    };
  } catch (error) {
    await file?.close().catch(() => undefined);
    await rm(temporaryPath, { force: true });
    throw error instanceof PtauGenerationError
      ? error
      : new PtauGenerationError(`generating the development ptau of 2^${power} failed`, {
          details: error instanceof Error ? error.message : String(error),
          cause: error,
        });
  } finally {
    await uncompressedFile?.close().catch(() => undefined);
    await rm(uncompressedPath, { force: true });
    await pool?.close();
  }
}

/** Appends buffers at the end of a file, tracking the position. */
class SequentialWriter {
  position = 0;
  constructor(private readonly file: FileHandle) {}
  async write(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < bytes.byteLength) {
      const { bytesWritten } = await this.file.write(bytes, offset, bytes.byteLength - offset, this.position);
      offset += bytesWritten;
      this.position += bytesWritten;
    }
  }
}

/** Splits a section (or one Lagrange domain) into jobs of at most {@link CHUNK_POINTS} points. */
function chunkJobs(section: PointSectionPlan, make: (start: number, count: number) => PointJob): PointJob[] {
  const chunk = CHUNK_POINTS[section.group];
  const jobs: PointJob[] = [];
  for (let start = 0; start < section.points; start += chunk)
    jobs.push(make(start, Math.min(chunk, section.points - start)));
  return jobs;
}

/**
 * Runs jobs on the pool with a bounded number in flight (2 per thread) and hands the results to
 * `consume` strictly in job order, so the file is written sequentially.
 */
async function runInOrder(
  pool: PointWorkerPool,
  jobs: PointJob[],
  consume: (result: PointJobResult, job: PointJob) => Promise<void>,
): Promise<void> {
  const inFlight: Promise<PointJobResult>[] = [];
  const window = pool.size * 2;
  let next = 0;
  while (next < jobs.length && inFlight.length < window) inFlight.push(pool.run(jobs[next++] as PointJob));
  for (let done = 0; done < jobs.length; done++) {
    const result = await (inFlight.shift() as Promise<PointJobResult>);
    if (next < jobs.length) inFlight.push(pool.run(jobs[next++] as PointJob));
    await consume(result, jobs[done] as PointJob);
  }
}

/** blake2b-512(prefix || contents of the file at `path`), streamed. */
async function hashFileAfter(prefix: Uint8Array, path: string): Promise<Uint8Array> {
  const hasher = blake2b.create({ dkLen: 64 });
  hasher.update(prefix);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 22 }))
    hasher.update(chunk as Buffer);
  return hasher.digest();
}

/** Section 7 body: one beacon contribution, laid out as snarkjs's `writeContribution`. */
function contributionSection(
  seed: DevPtauSeed,
  key: BeaconKey,
  firstPoints: Map<number, Uint8Array>,
  partialHash: Uint8Array,
  nextChallengeHash: Uint8Array,
): Uint8Array {
  const name = new TextEncoder().encode(seed.contributionName.substring(0, 64));
  const beaconHash = Buffer.from(seed.beaconHashHex, 'hex');
  const body = new Uint8Array(contributionSectionBytes(name.byteLength, beaconHash.byteLength));
  const view = new DataView(body.buffer);
  let offset = 0;
  const put = (bytes: Uint8Array): void => {
    body.set(bytes, offset);
    offset += bytes.byteLength;
  };
  const point = (sectionId: number, index: number, bytes: number): Uint8Array =>
    (firstPoints.get(sectionId) as Uint8Array).subarray(index * bytes, (index + 1) * bytes);
  view.setUint32(offset, 1, true);
  offset += 4;
  put(point(2, 1, 64)); // tau * G1
  put(point(3, 1, 128)); // tau * G2
  put(point(4, 0, 64)); // alpha * G1
  put(point(5, 0, 64)); // beta * G1
  put(point(6, 0, 128)); // beta * G2
  put(key.publicKeyLem);
  put(partialHash);
  put(nextChallengeHash);
  view.setUint32(offset, 1, true); // contribution type 1: beacon
  offset += 4;
  const params = [
    1,
    name.byteLength,
    ...name,
    2,
    seed.numIterationsExp,
    3,
    beaconHash.byteLength,
    ...beaconHash,
  ];
  view.setUint32(offset, params.length, true);
  offset += 4;
  put(new Uint8Array(params));
  return body;
}

/** Copies sections 1-7 of the prepared file into an unprepared file (section count 7). */
async function writeUnprepared(
  preparedPath: string,
  unpreparedPath: string,
  phase1EndBytes: number,
): Promise<void> {
  const source = await open(preparedPath, 'r');
  const target = await open(unpreparedPath, 'w');
  try {
    const buffer = Buffer.alloc(1 << 22);
    for (let position = 0; position < phase1EndBytes; ) {
      const { bytesRead } = await source.read(
        buffer,
        0,
        Math.min(buffer.byteLength, phase1EndBytes - position),
        position,
      );
      await target.write(buffer, 0, bytesRead, position);
      position += bytesRead;
    }
    await target.write(containerHeader(7), 0, 12, 0);
  } finally {
    await source.close();
    await target.close();
  }
}
