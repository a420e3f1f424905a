/** Public entry of the ceremony tooling and the key-trust check. */
export { type Groth16VerificationKey, madeFromDevelopmentPtau } from './development-key.ts';
export { CeremonyError, CeremonyVerificationError, DevelopmentKeyRefusedError } from './errors.ts';
export {
  assertInstanceKeysAllowed,
  assertInstanceKeysAllowedFor,
  type InstanceKeysInput,
} from './instance-keys.ts';
export {
  assertKeyAllowedOnChain,
  type ClassifyKeyInput,
  classifyVerificationKey,
  explainVerificationKey,
  isLocalDevelopmentChain,
  type KeyClassification,
  type KeyTrust,
  LOCAL_DEVELOPMENT_CHAIN_IDS,
} from './key-trust.ts';
export { applyBeacon, contribute, finalizeCeremony, importPtau, initCeremony } from './steps.ts';
export { readTranscript, TRANSCRIPT_FORMAT, type Transcript } from './transcript.ts';
export { type VerifiedCeremony, verifyTranscript } from './verify.ts';
