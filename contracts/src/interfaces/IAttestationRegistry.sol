// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ITypeAndVersion} from "@chainlink/contracts/src/v0.8/shared/interfaces/ITypeAndVersion.sol";
import {IPoolRegistry} from "./IPoolRegistry.sol";

/// @title Attestation registry: proven state roots, epochs and feed rounds per pool
/// @notice Accepts registration and epoch batch proofs in order, chains each pool's state root
/// (starting at the pool's empty-tree root), accumulates the open epoch's proven totals and finalises
/// epochs into rounds (round id = epoch) read by the pool's revenue feed.
interface IAttestationRegistry is ITypeAndVersion {
  /// @notice A Groth16 proof in the EVM's point encoding (snarkjs `exportSolidityCallData` order: b is swapped).
  struct Groth16Proof {
    uint256[2] a;
    uint256[2][2] b;
    uint256[2] c;
  }

  /// @notice The epoch being accumulated (lastFinalisedEpoch + 1) and its proven totals so far.
  struct OpenEpoch {
    uint64 epoch;
    uint32 batchCount;
    uint64 reportingCount;
    uint128 energyWh;
    uint128 revenueMinor;
  }

  /// @notice A finalised epoch: a round of the pool's revenue feed.
  struct Round {
    uint256 stateRoot; // the pool's state root at finalisation
    uint128 revenueMinor; // proven revenue, pool currency minor units (the feed answer)
    uint128 energyWh; // proven energy
    uint64 startedAt; // epoch start (unix seconds)
    uint64 updatedAt; // finalisation time (block timestamp)
    uint32 reportingCount; // devices with a proven closing reading in the epoch
    uint32 registeredCount; // active registered devices of the pool at finalisation
    uint32 batchCount; // batches accepted for the epoch
  }

  /// @notice A registration batch was proven: slots [oldCount, newCount) now hold fresh leaves.
  event RegistrationAttested(
    uint32 indexed poolId, uint256 oldRoot, uint256 newRoot, uint32 oldCount, uint32 newCount
  );
  /// @notice An epoch batch was proven and its totals added to the open epoch.
  event BatchAccepted(
    uint32 indexed poolId,
    uint64 indexed epoch,
    uint32 batchIndex,
    uint256 oldRoot,
    uint256 newRoot,
    uint256 energyWh,
    uint256 revenueMinor,
    uint256 reportingCount
  );
  /// @notice An epoch was finalised into a feed round.
  event EpochFinalised(
    uint32 indexed poolId,
    uint64 indexed epoch,
    uint256 revenueMinor,
    uint256 energyWh,
    uint32 reportingCount,
    uint32 registeredCount,
    uint32 batchCount,
    uint256 stateRoot
  );

  /// @notice The pool id is not a created pool (raised by the pool registry).
  error PoolNotFound(uint32 poolId);
  /// @notice The chain was asked for a count above the pool's registered count (raised by the pool registry).
  error CountBeyondRegistered(uint32 poolId, uint256 count, uint32 registeredCount);
  /// @notice The proof's poolId signal is not the pool it was submitted for.
  error ProofForAnotherPool(uint32 poolId, uint256 signalPoolId);
  /// @notice The epoch is already finalised.
  error EpochAlreadyFinalised(uint32 poolId, uint64 epoch, uint64 lastFinalisedEpoch);
  /// @notice The epoch is not the next one to accumulate or finalise.
  error EpochOutOfOrder(uint32 poolId, uint64 epoch, uint64 expectedEpoch);
  /// @notice The proof's epoch signal differs from the epoch argument.
  error EpochSignalMismatch(uint64 epoch, uint256 signalEpoch);
  /// @notice The proof's epoch bounds differ from genesisTs + (epoch-1)*epochLengthS and genesisTs + epoch*epochLengthS.
  error EpochBoundsMismatch(
    uint64 epoch, uint256 expectedStartTs, uint256 expectedEndTs, uint256 signalStartTs, uint256 signalEndTs
  );
  /// @notice The epoch has not ended yet (block.timestamp < epochEnd).
  error EpochNotEnded(uint32 poolId, uint64 epoch, uint256 epochEndTs, uint256 nowTs);
  /// @notice The proof's tariff cap signal differs from the pool's.
  error TariffCapMismatch(uint32 poolId, uint256 poolMaxTariffMinorPerKwh, uint256 signalMaxTariffMinorPerKwh);
  /// @notice The proof's old root is not the pool's current state root.
  error StateRootMismatch(uint32 poolId, uint256 currentRoot, uint256 signalOldRoot);
  /// @notice This exact batch (same pool and public signals) was already accepted.
  error BatchAlreadySubmitted(uint32 poolId, bytes32 batchHash);
  /// @notice A total signal does not fit its storage (energy/revenue < 2^96, reporting count < 2^32).
  error SignalOutOfRange(uint8 index, uint256 value);
  /// @notice The Groth16 verifier rejected the proof.
  error InvalidProof(uint32 poolId, address verifier);
  /// @notice The proof's oldCount differs from the attested count.
  error AttestedCountMismatch(uint32 poolId, uint32 attestedCount, uint256 signalOldCount);
  /// @notice newCount is not above oldCount or is above the pool's registered count.
  error RegistrationCountInvalid(uint32 poolId, uint256 oldCount, uint256 newCount, uint32 registeredCount);
  /// @notice A chain signal differs from the on-chain registration chain at that count.
  error ChainMismatch(uint32 poolId, uint256 count, uint256 expectedChain, uint256 signalChain);
  /// @notice The round (epoch) is not finalised.
  error RoundNotFound(uint32 poolId, uint256 roundId);

  /// @notice Verifies and applies a registration batch; only the pool's attester.
  /// @dev pubSignals = [poolId, oldRoot, newRoot, oldCount, newCount, oldChain, newChain]. Requires
  /// oldRoot == current root, oldCount == attested count, oldChain == chainAt(oldCount),
  /// newChain == chainAt(newCount), oldCount < newCount <= registered count, and a proof valid for the verifier
  /// the verifier registry holds now for the pool's registration instance.
  /// @param poolId The pool.
  /// @param proof The Groth16 proof.
  /// @param pubSignals The registration public signals.
  function submitRegistration(uint32 poolId, Groth16Proof calldata proof, uint256[7] calldata pubSignals) external;

  /// @notice Verifies and applies an epoch batch; only the pool's attester.
  /// @dev pubSignals = [poolId, epoch, epochStart, epochEnd, maxTariffMinorPerKwh, oldRoot, newRoot,
  /// totalEnergyWh, totalRevenueMinor, reportingCount]. Requires the pool, epoch == last finalised + 1,
  /// bounds from genesis and epoch length, the pool's tariff cap, block.timestamp >= epochEnd,
  /// oldRoot == current root, a batch not seen before and a proof valid for the verifier the verifier registry
  /// holds now for the pool's epoch instance.
  /// @param poolId The pool.
  /// @param epoch The epoch (1-based).
  /// @param proof The Groth16 proof.
  /// @param pubSignals The epoch batch public signals.
  function submitBatch(uint32 poolId, uint64 epoch, Groth16Proof calldata proof, uint256[10] calldata pubSignals)
    external;

  /// @notice Closes the open epoch into a feed round; only the pool's attester. An epoch without batches
  /// finalises with zero totals (its devices' revenue telescopes into the epoch of their next reading).
  /// @param poolId The pool.
  /// @param epoch The epoch to finalise: last finalised + 1, and ended.
  function finalizeEpoch(uint32 poolId, uint64 epoch) external;

  /// @notice The pool's current state root (the empty-tree root until the first accepted proof).
  /// @param poolId The pool.
  /// @return The state root.
  function stateRootOf(uint32 poolId) external view returns (uint256);

  /// @notice The number of registered devices whose leaves are proven into the state tree.
  /// @param poolId The pool.
  /// @return The attested count.
  function attestedCountOf(uint32 poolId) external view returns (uint32);

  /// @notice The last finalised epoch of the pool (0 before the first).
  /// @param poolId The pool.
  /// @return The epoch.
  function lastFinalisedEpochOf(uint32 poolId) external view returns (uint64);

  /// @notice The open epoch and its totals so far.
  /// @param poolId The pool.
  /// @return The open epoch.
  function openEpochOf(uint32 poolId) external view returns (OpenEpoch memory);

  /// @notice A finalised round; reverts with RoundNotFound when the epoch is not finalised.
  /// @param poolId The pool.
  /// @param epoch The epoch (= round id).
  /// @return The round.
  function getRound(uint32 poolId, uint64 epoch) external view returns (Round memory);

  /// @notice The bounds [startTs, endTs) of an epoch of a pool.
  /// @param poolId The pool.
  /// @param epoch The epoch (1-based).
  /// @return startTs genesisTs + (epoch-1)*epochLengthS.
  /// @return endTs genesisTs + epoch*epochLengthS.
  function epochBounds(uint32 poolId, uint64 epoch) external view returns (uint256 startTs, uint256 endTs);

  /// @notice The role allowed to submit and finalise for pool `poolId`.
  /// @param poolId The pool.
  /// @return The role id keccak256(abi.encode(keccak256("ATTESTER_ROLE"), poolId)).
  function attesterRole(uint32 poolId) external pure returns (bytes32);

  /// @notice The pool registry this registry reads.
  /// @return The pool registry.
  function poolRegistry() external view returns (IPoolRegistry);
}
