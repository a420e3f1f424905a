import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as snarkjs from 'snarkjs';
import { afterAll, describe, expect, it } from 'vitest';
import { terminateCurves } from '../../circuits/build.ts';
import { DevPtauTooLargeError, ensureSnarkjsDevPtau } from '../../circuits/ts/dev-ptau.ts';

// The plain-snarkjs fallback of the development powers of tau (used when setup/dev-ptau.ts is absent).
const dir = mkdtempSync(join(tmpdir(), 'circuits-ptau-'));
afterAll(async () => {
  await terminateCurves();
  rmSync(dir, { recursive: true, force: true });
});

describe('snarkjs development ptau fallback', () => {
  it('refuses powers that take too long to prepare here', async () => {
    await expect(ensureSnarkjsDevPtau({ power: 15, cacheDir: dir })).rejects.toThrow(DevPtauTooLargeError);
  });

  it('makes a prepared ptau that snarkjs verifies, and reuses it from the cache', async () => {
    const path = await ensureSnarkjsDevPtau({ power: 6, cacheDir: dir });
    expect(await snarkjs.powersOfTau.verify(path, undefined)).toBe(true);
    const mtimeMs = statSync(path).mtimeMs;
    expect(await ensureSnarkjsDevPtau({ power: 6, cacheDir: dir })).toBe(path);
    expect(statSync(path).mtimeMs).toBe(mtimeMs);
  });
});
