// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ITypeAndVersion} from "@chainlink/contracts/src/v0.8/shared/interfaces/ITypeAndVersion.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IVerifierRegistry} from "./interfaces/IVerifierRegistry.sol";

/// @title Verifier registry
/// @notice See {IVerifierRegistry}. The owner is the governance timelock; ownership moves only through it.
contract VerifierRegistry is IVerifierRegistry, Ownable {
  uint8 internal constant TEMPLATE_EPOCH_BATCH = 1;
  uint8 internal constant TEMPLATE_REGISTRATION = 2;
  uint8 internal constant MAX_TREE_DEPTH = 32;

  mapping(bytes32 instanceId => Instance instance) private s_instances;

  /// @param governance_ The TimelockController that owns the registry.
  constructor(address governance_) Ownable(governance_) {}

  /// @inheritdoc IVerifierRegistry
  function setVerifier(uint8 template, uint32 batchSize, uint8 treeDepth, address verifier)
    external
    onlyOwner
    returns (bytes32 instanceId)
  {
    if (template != TEMPLATE_EPOCH_BATCH && template != TEMPLATE_REGISTRATION) revert TemplateUnknown(template);
    if (batchSize == 0) revert BatchSizeZero();
    if (treeDepth == 0 || treeDepth > MAX_TREE_DEPTH) revert TreeDepthOutOfRange(treeDepth);
    if (verifier.code.length == 0) revert VerifierNotContract(verifier);
    instanceId = instanceIdOf(template, batchSize, treeDepth);
    Instance storage instance = s_instances[instanceId];
    address oldVerifier = instance.verifier;
    instance.template = template;
    instance.batchSize = batchSize;
    instance.treeDepth = treeDepth;
    instance.verifier = verifier;
    emit VerifierSet(instanceId, oldVerifier, verifier);
  }

  /// @inheritdoc IVerifierRegistry
  function verifierOf(bytes32 instanceId) external view returns (address verifier) {
    verifier = s_instances[instanceId].verifier;
    if (verifier == address(0)) revert InstanceNotFound(instanceId);
  }

  /// @inheritdoc IVerifierRegistry
  function getInstance(bytes32 instanceId) external view returns (Instance memory) {
    return s_instances[instanceId];
  }

  /// @inheritdoc IVerifierRegistry
  function instanceIdOf(uint8 template, uint32 batchSize, uint8 treeDepth) public pure returns (bytes32) {
    return keccak256(abi.encode(template, batchSize, treeDepth));
  }

  /// @inheritdoc IVerifierRegistry
  function governance() external view returns (address) {
    return owner();
  }

  /// @inheritdoc ITypeAndVersion
  function typeAndVersion() external pure returns (string memory) {
    return "VerifierRegistry 1.0.0";
  }
}
