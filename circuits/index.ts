/**
 * Witness builder, reference model and proving wrappers of the epoch and registration circuits.
 * See circuits/README.md for the state-tree layout and the rules each circuit enforces.
 */
export {
  type CircuitInput,
  type EpochBatches,
  type EpochBatchWitness,
  buildEpochBatch,
  buildEpochBatches,
  EpochInputError,
} from './witness/epoch-inputs.ts';
export {
  artifactPaths,
  type ArtifactPaths,
  type CircuitInstance,
  CircuitInstanceError,
  EPOCH_PUBLIC_SIGNALS,
  getInstance,
  loadInstances,
  REGISTRATION_PUBLIC_SIGNALS,
  requireArtifacts,
} from './proving/instances.ts';
export {
  freshLeafState,
  type LeafState,
  leafHash,
  leafPublicKey,
  leafStateFromJson,
  leafStateToJson,
} from './model/leaf.ts';
export { PoolState, PoolStateError } from './model/pool-state.ts';
export {
  type BatchProof,
  type Groth16Proof,
  proveBatch,
  type SolidityCalldata,
  toSolidityCalldata,
  verifyBatchProof,
} from './proving/prove.ts';
export {
  buildRegistrationBatch,
  buildRegistrationBatches,
  foldChain,
  type NewDevice,
  RegistrationInputError,
  type RegistrationBatchWitness,
} from './witness/registration-inputs.ts';
export {
  applyClosingReading,
  type EpochParams,
  type SlotTransition,
  type TransitionRule,
  TransitionRuleError,
} from './model/rules.ts';
export { rootFromPath, StateTree, StateTreeError, zeroRoot } from './model/state-tree.ts';
export { calculateWitness } from './witness/witness.ts';
