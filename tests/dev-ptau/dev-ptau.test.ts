import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as snarkjs from 'snarkjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devPtauPath, ensureDevPtau } from '../../dev-ptau/dev-ptau.ts';
import { PtauPowerRefusedError } from '../../dev-ptau/errors.ts';
import { DEV_PTAU_SEED } from '../../dev-ptau/seed.ts';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

const MULTIPLIER_CIRCOM = `pragma circom 2.0.0;
template Multiplier() {
  signal input a;
  signal input b;
  signal output c;
  c <== a * b;
}
component main = Multiplier();
`;

describe('ensureDevPtau', () => {
  let cacheDir: string;
  let circuitDir: string;
  let curve: { terminate(): Promise<void> } | undefined;

  beforeAll(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), 'dev-ptau-cache-'));
    // circom2 (WASI) only sees files below its working directory: compile inside the project
    circuitDir = await mkdtemp(join(projectRoot, 'build', 'test-setup-'));
    curve = await snarkjs.curves.getCurveFromName('bn128');
  });

  afterAll(async () => {
    await curve?.terminate();
    await rm(cacheDir, { recursive: true, force: true });
    await rm(circuitDir, { recursive: true, force: true });
  });

  it('generates once, then serves the cached file without regenerating', async () => {
    const progress: number[] = [];
    const path = await ensureDevPtau({
      power: 6,
      cacheDir,
      onProgress: (p) => progress.push(p.donePoints / p.totalPoints),
    });
    expect(path).toBe(devPtauPath(6, cacheDir));
    expect(progress.at(-1)).toBe(1);
    const firstWrite = (await stat(path)).mtimeMs;
    const again = await ensureDevPtau({
      power: 6,
      cacheDir,
      onProgress: () => expect.unreachable('regenerated'),
    });
    expect(again).toBe(path);
    expect((await stat(path)).mtimeMs).toBe(firstWrite);
    expect(await readdir(cacheDir)).toEqual([basename(path)]);
  }, 300_000);

  it('regenerates a truncated cache file', async () => {
    const path = devPtauPath(5, cacheDir);
    await writeFile(path, 'not a ptau');
    await ensureDevPtau({ power: 5, cacheDir });
    expect(await snarkjs.powersOfTau.verify(path)).toBe(true);
  }, 300_000);

  it('a tiny circuit goes through groth16 setup, zkey contribute, beacon, verify, prove and verify', async () => {
    const ptau = await ensureDevPtau({ power: 6, cacheDir });
    const source = join(circuitDir, 'multiplier.circom');
    await writeFile(source, MULTIPLIER_CIRCOM);
    const circom = createRequire(import.meta.url).resolve('circom2/cli.js');
    const { stdout } = await run(
      process.execPath,
      [circom, relative(projectRoot, source), '--r1cs', '--wasm', '-o', relative(projectRoot, circuitDir)],
      {
        cwd: projectRoot,
      },
    );
    expect(stdout).toMatch(/Everything went okay/);
    const r1cs = join(circuitDir, 'multiplier.r1cs');
    const wasm = join(circuitDir, 'multiplier_js', 'multiplier.wasm');

    const zkey0 = join(circuitDir, 'multiplier_0000.zkey');
    const zkey1 = join(circuitDir, 'multiplier_0001.zkey');
    const zkeyFinal = join(circuitDir, 'multiplier_final.zkey');
    await snarkjs.zKey.newZKey(r1cs, ptau, zkey0);
    await snarkjs.zKey.contribute(zkey0, zkey1, 'first phase-2 contributor', 'some entropy');
    await snarkjs.zKey.beacon(zkey1, zkeyFinal, 'final beacon', DEV_PTAU_SEED.beaconHashHex, 10);
    expect(await snarkjs.zKey.verifyFromR1cs(r1cs, ptau, zkeyFinal)).toBe(true);

    const verificationKey = await snarkjs.zKey.exportVerificationKey(zkeyFinal);
    const { proof, publicSignals } = await snarkjs.groth16.fullProve({ a: 3, b: 11 }, wasm, zkeyFinal);
    expect(publicSignals).toEqual(['33']);
    expect(await snarkjs.groth16.verify(verificationKey, publicSignals, proof)).toBe(true);
    expect(await snarkjs.groth16.verify(verificationKey, ['34'], proof)).toBe(false);
  }, 300_000);

  it('snarkjs powersoftau verify accepts the file at 2^13', async () => {
    const path = await ensureDevPtau({ power: 13, cacheDir });
    expect(await snarkjs.powersOfTau.verify(path)).toBe(true);
  }, 900_000);

  it('snarkjs powersoftau verify rejects the file when one Lagrange point is altered', async () => {
    const path = await ensureDevPtau({ power: 6, cacheDir });
    const bytes = await readFile(path);
    // last 64 bytes of the file: the last point of section 15 (Lagrange betaTauG1, domain 2^6)
    bytes[bytes.byteLength - 40] = (bytes[bytes.byteLength - 40] as number) ^ 1;
    const tampered = join(cacheDir, 'tampered.ptau');
    await writeFile(tampered, bytes);
    expect(await snarkjs.powersOfTau.verify(tampered)).toBe(false);
  }, 300_000);

  it('refuses powers outside 1..27 with a typed error before doing any work', async () => {
    for (const power of [0, 28, 2.5, -3]) {
      await expect(ensureDevPtau({ power, cacheDir })).rejects.toBeInstanceOf(PtauPowerRefusedError);
    }
  });

  it('refuses when the up-front time estimate exceeds the caller limit', async () => {
    const attempt = ensureDevPtau({
      power: 22,
      cacheDir,
      maxSeconds: 5,
      onProgress: () => expect.unreachable('started'),
    });
    await expect(attempt).rejects.toBeInstanceOf(PtauPowerRefusedError);
    await expect(attempt).rejects.toThrow(/estimated \d+ s/);
  });
});
