import { BaseError } from '../lib/errors.ts';

/** A ceremony step could not run (missing file, wrong chain of files, snarkjs refusal). */
export class CeremonyError extends BaseError {
  override name = 'CeremonyError';
}

/** A published ceremony does not verify; `item` names the first item that failed. */
export class CeremonyVerificationError extends BaseError {
  override name = 'CeremonyVerificationError';
  /** What failed, e.g. `ptau`, `r1cs`, `zkey verify`, `contribution #2 (bob)`, `verification key`. */
  readonly item: string;

  constructor(item: string, shortMessage: string, options: { details?: string; hint?: string } = {}) {
    super(`${item}: ${shortMessage}`, options);
    this.item = item;
  }
}

/** A development (forgeable) verification key was about to be used on a public chain. */
export class DevelopmentKeyRefusedError extends BaseError {
  override name = 'DevelopmentKeyRefusedError';
  readonly chainId: number;
  readonly instance: string;

  constructor(instance: string, chainId: number, reason: string) {
    super(`refusing the development verification key of ${instance} on chain ${chainId}`, {
      details: `${reason}; anyone who knows the development seed can forge proofs this key accepts`,
      hint:
        'run a phase-2 ceremony on a public powers of tau (npm run ceremony -- import-ptau, init, ' +
        'contribute (each party), beacon, finalize) and pass its transcript.json; development keys are ' +
        'allowed on local chains (31337, 1337) only',
    });
    this.chainId = chainId;
    this.instance = instance;
  }
}
