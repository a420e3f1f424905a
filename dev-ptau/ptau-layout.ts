/**
 * Layout of a snarkjs `.ptau` file (binfileutils container, type "ptau", version 1), as written by
 * `powersoftau new`/`beacon` (sections 1-7) and `powersoftau prepare phase2` (sections 12-15).
 * All points are affine, little-endian Montgomery form (64 bytes in G1, 128 in G2).
 */
import { AFFINE_BYTES, type GroupName } from './jobs.ts';

/** Field modulus q of BN254's base field. */
export const BN254_BASE_MODULUS =
  21888242871839275222246405745257275088696311157297823662689037894645226208583n;

/** One point section of a prepared ptau file. */
export type PointSectionPlan = {
  id: number;
  name: string;
  group: GroupName;
  points: number;
};

/** The point sections of phase 1 (sections 2 to 6), in file order, for a ceremony of 2^power. */
export function phase1Sections(power: number): PointSectionPlan[] {
  const domain = 2 ** power;
  return [
    { id: 2, name: 'tauG1', group: 'G1', points: domain * 2 - 1 },
    { id: 3, name: 'tauG2', group: 'G2', points: domain },
    { id: 4, name: 'alphaTauG1', group: 'G1', points: domain },
    { id: 5, name: 'betaTauG1', group: 'G1', points: domain },
    { id: 6, name: 'betaG2', group: 'G2', points: 1 },
  ];
}

/**
 * The Lagrange sections of a prepared file (12 to 15): for every domain 2^p, p = 0..power, the
 * basis evaluated at tau (section 12 also has p = power + 1, built from tauG1 without its missing
 * last power).
 */
export function lagrangeSections(power: number): PointSectionPlan[] {
  const allDomains = 2 ** (power + 1) - 1;
  return [
    { id: 12, name: 'lagrange tauG1', group: 'G1', points: 2 ** (power + 2) - 1 },
    { id: 13, name: 'lagrange tauG2', group: 'G2', points: allDomains },
    { id: 14, name: 'lagrange alphaTauG1', group: 'G1', points: allDomains },
    { id: 15, name: 'lagrange betaTauG1', group: 'G1', points: allDomains },
  ];
}

/** Bytes of a point section's body. */
export function sectionBytes(section: PointSectionPlan): number {
  return section.points * AFFINE_BYTES[section.group];
}

/** Bytes of the contributions section body holding one beacon contribution with the given name. */
export function contributionSectionBytes(nameBytes: number, beaconHashBytes: number): number {
  const points = 64 + 128 + 64 + 64 + 128;
  const publicKey = 64 * 6 + 128 * 3;
  const params = 2 + nameBytes + 2 + 2 + beaconHashBytes;
  return 4 + points + publicKey + 216 + 64 + 4 + 4 + params;
}

/** Total size in bytes of a prepared ptau file of 2^power. */
export function preparedFileBytes(power: number, nameBytes: number, beaconHashBytes: number): number {
  const containerHeader = 12;
  const sectionHeader = 12;
  const headerBody = 44;
  let total = containerHeader + sectionHeader + headerBody;
  for (const section of [...phase1Sections(power), ...lagrangeSections(power)])
    total += sectionHeader + sectionBytes(section);
  return total + sectionHeader + contributionSectionBytes(nameBytes, beaconHashBytes);
}

/** The ptau header section body: n8, q, power, ceremony power. */
export function headerSectionBody(power: number): Uint8Array {
  const body = new Uint8Array(44);
  const view = new DataView(body.buffer);
  view.setUint32(0, 32, true);
  let q = BN254_BASE_MODULUS;
  for (let i = 0; i < 32; i++) {
    body[4 + i] = Number(q & 0xffn);
    q >>= 8n;
  }
  view.setUint32(36, power, true);
  view.setUint32(40, power, true);
  return body;
}

/** The 12-byte container header: magic "ptau", version 1, number of sections. */
export function containerHeader(sectionCount: number): Uint8Array {
  const bytes = new Uint8Array(12);
  bytes.set(new TextEncoder().encode('ptau'), 0);
  const view = new DataView(bytes.buffer);
  view.setUint32(4, 1, true);
  view.setUint32(8, sectionCount, true);
  return bytes;
}

/** A 12-byte section header: id (u32) and body size (u64), little-endian. */
export function sectionHeader(id: number, bodyBytes: number): Uint8Array {
  const bytes = new Uint8Array(12);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, id, true);
  view.setBigUint64(4, BigInt(bodyBytes), true);
  return bytes;
}
