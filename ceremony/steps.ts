/**
 * The ceremony steps, each run by one party on its own machine: import a public ptau, start phase 2
 * for an instance, contribute, close with a public beacon, finalize. Every step checks that it starts
 * from the file the transcript names last (by sha256) and appends what it did.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import * as snarkjs from 'snarkjs';
import { artifactPaths } from '../circuits/proving/instances.ts';
import { CeremonyError } from './errors.ts';
import { exportVerifier } from './export.ts';
import { captureLogger, type FileHashes, hashFile, readPtauPower, requireFile } from './files.ts';
import {
  latestZkey,
  type PtauRecord,
  readTranscript,
  resolveInTranscript,
  TRANSCRIPT_FILE,
  TRANSCRIPT_FORMAT,
  type Transcript,
  writeTranscript,
} from './transcript.ts';
import { checkCeremonyChain } from './verify.ts';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** Where `import-ptau` writes its record by default: beside the ptau file. */
export function ptauRecordPath(ptauPath: string): string {
  return `${ptauPath}.import.json`;
}

/** Options of {@link importPtau}. */
export interface ImportPtauOptions {
  ptauPath: string;
  /** Skip `powersoftau verify` (large files take hours); the reason is recorded. */
  skipVerifyReason?: string;
  /** Where to write the record (default `<ptau>.import.json`). */
  recordPath?: string;
  log?: (line: string) => void;
}

/**
 * Checks a public powers-of-tau file with snarkjs `powersoftau verify` (unless skipped, with the
 * reason recorded), records its sha256, blake2b-512 and power, and writes the record that `init` reads.
 */
export async function importPtau(options: ImportPtauOptions): Promise<PtauRecord> {
  const ptauPath = resolve(options.ptauPath);
  const power = await readPtauPower(ptauPath);
  let verified = false;
  if (options.skipVerifyReason === undefined) {
    const logger = captureLogger(options.log);
    const ok: boolean = await snarkjs.powersOfTau.verify(ptauPath, logger);
    if (!ok)
      throw new CeremonyError(`powersoftau verify rejected ${ptauPath}`, {
        details: logger.lines
          .filter((l) => l.startsWith('error'))
          .join('; ')
          .slice(-2000),
        hint: 'download the file again from the ceremony and compare its blake2b hash with the published one',
      });
    verified = true;
  }
  const hashes: FileHashes = await hashFile(ptauPath);
  const record: PtauRecord = {
    file: basename(ptauPath),
    ...hashes,
    power,
    verified,
    ...(options.skipVerifyReason === undefined ? {} : { skipReason: options.skipVerifyReason }),
  };
  writeFileSync(options.recordPath ?? ptauRecordPath(ptauPath), `${JSON.stringify(record, null, 2)}\n`);
  return record;
}

/** Options of {@link initCeremony}. */
export interface InitOptions {
  instance: string;
  ptauPath: string;
  outDir: string;
  /** Default `build/circuits/<instance>/circuit.r1cs`. */
  r1csPath?: string;
  /** Default `<ptau>.import.json` (written by `import-ptau`). */
  ptauRecordPath?: string;
  log?: (line: string) => void;
}

/** What `init` did. */
export interface InitResult {
  transcriptPath: string;
  zkeyPath: string;
  transcript: Transcript;
}

async function readImportedPtau(ptauPath: string, recordPath: string): Promise<PtauRecord> {
  if (!existsSync(recordPath))
    throw new CeremonyError(`the ptau ${ptauPath} was not imported`, {
      hint: `run: npm run ceremony -- import-ptau ${ptauPath}`,
    });
  const record = JSON.parse(readFileSync(recordPath, 'utf8')) as PtauRecord;
  const hashes = await hashFile(ptauPath);
  if (hashes.sha256 !== record.sha256)
    throw new CeremonyError(`the ptau ${ptauPath} is not the file recorded in ${recordPath}`, {
      details: `sha256 ${hashes.sha256}, recorded ${record.sha256}`,
      hint: 'import the file again (npm run ceremony -- import-ptau)',
    });
  return record;
}

/**
 * Phase-2 start (`zkey new`) for an instance from its compiled r1cs: writes `<out>/<instance>_0000.zkey`
 * and `<out>/transcript.json` with the r1cs hash, the ptau record and the initial zkey hash.
 */
export async function initCeremony(options: InitOptions): Promise<InitResult> {
  const ptauPath = resolve(options.ptauPath);
  const r1csPath = options.r1csPath ?? artifactPaths(options.instance).r1cs;
  requireFile(r1csPath, `r1cs of ${options.instance}`);
  const ptau = await readImportedPtau(ptauPath, options.ptauRecordPath ?? ptauRecordPath(ptauPath));
  mkdirSync(options.outDir, { recursive: true });
  const zkeyPath = join(options.outDir, `${options.instance}_0000.zkey`);
  const logger = captureLogger(options.log);
  await snarkjs.zKey.newZKey(r1csPath, ptauPath, zkeyPath, logger);
  if (!existsSync(zkeyPath))
    throw new CeremonyError(`zkey new failed for ${options.instance}`, {
      details: logger.lines
        .filter((l) => !l.startsWith('info'))
        .join('; ')
        .slice(-2000),
      hint: 'the ptau must hold 2^power > constraints + public inputs (circuits/build.ts requiredPtauPower)',
    });
  const transcript: Transcript = {
    format: TRANSCRIPT_FORMAT,
    instance: options.instance,
    status: 'open',
    r1cs: { file: basename(r1csPath), sha256: (await hashFile(r1csPath)).sha256 },
    ptau,
    initialZkey: { file: basename(zkeyPath), sha256: (await hashFile(zkeyPath)).sha256 },
    contributions: [],
  };
  const transcriptPath = join(options.outDir, TRANSCRIPT_FILE);
  writeTranscript(transcriptPath, transcript);
  return { transcriptPath, zkeyPath, transcript };
}

/** Reads the transcript beside `inPath` (or at `transcriptPath`) and checks `inPath` is its latest zkey. */
async function openStep(
  inPath: string,
  transcriptPath?: string,
): Promise<{ path: string; transcript: Transcript }> {
  const path = transcriptPath ?? join(dirname(inPath), TRANSCRIPT_FILE);
  requireFile(path, 'transcript');
  const transcript = readTranscript(path);
  if (transcript.status === 'final' || transcript.beacon)
    throw new CeremonyError(`the ceremony of ${transcript.instance} is closed (beacon applied)`);
  const expected = latestZkey(transcript);
  const actual = (await hashFile(inPath)).sha256;
  if (actual !== expected.sha256)
    throw new CeremonyError(`${inPath} is not the latest zkey of the transcript`, {
      details: `sha256 ${actual}, transcript expects ${expected.file} with sha256 ${expected.sha256}`,
      hint: 'contribute on the zkey published last, together with its transcript.json',
    });
  return { path, transcript };
}

/** Writes the transcript beside the new zkey (the folder passed on to the next party). */
function closeStep(outPath: string, transcript: Transcript): string {
  const path = join(dirname(outPath), TRANSCRIPT_FILE);
  writeTranscript(path, transcript);
  return path;
}

/** Options of {@link contribute}. */
export interface ContributeOptions {
  inPath: string;
  outPath: string;
  name: string;
  /** Extra entropy text (default 64 random bytes from node:crypto; snarkjs adds its own as well). */
  entropy?: string;
  transcriptPath?: string;
  log?: (line: string) => void;
}

/** What a contribution or beacon produced: the hash the party publishes. */
export interface StepResult {
  contributionHash: string;
  zkeySha256: string;
  transcriptPath: string;
}

/** One phase-2 contribution (`zkey contribute`), appended to the transcript. */
export async function contribute(options: ContributeOptions): Promise<StepResult> {
  const { transcript } = await openStep(options.inPath, options.transcriptPath);
  const logger = captureLogger(options.log);
  const entropy = options.entropy ?? randomBytes(64).toString('hex');
  const hash: Uint8Array = await snarkjs.zKey.contribute(
    options.inPath,
    options.outPath,
    options.name,
    entropy,
    logger,
  );
  if (!(hash instanceof Uint8Array)) throw new CeremonyError(`zkey contribute failed on ${options.inPath}`);
  const zkeySha256 = (await hashFile(options.outPath)).sha256;
  transcript.contributions.push({
    index: transcript.contributions.length + 1,
    name: options.name,
    contributionHash: hex(hash),
    zkey: { file: basename(options.outPath), sha256: zkeySha256 },
  });
  return { contributionHash: hex(hash), zkeySha256, transcriptPath: closeStep(options.outPath, transcript) };
}

/** Options of {@link applyBeacon}. */
export interface BeaconOptions {
  inPath: string;
  outPath: string;
  /** Hex of a public random value announced in advance (e.g. a future block hash). */
  beaconHashHex: string;
  iterationsExp: number;
  name?: string;
  transcriptPath?: string;
  log?: (line: string) => void;
}

/** The closing beacon (`zkey beacon`): a contribution anyone can recompute from the public value. */
export async function applyBeacon(options: BeaconOptions): Promise<StepResult> {
  const { transcript } = await openStep(options.inPath, options.transcriptPath);
  if (transcript.contributions.length === 0)
    throw new CeremonyError('a beacon needs at least one contribution before it', {
      hint: 'npm run ceremony -- contribute --in <zkey> --out <zkey> --name <you>',
    });
  const logger = captureLogger(options.log);
  const name = options.name ?? 'final beacon';
  const hash: Uint8Array | false = await snarkjs.zKey.beacon(
    options.inPath,
    options.outPath,
    name,
    options.beaconHashHex,
    options.iterationsExp,
    logger,
  );
  if (!(hash instanceof Uint8Array))
    throw new CeremonyError('zkey beacon refused its arguments', {
      details: logger.lines.filter((l) => l.startsWith('error')).join('; '),
      hint: 'the beacon hash is hex of 1 to 255 bytes; the iterations exponent is 10 to 63',
    });
  const zkeySha256 = (await hashFile(options.outPath)).sha256;
  transcript.beacon = {
    index: transcript.contributions.length + 1,
    name,
    contributionHash: hex(hash),
    zkey: { file: basename(options.outPath), sha256: zkeySha256 },
    beaconHash: options.beaconHashHex.toLowerCase(),
    iterationsExp: options.iterationsExp,
  };
  return { contributionHash: hex(hash), zkeySha256, transcriptPath: closeStep(options.outPath, transcript) };
}

/** Options of {@link finalizeCeremony}. */
export interface FinalizeOptions {
  transcriptPath: string;
  /** Default: the ptau file named in the transcript, beside it. */
  ptauPath?: string;
  /** Default `build/circuits/<instance>/circuit.r1cs`. */
  r1csPath?: string;
  log?: (line: string) => void;
}

/** Files of a finalized ceremony, beside its transcript. */
export const FINAL_FILES = { verificationKey: 'verification_key.json', verifier: 'Verifier.sol' } as const;

/**
 * Verifies the whole chain (`zkey verify` against the r1cs and the ptau, contribution hashes in order),
 * exports `verification_key.json` and `Verifier.sol` from the final zkey and completes the transcript.
 */
export async function finalizeCeremony(options: FinalizeOptions): Promise<Transcript> {
  const transcript = readTranscript(options.transcriptPath);
  if (!transcript.beacon)
    throw new CeremonyError('the ceremony has no beacon yet', {
      hint: 'npm run ceremony -- beacon --in <last zkey> --out final.zkey --hash <announced hex> --iterations-exp 10',
    });
  const zkeyPath = resolveInTranscript(options.transcriptPath, transcript.beacon.zkey.file);
  const r1csPath = options.r1csPath ?? artifactPaths(transcript.instance).r1cs;
  const ptauPath = options.ptauPath ?? resolveInTranscript(options.transcriptPath, transcript.ptau.file);
  const { circuitHash } = await checkCeremonyChain(transcript, {
    zkeyPath,
    r1csPath,
    ptauPath,
    log: options.log,
  });
  const vkey = await snarkjs.zKey.exportVerificationKey(zkeyPath, undefined);
  const vkeyPath = resolveInTranscript(options.transcriptPath, FINAL_FILES.verificationKey);
  writeFileSync(vkeyPath, `${JSON.stringify(vkey, null, 2)}\n`);
  const verifierPath = resolveInTranscript(options.transcriptPath, FINAL_FILES.verifier);
  writeFileSync(verifierPath, await exportVerifier(zkeyPath, transcript.instance));
  transcript.final = {
    circuitHash,
    zkey: transcript.beacon.zkey,
    verificationKey: { file: FINAL_FILES.verificationKey, sha256: (await hashFile(vkeyPath)).sha256 },
    verifier: { file: FINAL_FILES.verifier, sha256: (await hashFile(verifierPath)).sha256 },
  };
  transcript.status = 'final';
  writeTranscript(options.transcriptPath, transcript);
  return transcript;
}
