/**
 * The ceremony transcript (`transcript.json`): what each party publishes, in order. File names are
 * relative to the transcript's folder, so the folder can be published and re-verified anywhere.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { CeremonyError } from './errors.ts';

/** Format tag of a ceremony transcript (the build's development transcript has none). */
export const TRANSCRIPT_FORMAT = 'rwa-iot-oracle/phase2-ceremony/v1';

const hex = z.string().regex(/^[0-9a-f]+$/);
const fileRecord = z.object({ file: z.string(), sha256: hex });

const ptauRecord = z.object({
  file: z.string(),
  sha256: hex,
  blake2b512: hex,
  power: z.number().int(),
  verified: z.boolean(),
  skipReason: z.string().optional(),
});

const contribution = z.object({
  index: z.number().int().positive(),
  name: z.string(),
  contributionHash: hex,
  zkey: fileRecord,
});

const beacon = contribution.extend({
  beaconHash: hex,
  iterationsExp: z.number().int(),
});

/** The transcript schema (zod). */
export const transcriptSchema = z.object({
  format: z.literal(TRANSCRIPT_FORMAT),
  instance: z.string(),
  status: z.enum(['open', 'final']),
  r1cs: fileRecord,
  ptau: ptauRecord,
  initialZkey: fileRecord,
  contributions: z.array(contribution),
  beacon: beacon.optional(),
  final: z
    .object({
      circuitHash: hex,
      zkey: fileRecord,
      verificationKey: fileRecord,
      verifier: fileRecord,
    })
    .optional(),
});

/** A ceremony transcript. */
export type Transcript = z.infer<typeof transcriptSchema>;
/** The record of an imported ptau. */
export type PtauRecord = z.infer<typeof ptauRecord>;
/** One contribution of the transcript. */
export type ContributionRecord = z.infer<typeof contribution>;

/** Name of the transcript file in a ceremony folder. */
export const TRANSCRIPT_FILE = 'transcript.json';

/** Reads and validates a transcript; throws a {@link CeremonyError} naming the wrong fields. */
export function readTranscript(path: string): Transcript {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CeremonyError(`cannot read transcript ${path}`, { cause: error });
  }
  const parsed = transcriptSchema.safeParse(raw);
  if (!parsed.success) {
    throw new CeremonyError(`${path} is not a ceremony transcript`, {
      details: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
      hint: `a ceremony transcript starts with "format": "${TRANSCRIPT_FORMAT}" (npm run ceremony -- init)`,
    });
  }
  return parsed.data;
}

/** Writes a transcript (pretty JSON). */
export function writeTranscript(path: string, transcript: Transcript): void {
  writeFileSync(path, `${JSON.stringify(transcriptSchema.parse(transcript), null, 2)}\n`);
}

/** Absolute path of a file named in the transcript at `transcriptPath`. */
export function resolveInTranscript(transcriptPath: string, file: string): string {
  return join(dirname(transcriptPath), file);
}

/** The zkey the next step must start from: the last contribution's, or the initial one. */
export function latestZkey(transcript: Transcript): { file: string; sha256: string } {
  return transcript.beacon?.zkey ?? transcript.contributions.at(-1)?.zkey ?? transcript.initialZkey;
}
