import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as snarkjs from 'snarkjs';
import { PROJECT_ROOT } from '../circuits/proving/instances.ts';

/** The Solidity verifier of a zkey, its contract renamed `Groth16Verifier_<instance>` as the build does. */
export async function exportVerifier(zkeyPath: string, instance: string): Promise<string> {
  const template = readFileSync(
    join(PROJECT_ROOT, 'node_modules', 'snarkjs', 'templates', 'verifier_groth16.sol.ejs'),
    'utf8',
  );
  const solidity: string = await snarkjs.zKey.exportSolidityVerifier(
    zkeyPath,
    { groth16: template },
    undefined,
  );
  return solidity.replace(/contract Groth16Verifier\b/, `contract Groth16Verifier_${instance}`);
}
