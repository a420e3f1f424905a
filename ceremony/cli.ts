/**
 * `npm run ceremony -- <command>`: the phase-2 trusted-setup ceremony, one command per party and step.
 * Each command prints the hash its party publishes; `verify-transcript` re-verifies a whole ceremony
 * from the published files (exit 0, or 1 with the failing item named).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type CliIo, createProgram, InvalidArgumentError, intArg, runCli } from '../lib/cli/index.ts';
import { terminateSnarkjs } from './snarkjs-curve.ts';
import { applyBeacon, contribute, finalizeCeremony, importPtau, initCeremony } from './steps.ts';
import { TRANSCRIPT_FILE } from './transcript.ts';
import { verifyTranscript } from './verify.ts';

function hexArg(text: string): string {
  const clean = text.startsWith('0x') ? text.slice(2) : text;
  if (!/^([0-9a-fA-F]{2}){1,255}$/.test(clean))
    throw new InvalidArgumentError(`expected hex of 1 to 255 bytes (a public random value), got "${text}".`);
  return clean.toLowerCase();
}

/** Builds the ceremony program; `io` is replaceable in tests. */
export function ceremonyProgram(io?: CliIo) {
  const out = (line: string) =>
    (io ?? { stdout: (t: string) => process.stdout.write(t) }).stdout(`${line}\n`);
  const program = createProgram(
    'ceremony',
    'phase-2 trusted-setup ceremony: one step per party, a transcript anyone re-verifies',
    io,
  );
  const progress = () =>
    (program.opts() as { verbose?: boolean }).verbose
      ? (line: string) => process.stderr.write(`${line}\n`)
      : undefined;
  program.option('--verbose', 'print snarkjs progress on stderr');

  program
    .command('import-ptau')
    .description(
      'check a public perpetual powers-of-tau file (powersoftau verify) and record its hashes and power',
    )
    .argument('<file>', 'the .ptau file (prepared for phase 2)')
    .option(
      '--skip-verify <reason>',
      'do not run powersoftau verify (hours for large files); the reason is recorded',
    )
    .option('--record <path>', 'where to write the record init reads (default <file>.import.json)')
    .action(async (file, options) => {
      const record = await importPtau({
        ptauPath: file,
        skipVerifyReason: options.skipVerify,
        recordPath: options.record,
        log: progress(),
      });
      out(
        `ptau ${record.file}: power ${record.power}, ${record.verified ? 'powersoftau verify passed' : `NOT verified (${record.skipReason})`}`,
      );
      out(`blake2b512 ${record.blake2b512}`);
      out(`sha256 ${record.sha256}`);
    });

  program
    .command('init')
    .description('start phase 2 for a circuit instance: <out>/<instance>_0000.zkey and transcript.json')
    .requiredOption('--instance <name>', 'circuit instance (circuits/circuits.json)')
    .requiredOption('--ptau <file>', 'an imported powers-of-tau file')
    .requiredOption('--out <dir>', 'ceremony folder')
    .option('--r1cs <file>', 'compiled circuit (default build/circuits/<instance>/circuit.r1cs)')
    .action(async (options) => {
      const result = await initCeremony({
        instance: options.instance,
        ptauPath: options.ptau,
        outDir: options.out,
        r1csPath: options.r1cs,
        log: progress(),
      });
      out(`initial zkey ${result.zkeyPath}`);
      out(`r1cs sha256 ${result.transcript.r1cs.sha256}`);
      out(`ptau blake2b512 ${result.transcript.ptau.blake2b512}`);
      out(`initial zkey sha256 ${result.transcript.initialZkey.sha256}`);
      out(`transcript ${result.transcriptPath}`);
    });

  program
    .command('contribute')
    .description('add your contribution; publish the printed contribution hash')
    .requiredOption('--in <zkey>', 'the zkey published last')
    .requiredOption('--out <zkey>', 'your zkey')
    .requiredOption('--name <name>', 'your name as published')
    .option('--entropy <text>', 'extra entropy (default: 64 random bytes from node:crypto)')
    .option('--transcript <path>', `transcript (default ${TRANSCRIPT_FILE} beside --in)`)
    .action(async (options) => {
      const result = await contribute({
        inPath: options.in,
        outPath: options.out,
        name: options.name,
        entropy: options.entropy,
        transcriptPath: options.transcript,
        log: progress(),
      });
      out(`zkey sha256 ${result.zkeySha256}`);
      out(`transcript ${result.transcriptPath}`);
      out(`contribution hash ${result.contributionHash}`);
    });

  program
    .command('beacon')
    .description('close the contributions with a public random value announced in advance')
    .requiredOption('--in <zkey>', 'the zkey published last')
    .requiredOption('--out <zkey>', 'final zkey')
    .requiredOption('--hash <hex>', 'the announced public random value (e.g. a future block hash)', hexArg)
    .option('--iterations-exp <n>', 'sha256 applied 2^n times', intArg({ min: 10, max: 63 }), 10)
    .option('--name <name>', 'beacon name', 'final beacon')
    .option('--transcript <path>', `transcript (default ${TRANSCRIPT_FILE} beside --in)`)
    .action(async (options) => {
      const result = await applyBeacon({
        inPath: options.in,
        outPath: options.out,
        beaconHashHex: options.hash,
        iterationsExp: options.iterationsExp,
        name: options.name,
        transcriptPath: options.transcript,
        log: progress(),
      });
      out(`zkey sha256 ${result.zkeySha256}`);
      out(`transcript ${result.transcriptPath}`);
      out(`beacon contribution hash ${result.contributionHash}`);
    });

  program
    .command('finalize')
    .description('verify the chain, export verification_key.json and Verifier.sol, complete transcript.json')
    .requiredOption('--dir <dir>', 'ceremony folder (transcript.json and the final zkey)')
    .option('--ptau <file>', 'the powers-of-tau file (default: beside the transcript)')
    .option('--r1cs <file>', 'compiled circuit (default build/circuits/<instance>/circuit.r1cs)')
    .action(async (options) => {
      const transcript = await finalizeCeremony({
        transcriptPath: resolve(options.dir, TRANSCRIPT_FILE),
        ptauPath: options.ptau,
        r1csPath: options.r1cs,
        log: progress(),
      });
      out(`zkey verify passed: ${transcript.contributions.length} contributions and the beacon`);
      out(`final zkey sha256 ${transcript.final?.zkey.sha256}`);
      out(`verification key sha256 ${transcript.final?.verificationKey.sha256}`);
    });

  program
    .command('verify-transcript')
    .description('re-verify a published ceremony from its files (exit 1 naming the failing item)')
    .argument('<transcript>', 'transcript.json of a finalized ceremony')
    .option('--ptau <file>', 'the public powers-of-tau file (default: beside the transcript)')
    .option('--r1cs <file>', 'compiled circuit (default: beside the transcript, else the build)')
    .option('--zkey <file>', 'final zkey (default: beside the transcript)')
    .action(async (transcriptPath, options) => {
      const verified = await verifyTranscript(transcriptPath, {
        ptauPath: options.ptau,
        r1csPath: options.r1cs,
        zkeyPath: options.zkey,
        log: progress(),
      });
      for (const [i, c] of verified.contributions.entries())
        out(`contribution #${i + 1} ${c.name}: ${c.contributionHash}`);
      out(`beacon ${verified.beaconHash}`);
      out(`verification key sha256 ${verified.verificationKeySha256}`);
      out(`ceremony of ${verified.instance} verified`);
    });
  return program;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runCli(ceremonyProgram(), { exitOnSuccess: false }).finally(terminateSnarkjs);
}
