/**
 * Re-verification of a published ceremony from its files alone: hashes, `zkey verify` against the
 * r1cs and the ptau, the contribution hashes snarkjs reports against the transcript's (in order), the
 * beacon, and the verification key and Solidity verifier against those exported from the final zkey.
 * The first failing item is thrown as a {@link CeremonyVerificationError} naming it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import * as snarkjs from 'snarkjs';
import { artifactPaths } from '../circuits/proving/instances.ts';
import { CeremonyError, CeremonyVerificationError } from './errors.ts';
import { exportVerifier } from './export.ts';
import {
  captureLogger,
  hashFile,
  parseCircuitHash,
  parseReportedContributions,
  type ReportedContribution,
} from './files.ts';
import { readTranscript, resolveInTranscript, type Transcript } from './transcript.ts';

async function expectHash(item: string, path: string, sha256: string): Promise<void> {
  if (!existsSync(path)) throw new CeremonyVerificationError(item, `${path} does not exist`);
  const actual = (await hashFile(path)).sha256;
  if (actual !== sha256)
    throw new CeremonyVerificationError(item, `${path} is not the published file`, {
      details: `sha256 ${actual}, transcript says ${sha256}`,
    });
}

function compareContributions(transcript: Transcript, reported: readonly ReportedContribution[]): void {
  const expected = [...transcript.contributions, ...(transcript.beacon ? [transcript.beacon] : [])];
  if (reported.length !== expected.length)
    throw new CeremonyVerificationError(
      'contributions',
      `zkey verify reports ${reported.length} contributions`,
      {
        details: `the transcript lists ${expected.length} (including the beacon)`,
      },
    );
  expected.forEach((record, i) => {
    const got = reported[i] as ReportedContribution;
    const item = `contribution #${i + 1} (${record.name})`;
    if (got.contributionHash !== record.contributionHash || got.name !== record.name)
      throw new CeremonyVerificationError(item, 'differs from what zkey verify reports', {
        details: `zkey: ${got.name} ${got.contributionHash}; transcript: ${record.name} ${record.contributionHash}`,
      });
  });
  const beacon = transcript.beacon;
  const last = reported.at(-1);
  if (beacon && (last?.beaconHash !== beacon.beaconHash || last.beaconIterationsExp !== beacon.iterationsExp))
    throw new CeremonyVerificationError('beacon', 'the last contribution is not the announced beacon', {
      details: `zkey: ${last?.beaconHash ?? 'no beacon'} 2^${last?.beaconIterationsExp}; transcript: ${beacon.beaconHash} 2^${beacon.iterationsExp}`,
    });
}

/** Files a chain check reads. */
export interface ChainFiles {
  zkeyPath: string;
  r1csPath: string;
  ptauPath: string;
  log?: (line: string) => void;
}

/**
 * Checks the r1cs, ptau and final zkey hashes against the transcript, runs `zkey verify` (snarkjs
 * `verifyFromR1cs`) and compares the contributions it reports with the transcript's. Resolves with
 * snarkjs's circuit hash.
 */
export async function checkCeremonyChain(
  transcript: Transcript,
  files: ChainFiles,
): Promise<{ circuitHash: string }> {
  await expectHash('r1cs', files.r1csPath, transcript.r1cs.sha256);
  await expectHash('ptau', files.ptauPath, transcript.ptau.sha256);
  const finalZkey = transcript.beacon?.zkey ?? transcript.contributions.at(-1)?.zkey;
  if (!finalZkey)
    throw new CeremonyVerificationError('contributions', 'the transcript lists no contribution');
  await expectHash('final zkey', files.zkeyPath, finalZkey.sha256);
  const logger = captureLogger(files.log);
  let ok = false;
  try {
    ok = await snarkjs.zKey.verifyFromR1cs(files.r1csPath, files.ptauPath, files.zkeyPath, logger);
  } catch (error) {
    throw new CeremonyVerificationError('zkey verify', `snarkjs could not read the zkey: ${String(error)}`);
  }
  if (!ok)
    throw new CeremonyVerificationError(
      'zkey verify',
      'the final zkey does not follow from the r1cs and the ptau',
      {
        details:
          logger.lines
            .filter((l) => !l.startsWith('info'))
            .join('; ')
            .slice(-2000) || undefined,
      },
    );
  compareContributions(transcript, parseReportedContributions(logger.lines));
  const circuitHash = parseCircuitHash(logger.lines);
  if (!circuitHash) throw new CeremonyError('zkey verify did not report the circuit hash');
  if (transcript.final && transcript.final.circuitHash !== circuitHash)
    throw new CeremonyVerificationError('circuit hash', 'differs from the transcript', {
      details: `zkey verify: ${circuitHash}; transcript: ${transcript.final.circuitHash}`,
    });
  return { circuitHash };
}

/** Overrides of the files {@link verifyTranscript} reads (default: beside the transcript). */
export interface VerifyTranscriptOptions {
  ptauPath?: string;
  /** Default: beside the transcript if present, else `build/circuits/<instance>/circuit.r1cs`. */
  r1csPath?: string;
  zkeyPath?: string;
  log?: (line: string) => void;
}

/** What a successful verification established. */
export interface VerifiedCeremony {
  instance: string;
  contributions: { name: string; contributionHash: string }[];
  beaconHash: string;
  verificationKeySha256: string;
  circuitHash: string;
}

function defaultR1cs(transcriptPath: string, transcript: Transcript): string {
  const beside = resolveInTranscript(transcriptPath, transcript.r1cs.file);
  return existsSync(beside) ? beside : artifactPaths(transcript.instance).r1cs;
}

/**
 * Re-verifies a finalized ceremony from its published files. Throws a {@link CeremonyVerificationError}
 * naming the first failing item; resolves with the verified facts.
 *
 * @example
 * await verifyTranscript('ceremony/epoch_b64_d20/transcript.json', { ptauPath: 'pot20.ptau' });
 */
export async function verifyTranscript(
  transcriptPath: string,
  options: VerifyTranscriptOptions = {},
): Promise<VerifiedCeremony> {
  let transcript: Transcript;
  try {
    transcript = readTranscript(transcriptPath);
  } catch (error) {
    throw new CeremonyVerificationError(
      'transcript',
      error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error),
    );
  }
  const final = transcript.final;
  if (transcript.status !== 'final' || !final || !transcript.beacon)
    throw new CeremonyVerificationError('transcript', 'the ceremony is not finalized', {
      hint: 'npm run ceremony -- finalize',
    });
  for (const record of [transcript.initialZkey, ...transcript.contributions.map((c) => c.zkey)]) {
    const path = resolveInTranscript(transcriptPath, record.file);
    if (existsSync(path)) await expectHash(`zkey ${record.file}`, path, record.sha256);
  }
  const zkeyPath = options.zkeyPath ?? resolveInTranscript(transcriptPath, final.zkey.file);
  const { circuitHash } = await checkCeremonyChain(transcript, {
    zkeyPath,
    r1csPath: options.r1csPath ?? defaultR1cs(transcriptPath, transcript),
    ptauPath: options.ptauPath ?? resolveInTranscript(transcriptPath, transcript.ptau.file),
    log: options.log,
  });
  const vkeyPath = resolveInTranscript(transcriptPath, final.verificationKey.file);
  await expectHash('verification key', vkeyPath, final.verificationKey.sha256);
  const exported = await snarkjs.zKey.exportVerificationKey(zkeyPath, undefined);
  if (!isDeepStrictEqual(JSON.parse(readFileSync(vkeyPath, 'utf8')), JSON.parse(JSON.stringify(exported))))
    throw new CeremonyVerificationError('verification key', `${vkeyPath} is not the key of the final zkey`);
  const verifierPath = resolveInTranscript(transcriptPath, final.verifier.file);
  await expectHash('verifier', verifierPath, final.verifier.sha256);
  if (readFileSync(verifierPath, 'utf8') !== (await exportVerifier(zkeyPath, transcript.instance)))
    throw new CeremonyVerificationError('verifier', `${verifierPath} is not the verifier of the final zkey`);
  return {
    instance: transcript.instance,
    contributions: transcript.contributions.map(({ name, contributionHash }) => ({ name, contributionHash })),
    beaconHash: transcript.beacon.beaconHash,
    verificationKeySha256: final.verificationKey.sha256,
    circuitHash,
  };
}
