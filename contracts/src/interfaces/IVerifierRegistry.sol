// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ITypeAndVersion} from "@chainlink/contracts/src/v0.8/shared/interfaces/ITypeAndVersion.sol";

/// @title Registry of Groth16 verifiers per circuit instance
/// @notice One verifying contract per circuit instance: a template (1 = EpochBatch, 2 = Registration), a batch
/// size (B device slots per epoch batch, R registrations per registration batch) and a tree depth D. The
/// instance id is keccak256(abi.encode(template, batchSize, treeDepth)). Only the registry's governance (a
/// TimelockController, so every change is scheduled publicly and takes effect after its delay) adds or replaces
/// an entry. Pools reference instance ids, and the attestation registry resolves the verifier at every proof, so
/// a replacement applies to existing pools once the timelock has executed it.
interface IVerifierRegistry is ITypeAndVersion {
  /// @notice A circuit instance as stored; `verifier == address(0)` means "not registered".
  struct Instance {
    uint8 template; // 1 = EpochBatch, 2 = Registration
    uint32 batchSize; // B (epoch) or R (registration)
    uint8 treeDepth; // D
    address verifier; // the Groth16 verifying contract
  }

  /// @notice An instance's verifier was added (oldVerifier = 0) or replaced.
  event VerifierSet(bytes32 indexed instanceId, address oldVerifier, address newVerifier);

  /// @notice The template is neither 1 (EpochBatch) nor 2 (Registration).
  error TemplateUnknown(uint8 template);
  /// @notice The batch size is zero.
  error BatchSizeZero();
  /// @notice The tree depth is outside 1..32.
  error TreeDepthOutOfRange(uint8 treeDepth);
  /// @notice The verifier address holds no code.
  error VerifierNotContract(address verifier);
  /// @notice No verifier is registered for the instance.
  error InstanceNotFound(bytes32 instanceId);

  /// @notice Adds or replaces the verifier of a circuit instance; only governance (the timelock).
  /// @param template 1 = EpochBatch, 2 = Registration.
  /// @param batchSize B or R (> 0).
  /// @param treeDepth D (1..32).
  /// @param verifier The verifying contract (must hold code).
  /// @return instanceId keccak256(abi.encode(template, batchSize, treeDepth)).
  function setVerifier(uint8 template, uint32 batchSize, uint8 treeDepth, address verifier)
    external
    returns (bytes32 instanceId);

  /// @notice The verifier of an instance; reverts with InstanceNotFound when none is registered.
  /// @param instanceId The instance id.
  /// @return The verifying contract.
  function verifierOf(bytes32 instanceId) external view returns (address);

  /// @notice The stored instance (all zero when not registered).
  /// @param instanceId The instance id.
  /// @return The instance.
  function getInstance(bytes32 instanceId) external view returns (Instance memory);

  /// @notice The id of an instance.
  /// @param template 1 = EpochBatch, 2 = Registration.
  /// @param batchSize B or R.
  /// @param treeDepth D.
  /// @return keccak256(abi.encode(template, batchSize, treeDepth)).
  function instanceIdOf(uint8 template, uint32 batchSize, uint8 treeDepth) external pure returns (bytes32);

  /// @notice The governance allowed to change entries (the timelock).
  /// @return Its address.
  function governance() external view returns (address);
}
