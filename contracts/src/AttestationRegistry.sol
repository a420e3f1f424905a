// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ITypeAndVersion} from "@chainlink/contracts/src/v0.8/shared/interfaces/ITypeAndVersion.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IAttestationRegistry} from "./interfaces/IAttestationRegistry.sol";
import {IEpochBatchVerifier} from "./interfaces/IEpochBatchVerifier.sol";
import {IPoolRegistry} from "./interfaces/IPoolRegistry.sol";
import {IRegistrationBatchVerifier} from "./interfaces/IRegistrationBatchVerifier.sol";
import {IVerifierRegistry} from "./interfaces/IVerifierRegistry.sol";

/// @title Attestation registry
/// @notice See {IAttestationRegistry}. The admin grants each pool's attester role (the oracle's key). Proofs
/// are checked by the verifier the governance-controlled verifier registry holds for the pool's instance at the
/// time of submission (a replacement, executed by the timelock after its public delay, applies to every pool of
/// that instance).
contract AttestationRegistry is IAttestationRegistry, AccessControl {
  // Epoch batch public signal indices (docs/SPEC.md section 6).
  uint256 private constant E_POOL = 0;
  uint256 private constant E_EPOCH = 1;
  uint256 private constant E_START = 2;
  uint256 private constant E_END = 3;
  uint256 private constant E_TARIFF = 4;
  uint256 private constant E_OLD_ROOT = 5;
  uint256 private constant E_NEW_ROOT = 6;
  uint256 private constant E_ENERGY = 7;
  uint256 private constant E_REVENUE = 8;
  uint256 private constant E_REPORTING = 9;
  // Registration batch public signal indices.
  uint256 private constant R_POOL = 0;
  uint256 private constant R_OLD_ROOT = 1;
  uint256 private constant R_NEW_ROOT = 2;
  uint256 private constant R_OLD_COUNT = 3;
  uint256 private constant R_NEW_COUNT = 4;
  uint256 private constant R_OLD_CHAIN = 5;
  uint256 private constant R_NEW_CHAIN = 6;

  /// @dev Per pool: the state root and what has been attested and finalised so far.
  struct PoolState {
    uint256 stateRoot; // meaningful only when initialised; before, the pool's empty root
    bool initialised;
    uint32 attestedCount;
    uint64 lastFinalisedEpoch;
    uint32 openBatchCount;
    uint64 openReportingCount;
    uint128 openEnergyWh;
    uint128 openRevenueMinor;
  }

  IPoolRegistry private immutable i_poolRegistry;
  IVerifierRegistry private immutable i_verifierRegistry;
  mapping(uint32 poolId => PoolState state) private s_states;
  mapping(uint32 poolId => mapping(uint64 epoch => Round round)) private s_rounds;
  mapping(bytes32 batchHash => bool accepted) private s_acceptedBatches;

  /// @param admin Receives DEFAULT_ADMIN_ROLE (grants attester roles).
  /// @param poolRegistry_ The pool registry.
  constructor(address admin, IPoolRegistry poolRegistry_) {
    i_poolRegistry = poolRegistry_;
    i_verifierRegistry = poolRegistry_.verifierRegistry();
    _grantRole(DEFAULT_ADMIN_ROLE, admin);
  }

  /// @inheritdoc IAttestationRegistry
  function submitRegistration(uint32 poolId, Groth16Proof calldata proof, uint256[7] calldata pubSignals)
    external
    onlyRole(attesterRole(poolId))
  {
    IPoolRegistry.Pool memory pool = i_poolRegistry.getPool(poolId);
    PoolState storage state = s_states[poolId];
    if (pubSignals[R_POOL] != poolId) revert ProofForAnotherPool(poolId, pubSignals[R_POOL]);
    uint256 currentRoot = state.initialised ? state.stateRoot : pool.emptyRoot;
    if (pubSignals[R_OLD_ROOT] != currentRoot) revert StateRootMismatch(poolId, currentRoot, pubSignals[R_OLD_ROOT]);
    uint32 oldCount = state.attestedCount;
    if (pubSignals[R_OLD_COUNT] != oldCount) revert AttestedCountMismatch(poolId, oldCount, pubSignals[R_OLD_COUNT]);
    uint256 newCount = pubSignals[R_NEW_COUNT];
    if (newCount <= oldCount || newCount > pool.registeredCount) {
      revert RegistrationCountInvalid(poolId, oldCount, newCount, pool.registeredCount);
    }
    uint256 oldChain = i_poolRegistry.chainAt(poolId, oldCount);
    if (pubSignals[R_OLD_CHAIN] != oldChain) revert ChainMismatch(poolId, oldCount, oldChain, pubSignals[R_OLD_CHAIN]);
    uint256 newChain = i_poolRegistry.chainAt(poolId, newCount);
    if (pubSignals[R_NEW_CHAIN] != newChain) revert ChainMismatch(poolId, newCount, newChain, pubSignals[R_NEW_CHAIN]);
    address verifier = i_verifierRegistry.verifierOf(pool.registrationInstanceId);
    if (!IRegistrationBatchVerifier(verifier).verifyProof(proof.a, proof.b, proof.c, pubSignals)) {
      revert InvalidProof(poolId, verifier);
    }

    state.stateRoot = pubSignals[R_NEW_ROOT];
    state.initialised = true;
    // newCount <= pool.registeredCount, a uint32, was checked above
    state.attestedCount = uint32(newCount);
    emit RegistrationAttested(poolId, currentRoot, pubSignals[R_NEW_ROOT], oldCount, uint32(newCount));
  }

  /// @inheritdoc IAttestationRegistry
  function submitBatch(uint32 poolId, uint64 epoch, Groth16Proof calldata proof, uint256[10] calldata pubSignals)
    external
    onlyRole(attesterRole(poolId))
  {
    IPoolRegistry.Pool memory pool = i_poolRegistry.getPool(poolId);
    PoolState storage state = s_states[poolId];
    (uint256 oldRoot, bytes32 batchHash) = _checkBatchSignals(poolId, epoch, pool, state, pubSignals);
    address verifier = i_verifierRegistry.verifierOf(pool.epochInstanceId);
    if (!IEpochBatchVerifier(verifier).verifyProof(proof.a, proof.b, proof.c, pubSignals)) {
      revert InvalidProof(poolId, verifier);
    }

    s_acceptedBatches[batchHash] = true;
    state.stateRoot = pubSignals[E_NEW_ROOT];
    state.initialised = true;
    uint32 batchIndex = state.openBatchCount;
    // checked arithmetic: per-batch totals are below 2^96 (energy, revenue) and 2^32 (count); a sum that
    // ever exceeded its type would revert rather than wrap
    state.openBatchCount = batchIndex + 1;
    state.openEnergyWh += uint128(pubSignals[E_ENERGY]);
    state.openRevenueMinor += uint128(pubSignals[E_REVENUE]);
    state.openReportingCount += uint64(pubSignals[E_REPORTING]);
    emit BatchAccepted(
      poolId,
      epoch,
      batchIndex,
      oldRoot,
      pubSignals[E_NEW_ROOT],
      pubSignals[E_ENERGY],
      pubSignals[E_REVENUE],
      pubSignals[E_REPORTING]
    );
  }

  /// @inheritdoc IAttestationRegistry
  function finalizeEpoch(uint32 poolId, uint64 epoch) external onlyRole(attesterRole(poolId)) {
    IPoolRegistry.Pool memory pool = i_poolRegistry.getPool(poolId);
    PoolState storage state = s_states[poolId];
    _checkNextEpoch(poolId, epoch, state.lastFinalisedEpoch);
    (uint256 startTs, uint256 endTs) = _epochBounds(poolId, pool, epoch);
    if (block.timestamp < endTs) revert EpochNotEnded(poolId, epoch, endTs, block.timestamp);

    uint256 stateRoot = state.initialised ? state.stateRoot : pool.emptyRoot;
    // reporting devices are at most the tree's slots (each slot updates at most once per epoch), < 2^32
    Round memory round = Round({
      stateRoot: stateRoot,
      revenueMinor: state.openRevenueMinor,
      energyWh: state.openEnergyWh,
      startedAt: uint64(startTs),
      updatedAt: uint64(block.timestamp),
      reportingCount: uint32(state.openReportingCount),
      registeredCount: pool.activeCount,
      batchCount: state.openBatchCount
    });
    s_rounds[poolId][epoch] = round;
    state.lastFinalisedEpoch = epoch;
    state.openBatchCount = 0;
    state.openReportingCount = 0;
    state.openEnergyWh = 0;
    state.openRevenueMinor = 0;
    emit EpochFinalised(
      poolId,
      epoch,
      round.revenueMinor,
      round.energyWh,
      round.reportingCount,
      round.registeredCount,
      round.batchCount,
      stateRoot
    );
  }

  /// @inheritdoc IAttestationRegistry
  function stateRootOf(uint32 poolId) external view returns (uint256) {
    PoolState storage state = s_states[poolId];
    return state.initialised ? state.stateRoot : i_poolRegistry.getPool(poolId).emptyRoot;
  }

  /// @inheritdoc IAttestationRegistry
  function attestedCountOf(uint32 poolId) external view returns (uint32) {
    return s_states[poolId].attestedCount;
  }

  /// @inheritdoc IAttestationRegistry
  function lastFinalisedEpochOf(uint32 poolId) external view returns (uint64) {
    return s_states[poolId].lastFinalisedEpoch;
  }

  /// @inheritdoc IAttestationRegistry
  function openEpochOf(uint32 poolId) external view returns (OpenEpoch memory) {
    PoolState storage state = s_states[poolId];
    return OpenEpoch({
      epoch: state.lastFinalisedEpoch + 1,
      batchCount: state.openBatchCount,
      reportingCount: state.openReportingCount,
      energyWh: state.openEnergyWh,
      revenueMinor: state.openRevenueMinor
    });
  }

  /// @inheritdoc IAttestationRegistry
  function getRound(uint32 poolId, uint64 epoch) external view returns (Round memory) {
    if (epoch == 0 || epoch > s_states[poolId].lastFinalisedEpoch) revert RoundNotFound(poolId, epoch);
    return s_rounds[poolId][epoch];
  }

  /// @inheritdoc IAttestationRegistry
  function epochBounds(uint32 poolId, uint64 epoch) external view returns (uint256 startTs, uint256 endTs) {
    return _epochBounds(poolId, i_poolRegistry.getPool(poolId), epoch);
  }

  /// @inheritdoc IAttestationRegistry
  function attesterRole(uint32 poolId) public pure returns (bytes32) {
    return keccak256(abi.encode(keccak256("ATTESTER_ROLE"), poolId));
  }

  /// @inheritdoc IAttestationRegistry
  function poolRegistry() external view returns (IPoolRegistry) {
    return i_poolRegistry;
  }

  /// @inheritdoc ITypeAndVersion
  function typeAndVersion() external pure returns (string memory) {
    return "AttestationRegistry 2.0.0";
  }

  /// @dev Every check of an epoch batch except the proof itself; returns the current root and the batch hash.
  function _checkBatchSignals(
    uint32 poolId,
    uint64 epoch,
    IPoolRegistry.Pool memory pool,
    PoolState storage state,
    uint256[10] calldata pubSignals
  ) private view returns (uint256 currentRoot, bytes32 batchHash) {
    if (pubSignals[E_POOL] != poolId) revert ProofForAnotherPool(poolId, pubSignals[E_POOL]);
    _checkNextEpoch(poolId, epoch, state.lastFinalisedEpoch);
    if (pubSignals[E_EPOCH] != epoch) revert EpochSignalMismatch(epoch, pubSignals[E_EPOCH]);
    (uint256 startTs, uint256 endTs) = _epochBounds(poolId, pool, epoch);
    if (pubSignals[E_START] != startTs || pubSignals[E_END] != endTs) {
      revert EpochBoundsMismatch(epoch, startTs, endTs, pubSignals[E_START], pubSignals[E_END]);
    }
    if (block.timestamp < endTs) revert EpochNotEnded(poolId, epoch, endTs, block.timestamp);
    if (pubSignals[E_TARIFF] != pool.maxTariffMinorPerKwh) {
      revert TariffCapMismatch(poolId, pool.maxTariffMinorPerKwh, pubSignals[E_TARIFF]);
    }
    batchHash = keccak256(abi.encode(poolId, pubSignals));
    if (s_acceptedBatches[batchHash]) revert BatchAlreadySubmitted(poolId, batchHash);
    currentRoot = state.initialised ? state.stateRoot : pool.emptyRoot;
    if (pubSignals[E_OLD_ROOT] != currentRoot) revert StateRootMismatch(poolId, currentRoot, pubSignals[E_OLD_ROOT]);
    if (pubSignals[E_ENERGY] >= 2 ** 96) revert SignalOutOfRange(uint8(E_ENERGY), pubSignals[E_ENERGY]);
    if (pubSignals[E_REVENUE] >= 2 ** 96) revert SignalOutOfRange(uint8(E_REVENUE), pubSignals[E_REVENUE]);
    if (pubSignals[E_REPORTING] >= 2 ** 32) revert SignalOutOfRange(uint8(E_REPORTING), pubSignals[E_REPORTING]);
  }

  function _checkNextEpoch(uint32 poolId, uint64 epoch, uint64 lastFinalisedEpoch) private pure {
    if (epoch <= lastFinalisedEpoch) revert EpochAlreadyFinalised(poolId, epoch, lastFinalisedEpoch);
    if (epoch != lastFinalisedEpoch + 1) revert EpochOutOfOrder(poolId, epoch, lastFinalisedEpoch + 1);
  }

  function _epochBounds(uint32 poolId, IPoolRegistry.Pool memory pool, uint64 epoch)
    private
    pure
    returns (uint256 startTs, uint256 endTs)
  {
    if (epoch == 0) revert EpochOutOfOrder(poolId, 0, 1);
    startTs = uint256(pool.genesisTs) + (uint256(epoch) - 1) * pool.epochLengthS;
    endTs = startTs + pool.epochLengthS;
  }
}
