/**
 * Build pipeline of the circuits: compile each instance of `circuits/circuits.json` with circom2
 * (--O2, r1cs + wasm + sym), then for instances with `setup: true` run the Groth16 setup on a powers
 * of tau file, one phase-2 contribution and a deterministic beacon, and export the verification key
 * and a Solidity verifier renamed to `Groth16Verifier_<instance>`.
 *
 * Every step is cached: `key.txt` holds a hash of the circuit sources, parameters and compiler (the
 * compile key) and of those plus the ptau file (the setup key); a matching key skips the step.
 *
 * Powers of tau: `ptauPath` (or env CIRCUITS_PTAU) names a public perpetual-ceremony file; otherwise a
 * DEVELOPMENT ptau is used (dev-ptau/, the fast generator).
 * Development setups are NOT FOR PRODUCTION: whoever knows the recorded entropy knows tau.
 *
 * Usage: npm run build:circuits -- [--compile-only | --setup] [--ptau <file>] [instance names...]
 * (also `npx tsx circuits/build.ts ...`; --setup also sets up instances marked `setup: false`, for
 * benchmarks of production sizes)
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as snarkjs from 'snarkjs';
import { BaseError } from '../lib/errors.ts';
import { ensureDevPtau } from '../dev-ptau/dev-ptau.ts';
import {
  artifactPaths,
  type CircuitInstance,
  getInstance,
  loadInstances,
  PROJECT_ROOT,
} from './proving/instances.ts';

const require = createRequire(import.meta.url);

/** Instances the test suite needs (`npm test` builds them first): proving keys for two, wasm for the third. */
export const TEST_INSTANCES = ['epoch_test', 'registration_test', 'epoch_test_b4'] as const;
/** Instances the demo proves with (need a 2^15 ptau: dev-ptau/ or a public file). */
export const DEMO_INSTANCES = ['epoch_demo', 'registration_demo'] as const;

/** Recorded beacon of the phase-2 setup (deterministic final step after the contribution). */
export const PHASE2_BEACON_PHRASE = 'rwa-iot-oracle phase-2 beacon (development)';
/** Iterations exponent of the phase-2 beacon. */
export const PHASE2_BEACON_ITERATIONS_EXP = 10;

/** Thrown when compiling or setting up a circuit fails. */
export class CircuitBuildError extends BaseError {
  override name = 'CircuitBuildError';
}

/** Options of {@link buildCircuits}. */
export interface BuildCircuitsOptions {
  /** Instance names (default: every instance of circuits.json). */
  instances?: string[];
  /** A prepared (phase-2) powers-of-tau file, e.g. from a public perpetual ceremony. */
  ptauPath?: string;
  /** Folder of cached development ptau files (default build/ptau). */
  ptauCacheDir?: string;
  /** Progress lines (default: stdout). */
  log?: (line: string) => void;
  /** Only compile (no Groth16 setup even for instances with `setup: true`). */
  compileOnly?: boolean;
  /** Run the Groth16 setup even for instances with `setup: false` (benchmarks of production sizes). */
  forceSetup?: boolean;
}

/** What was built for one instance. */
export interface BuiltInstance {
  readonly name: string;
  readonly constraints: number;
  readonly publicInputs: number;
  readonly compiled: 'built' | 'cached';
  readonly setup: 'built' | 'cached' | 'skipped';
  readonly ptauPath?: string;
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function listCircom(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listCircom(path));
    else if (entry.name.endsWith('.circom')) out.push(path);
  }
  return out.sort();
}

/** Hash of every circom source (ours and circomlib's), the instance parameters and the compiler version. */
export function compileKey(instance: CircuitInstance): string {
  const parts: string[] = [];
  const sources = [
    ...listCircom(join(PROJECT_ROOT, 'circuits')),
    ...listCircom(join(PROJECT_ROOT, 'node_modules', 'circomlib', 'circuits')),
  ];
  for (const path of sources) parts.push(relative(PROJECT_ROOT, path), sha256(readFileSync(path)));
  parts.push(
    JSON.stringify({
      template: instance.template,
      file: instance.file,
      params: instance.params,
      pubs: instance.pubs,
    }),
  );
  parts.push(String(require('circom2/package.json').version));
  return sha256(parts.join('\n'));
}

function mainSource(instance: CircuitInstance, dir: string): string {
  const include = relative(dir, join(PROJECT_ROOT, 'circuits', instance.file))
    .split('\\')
    .join('/');
  return [
    '// generated by circuits/build.ts: do not edit',
    'pragma circom 2.1.6;',
    `include "${include}";`,
    `component main {public [${instance.pubs.join(', ')}]} = ${instance.template}(${instance.params.join(', ')});`,
    '',
  ].join('\n');
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolvePromise(output);
      else
        reject(
          new CircuitBuildError(`${command} ${args.join(' ')} exited with ${code}`, {
            details: output.slice(-4000),
          }),
        );
    });
  });
}

function readKeyFile(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  const out: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const [k, v] = line.split('=');
    if (k && v) out[k.trim()] = v.trim();
  }
  return out;
}

async function compile(instance: CircuitInstance, log: (line: string) => void): Promise<void> {
  const paths = artifactPaths(instance.name);
  mkdirSync(paths.dir, { recursive: true });
  const mainPath = join(paths.dir, 'circuit.circom');
  writeFileSync(mainPath, mainSource(instance, paths.dir));
  // circom2 (WebAssembly) only sees files below its working directory: relative paths from the root.
  const cli = require.resolve('circom2/cli.js');
  const out = relative(PROJECT_ROOT, paths.dir);
  const output = await run(process.execPath, [
    cli,
    relative(PROJECT_ROOT, mainPath),
    '--r1cs',
    '--wasm',
    '--sym',
    '--O2',
    '-l',
    'node_modules',
    '-o',
    out,
  ]);
  if (!/Everything went okay/.test(output))
    throw new CircuitBuildError(`circom2 failed on ${instance.name}`, { details: output.slice(-4000) });
  renameSync(join(paths.dir, 'circuit_js', 'circuit.wasm'), paths.wasm);
  rmSync(join(paths.dir, 'circuit_js'), { recursive: true, force: true });
  log(`circuits: ${instance.name}: compiled`);
}

/** Smallest power of tau that holds the circuit (snarkjs: 2^p > constraints + public inputs). */
export function requiredPtauPower(constraints: number, publicInputs: number): number {
  let power = 1;
  while (2 ** power <= constraints + publicInputs) power++;
  return power;
}

async function resolvePtau(
  power: number,
  options: BuildCircuitsOptions,
  log: (line: string) => void,
): Promise<string> {
  const explicit = options.ptauPath ?? process.env.CIRCUITS_PTAU;
  if (explicit) {
    if (!existsSync(explicit)) throw new CircuitBuildError(`ptau file ${explicit} does not exist`);
    return explicit;
  }
  const cacheDir = options.ptauCacheDir ?? join(PROJECT_ROOT, 'build', 'ptau');
  log(`circuits: DEVELOPMENT ptau 2^${power} from dev-ptau/ (NOT FOR PRODUCTION)`);
  return ensureDevPtau({ power, cacheDir });
}

async function setup(
  instance: CircuitInstance,
  ptauPath: string,
  log: (line: string) => void,
): Promise<void> {
  const paths = artifactPaths(instance.name);
  const initial = join(paths.dir, 'circuit_0000.zkey');
  const contributed = join(paths.dir, 'circuit_0001.zkey');
  const logger = {
    info: () => {},
    debug: () => {},
    warn: (m: string) => log(`snarkjs warn: ${m}`),
    error: (m: string) => log(`snarkjs error: ${m}`),
  };
  try {
    await snarkjs.zKey.newZKey(paths.r1cs, ptauPath, initial, logger);
    // One phase-2 contribution: snarkjs mixes this text with 64 random bytes, so the toxic waste is
    // not reproducible; its hash is recorded in the zkey transcript (snarkjs zkey verify shows it).
    const contributionHash: Uint8Array = await snarkjs.zKey.contribute(
      initial,
      contributed,
      'development contribution (NOT FOR PRODUCTION)',
      `rwa-iot-oracle ${instance.name} ${Date.now()}`,
      logger,
    );
    const beaconHash = sha256(`${PHASE2_BEACON_PHRASE} ${instance.name}`);
    await snarkjs.zKey.beacon(
      contributed,
      paths.zkey,
      'final beacon',
      beaconHash,
      PHASE2_BEACON_ITERATIONS_EXP,
      logger,
    );
    const vkey = await snarkjs.zKey.exportVerificationKey(paths.zkey, logger);
    writeFileSync(paths.verificationKey, `${JSON.stringify(vkey, null, 2)}\n`);
    const template = readFileSync(
      join(PROJECT_ROOT, 'node_modules', 'snarkjs', 'templates', 'verifier_groth16.sol.ejs'),
      'utf8',
    );
    const solidity: string = await snarkjs.zKey.exportSolidityVerifier(
      paths.zkey,
      { groth16: template },
      logger,
    );
    const renamed = solidity.replace(
      /contract Groth16Verifier\b/,
      `contract Groth16Verifier_${instance.name}`,
    );
    if (renamed === solidity)
      throw new CircuitBuildError('snarkjs verifier template has no "contract Groth16Verifier"');
    writeFileSync(paths.verifierSol, renamed);
    writeFileSync(
      join(paths.dir, 'transcript.json'),
      `${JSON.stringify(
        {
          ptau: relative(PROJECT_ROOT, ptauPath),
          contributionHash: Buffer.from(contributionHash).toString('hex'),
          beaconHash,
          beaconIterationsExp: PHASE2_BEACON_ITERATIONS_EXP,
          note: 'DEVELOPMENT phase-2 setup unless the ptau is a public ceremony file and the contribution was made by independent parties',
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    rmSync(initial, { force: true });
    rmSync(contributed, { force: true });
  }
  log(`circuits: ${instance.name}: Groth16 setup done`);
}

/**
 * Compiles and sets up circuit instances into `build/circuits/<instance>/`, skipping what `key.txt`
 * shows is up to date. Resolves with what was done per instance.
 *
 * @example
 * await buildCircuits({ instances: ['epoch_test', 'registration_test'] });
 */
export async function buildCircuits(options: BuildCircuitsOptions = {}): Promise<BuiltInstance[]> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const names =
    options.instances && options.instances.length > 0 ? options.instances : Object.keys(loadInstances());
  const results: BuiltInstance[] = [];
  try {
    for (const name of names) {
      const instance = getInstance(name);
      const paths = artifactPaths(name);
      const keys = readKeyFile(paths.key);
      const compileHash = compileKey(instance);
      let compiled: BuiltInstance['compiled'] = 'cached';
      if (keys.compile !== compileHash || !existsSync(paths.r1cs) || !existsSync(paths.wasm)) {
        const startedMs = Date.now();
        await compile(instance, log);
        compiled = 'built';
        log(`circuits: ${name}: compile took ${((Date.now() - startedMs) / 1000).toFixed(1)} s`);
        writeFileSync(paths.key, `compile=${compileHash}\n`);
      }
      const info = await snarkjs.r1cs.info(paths.r1cs, undefined);
      const constraints = Number(info.nConstraints);
      const publicInputs = Number(info.nPubInputs) + Number(info.nOutputs);
      writeFileSync(
        paths.info,
        `${JSON.stringify({ name, template: instance.template, params: instance.params, pubs: instance.pubs, constraints, publicInputs, wires: Number(info.nVars) }, null, 2)}\n`,
      );
      log(`circuits: ${name}: ${constraints} constraints, ${publicInputs} public inputs`);
      if ((!instance.setup && !options.forceSetup) || options.compileOnly) {
        results.push({ name, constraints, publicInputs, compiled, setup: 'skipped' });
        continue;
      }
      const ptauPath = await resolvePtau(requiredPtauPower(constraints, publicInputs), options, log);
      const setupHash = sha256(`${compileHash}\n${await sha256File(ptauPath)}\n${PHASE2_BEACON_PHRASE}`);
      const done = [paths.zkey, paths.verificationKey, paths.verifierSol].every((p) => existsSync(p));
      let setupState: BuiltInstance['setup'] = 'cached';
      if (readKeyFile(paths.key).setup !== setupHash || !done || compiled === 'built') {
        const startedMs = Date.now();
        await setup(instance, ptauPath, log);
        setupState = 'built';
        log(`circuits: ${name}: setup took ${((Date.now() - startedMs) / 1000).toFixed(1)} s`);
        writeFileSync(paths.key, `compile=${compileHash}\nsetup=${setupHash}\n`);
      }
      results.push({ name, constraints, publicInputs, compiled, setup: setupState, ptauPath });
    }
  } finally {
    await terminateCurves();
  }
  return results;
}

/** Stops snarkjs's worker threads so the process can exit. */
export async function terminateCurves(): Promise<void> {
  const global = globalThis as { curve_bn128?: { terminate: () => Promise<void> } };
  if (global.curve_bn128) {
    await global.curve_bn128.terminate();
    delete global.curve_bn128;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // the command line is `build circuits` of scripts/build-program.ts (npm run build:circuits)
  // (not awaited: the program imports this module, which must finish loading first)
  void import('../scripts/build-program.ts').then(({ runBuildCli }) =>
    runBuildCli(['circuits', ...process.argv.slice(2)]),
  );
}
