/**
 * Builds every generated artifact the tests (default) or the demo (`--demo`) need, each step cached
 * on disk by a hash of its inputs, so that a second run is nearly free:
 * 1. circuits: compile, development powers of tau, Groth16 setup, verification keys, Solidity verifiers;
 * 2. contracts: solc-js compilation of `contracts/src` plus the generated verifiers.
 *
 * Usage: `npx tsx scripts/build.ts [--demo]` (`npm run build`).
 */
import { buildCircuits, DEMO_INSTANCES, TEST_INSTANCES } from '../circuits/build.ts';
import { buildContracts } from '../contracts/build.ts';

const withDemo = process.argv.includes('--demo');
const instances: string[] = [...TEST_INSTANCES, ...(withDemo ? DEMO_INSTANCES : [])];

const steps: Array<{ name: string; run: () => Promise<void> }> = [
  {
    name: `circuits (${instances.join(', ')})`,
    run: async () => {
      await buildCircuits({ instances });
    },
  },
  {
    name: 'contracts',
    run: async () => {
      await buildContracts();
    },
  },
];

for (const step of steps) {
  const startedMs = Date.now();
  process.stdout.write(`build: ${step.name} ...\n`);
  await step.run();
  process.stdout.write(`build: ${step.name} done in ${((Date.now() - startedMs) / 1000).toFixed(1)} s\n`);
}
