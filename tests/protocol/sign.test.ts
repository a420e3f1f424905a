import { describe, expect, it } from 'vitest';
import { TORSION_POINTS } from '../../protocol/crypto/subgroup.ts';
import {
  derivePublicKey,
  deviceCommit,
  generatePrivateKey,
  isSmallOrderPublicKey,
  KeyError,
  keyHash,
  poseidonHash,
  SUBGROUP_ORDER,
  signReading,
  verifyReading,
} from '../../protocol/index.ts';
import { EV, PRIVATE_KEY, PUBLIC_KEY, PV, SIGNED_EV, SIGNED_PV } from './support/fixtures.ts';

describe('keys', () => {
  it('generatePrivateKey gives 64 hex chars from the random source', () => {
    expect(generatePrivateKey()).toMatch(/^[0-9a-f]{64}$/);
    expect(generatePrivateKey((n) => new Uint8Array(n).fill(0xab))).toBe('ab'.repeat(32));
    expect(generatePrivateKey()).not.toBe(generatePrivateKey());
    expect(() => generatePrivateKey((n) => new Uint8Array(n - 1))).toThrow(KeyError);
  });

  it('derivePublicKey rejects malformed private keys', () => {
    for (const bad of ['', 'ab', 'zz'.repeat(32), 'ab'.repeat(33), 42 as unknown as string]) {
      expect(() => derivePublicKey(bad)).toThrow(KeyError);
    }
  });

  it('keyHash and deviceCommit are Poseidon(Ax, Ay) and Poseidon(keyHash, ratedPowerW)', () => {
    const kh = poseidonHash([BigInt(PUBLIC_KEY.Ax), BigInt(PUBLIC_KEY.Ay)]);
    expect(keyHash(PUBLIC_KEY)).toBe(kh);
    expect(deviceCommit(PUBLIC_KEY, 120_000)).toBe(poseidonHash([kh, 120_000n]));
  });

  it('isSmallOrderPublicKey flags the 8 torsion points and no derived key', () => {
    for (const t of TORSION_POINTS)
      expect(isSmallOrderPublicKey({ Ax: t.x.toString(), Ay: t.y.toString() })).toBe(true);
    expect(isSmallOrderPublicKey(PUBLIC_KEY)).toBe(false);
    expect(() => isSmallOrderPublicKey({ Ax: '1', Ay: '1' })).toThrow(KeyError);
  });

  it('keyHash and deviceCommit reject keys off the curve and bad rated power', () => {
    expect(() => keyHash({ Ax: '1', Ay: '2' })).toThrow(KeyError);
    expect(() => keyHash({ Ax: `0${PUBLIC_KEY.Ax}`, Ay: PUBLIC_KEY.Ay })).toThrow(KeyError);
    for (const bad of [0, -1, 1.5, 2 ** 32]) expect(() => deviceCommit(PUBLIC_KEY, bad)).toThrow(KeyError);
  });
});

describe('signReading / verifyReading', () => {
  it('signatures are deterministic and verify for both kinds', () => {
    expect(signReading(EV, PRIVATE_KEY)).toEqual(SIGNED_EV);
    expect(verifyReading(SIGNED_EV, PUBLIC_KEY)).toBe(true);
    expect(verifyReading(SIGNED_PV, PUBLIC_KEY)).toBe(true);
  });

  it('signReading keeps the reading and refuses invalid readings', () => {
    expect({ ...SIGNED_EV, sig: undefined }).toEqual({ ...EV, sig: undefined });
    expect(() => signReading({ ...EV, energyWh: -1 }, PRIVATE_KEY)).toThrow(/energyWh/);
    expect(() => signReading({ ...PV, irradianceWm2: 2001 }, PRIVATE_KEY)).toThrow(/irradianceWm2/);
  });

  it('signing an already signed reading replaces the signature', () => {
    const other = derivePublicKey(generatePrivateKey());
    expect(signReading(SIGNED_EV, PRIVATE_KEY)).toEqual(SIGNED_EV);
    expect(verifyReading(SIGNED_EV, other)).toBe(false);
  });

  it.each([
    ['seq', { seq: 13 }],
    ['ts', { ts: EV.ts + 1 }],
    ['energyWh', { energyWh: EV.energyWh + 1 }],
    ['revenueMinor', { revenueMinor: EV.revenueMinor + 1 }],
    ['powerW', { powerW: 0 }],
    ['sessionId', { sessionId: 43 }],
    ['poolId', { poolId: 2 }],
    ['deviceId', { deviceId: 'ev-0002' }],
  ])('any change of %s breaks the signature', (_name, patch) => {
    expect(verifyReading({ ...SIGNED_EV, ...patch }, PUBLIC_KEY)).toBe(false);
  });

  it('a reading of the other kind with the same numbers does not verify (kind is signed)', () => {
    const { sessionId, ...rest } = SIGNED_EV;
    expect(verifyReading({ ...rest, kind: 'pv', irradianceWm2: sessionId }, PUBLIC_KEY)).toBe(false);
  });

  it('corrupted signatures and keys give false, never throw', () => {
    const S = BigInt(SIGNED_EV.sig.S);
    const cases = [
      { ...SIGNED_EV, sig: { ...SIGNED_EV.sig, S: ((S + 1n) % SUBGROUP_ORDER).toString() } },
      { ...SIGNED_EV, sig: { ...SIGNED_EV.sig, S: (S + SUBGROUP_ORDER).toString() } },
      { ...SIGNED_EV, sig: { ...SIGNED_EV.sig, R8x: SIGNED_EV.sig.R8y } },
      { ...SIGNED_EV, sig: { R8x: '0', R8y: '1', S: '0' } },
      { ...SIGNED_EV, energyWh: -1 },
    ];
    for (const c of cases) expect(verifyReading(c, PUBLIC_KEY)).toBe(false);
    expect(verifyReading(SIGNED_EV, { Ax: '1', Ay: '1' })).toBe(false);
    expect(verifyReading(SIGNED_EV, { Ax: PUBLIC_KEY.Ay, Ay: PUBLIC_KEY.Ax })).toBe(false);
  });
});
