/**
 * A full ceremony as separate parties run it (each step a separate CLI process) on registration_test,
 * on a stand-in "public" ptau (dev-ptau/ with another seed than the project's), then re-verified by a
 * third party from the published folder alone; tampered files rejected with the item named.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireArtifacts } from '../../circuits/proving/instances.ts';
import { type Groth16VerificationKey, madeFromDevelopmentPtau } from '../../ceremony/development-key.ts';
import { assertKeyAllowedOnChain, classifyVerificationKey } from '../../ceremony/key-trust.ts';
import { terminateSnarkjs } from '../../ceremony/snarkjs-curve.ts';
import { ensureDevPtau } from '../../dev-ptau/dev-ptau.ts';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const execFileAsync = promisify(execFile);
const INSTANCE = 'registration_test';
const r1csPath = requireArtifacts(INSTANCE).r1cs;
/** A stand-in for a public perpetual ptau: same generator, a seed that is not the project's development seed. */
const STAND_IN_SEED = {
  beaconHashHex: 'c0ffee00'.repeat(8),
  numIterationsExp: 10,
  contributionName: 'stand-in public ptau for the ceremony tests',
};

async function ceremony(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(
      process.execPath,
      ['--import', 'tsx', 'ceremony/cli.ts', ...args],
      {
        cwd: projectRoot,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

function lastHash(stdout: string, label: string): string {
  const match = new RegExp(`${label} ([0-9a-f]+)`).exec(stdout);
  if (!match) throw new Error(`no "${label}" in ${stdout}`);
  return match[1] as string;
}

let dir: string;
let ptau: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ceremony-'));
  const standIn = await ensureDevPtau({ power: 13, seed: STAND_IN_SEED, threads: 1 });
  ptau = join(dir, 'pot13_public.ptau');
  copyFileSync(standIn, ptau);
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await terminateSnarkjs();
});

describe('npm run ceremony', () => {
  it('--help lists the steps; a usage error exits 2; a typed error exits 1 with a hint', async () => {
    const help = await ceremony(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['import-ptau', 'init', 'contribute', 'beacon', 'finalize', 'verify-transcript'])
      expect(help.stdout).toContain(command);
    const usage = await ceremony(['beacon', '--in', 'a.zkey', '--out', 'b.zkey', '--hash', 'not-hex']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/expected hex/);
    const typed = await ceremony([
      'init',
      '--instance',
      INSTANCE,
      '--ptau',
      join(dir, 'pot13_public.ptau'),
      '--out',
      dir,
    ]);
    expect(typed.code).toBe(1);
    expect(typed.stderr).toMatch(/error: the ptau .* was not imported/);
    expect(typed.stderr).toMatch(/hint: run: npm run ceremony -- import-ptau/);
  });

  it('three contributors, a beacon, finalize; a third party re-verifies from the published files', async () => {
    const imported = await ceremony([
      'import-ptau',
      ptau,
      '--skip-verify',
      'stand-in ptau made by dev-ptau/ for the test',
    ]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/power 13/);
    const init = await ceremony(['init', '--instance', INSTANCE, '--ptau', ptau, '--out', dir]);
    expect(init.code, init.stderr).toBe(0);
    const hashes: string[] = [];
    for (const [i, name] of ['alice', 'bob', 'carol'].entries()) {
      const step = await ceremony([
        'contribute',
        '--in',
        join(dir, `${INSTANCE}_000${i}.zkey`),
        '--out',
        join(dir, `${INSTANCE}_000${i + 1}.zkey`),
        '--name',
        name,
      ]);
      expect(step.code, step.stderr).toBe(0);
      hashes.push(lastHash(step.stdout, 'contribution hash'));
    }
    // a contribution that does not start from the latest zkey is refused
    const stale = await ceremony([
      'contribute',
      '--in',
      join(dir, `${INSTANCE}_0001.zkey`),
      '--out',
      join(dir, 'x.zkey'),
      '--name',
      'mallory',
    ]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/is not the latest zkey of the transcript/);
    const beacon = await ceremony([
      'beacon',
      '--in',
      join(dir, `${INSTANCE}_0003.zkey`),
      '--out',
      join(dir, 'final.zkey'),
      '--hash',
      `0x${'5a'.repeat(32)}`,
      '--iterations-exp',
      '10',
    ]);
    expect(beacon.code, beacon.stderr).toBe(0);
    const finalize = await ceremony(['finalize', '--dir', dir, '--r1cs', r1csPath]);
    expect(finalize.code, finalize.stderr).toBe(0);

    const transcript = JSON.parse(readFileSync(join(dir, 'transcript.json'), 'utf8'));
    expect(transcript.contributions.map((c: { name: string }) => c.name)).toEqual(['alice', 'bob', 'carol']);
    expect(transcript.contributions.map((c: { contributionHash: string }) => c.contributionHash)).toEqual(
      hashes,
    );
    expect(transcript.beacon).toMatchObject({ beaconHash: '5a'.repeat(32), iterationsExp: 10 });
    expect(transcript.status).toBe('final');

    const verified = await ceremony(['verify-transcript', join(dir, 'transcript.json'), '--r1cs', r1csPath]);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/ceremony of registration_test verified/);
  }, 1_800_000);

  it('classifies the ceremony key as ceremony and allows it on chain 133', async () => {
    const verificationKey = JSON.parse(
      readFileSync(join(dir, 'verification_key.json'), 'utf8'),
    ) as Groth16VerificationKey;
    expect(await madeFromDevelopmentPtau(verificationKey)).toBe(false);
    const input = {
      instance: INSTANCE,
      verificationKey,
      transcriptPath: join(dir, 'transcript.json'),
      verifyOptions: { r1csPath },
    };
    expect(await classifyVerificationKey(input)).toBe('ceremony');
    expect((await assertKeyAllowedOnChain({ ...input, chainId: 133 })).trust).toBe('ceremony');
    // another key presented with this transcript is not the ceremony's
    const build = requireArtifacts(INSTANCE, { proving: true });
    const buildKey = JSON.parse(readFileSync(build.verificationKey, 'utf8')) as Groth16VerificationKey;
    expect(await classifyVerificationKey({ ...input, verificationKey: buildKey })).toBe('development');
  }, 900_000);

  it('rejects a transcript whose contribution hash list was edited, naming the contribution', async () => {
    const original = readFileSync(join(dir, 'transcript.json'), 'utf8');
    const edited = JSON.parse(original);
    edited.contributions[1].contributionHash = edited.contributions[0].contributionHash;
    writeFileSync(join(dir, 'transcript.json'), JSON.stringify(edited, null, 2));
    try {
      const result = await ceremony(['verify-transcript', join(dir, 'transcript.json'), '--r1cs', r1csPath]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/error: contribution #2 \(bob\): differs from what zkey verify reports/);
    } finally {
      writeFileSync(join(dir, 'transcript.json'), original);
    }
  }, 900_000);

  it('rejects a final zkey whose bytes were changed, naming it', async () => {
    const zkey = join(dir, 'final.zkey');
    const original = readFileSync(zkey);
    const tampered = Buffer.from(original);
    tampered[tampered.length - 100] = (tampered[tampered.length - 100] as number) ^ 1;
    writeFileSync(zkey, tampered);
    try {
      const result = await ceremony(['verify-transcript', join(dir, 'transcript.json'), '--r1cs', r1csPath]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/error: final zkey: .* is not the published file/);
    } finally {
      writeFileSync(zkey, original);
    }
  });
});
