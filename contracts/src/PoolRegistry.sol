// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ITypeAndVersion} from "@chainlink/contracts/src/v0.8/shared/interfaces/ITypeAndVersion.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IPoolRegistry} from "./interfaces/IPoolRegistry.sol";
import {IPoseidonT3} from "./interfaces/IPoseidonT3.sol";
import {IVerifierRegistry} from "./interfaces/IVerifierRegistry.sol";

/// @title Pool and device registry
/// @notice See {IPoolRegistry}. The admin (DEFAULT_ADMIN_ROLE) creates pools; each pool's operator role
/// registers and deactivates its devices.
contract PoolRegistry is IPoolRegistry, AccessControl {
  /// @notice BN254 scalar field modulus (the field of circom signals and of Poseidon).
  uint256 internal constant FIELD_MODULUS =
    21888242871839275222246405745257275088548364400416034343698204186575808495617;
  /// @notice Baby Jubjub twisted Edwards coefficients: a*x^2 + y^2 = 1 + d*x^2*y^2 (mod FIELD_MODULUS).
  uint256 internal constant BABYJUB_A = 168700;
  uint256 internal constant BABYJUB_D = 168696;
  uint8 internal constant KIND_EV = 1;
  uint8 internal constant KIND_PV = 2;
  uint8 internal constant MAX_TREE_DEPTH = 32;
  uint8 internal constant TEMPLATE_EPOCH_BATCH = 1;
  uint8 internal constant TEMPLATE_REGISTRATION = 2;
  uint16 internal constant MAX_BPS = 10_000;

  IPoseidonT3 private immutable i_poseidonT3;
  IVerifierRegistry private immutable i_verifierRegistry;
  uint32 private s_poolCount;
  mapping(uint32 poolId => Pool pool) private s_pools;
  mapping(uint256 keyHash => Device device) private s_devices;
  mapping(uint32 poolId => mapping(uint256 count => uint256 chain)) private s_chains;

  /// @param admin Receives DEFAULT_ADMIN_ROLE (creates pools, manages roles).
  /// @param poseidonT3_ The Poseidon(2) contract (circomlibjs `createCode(2)`).
  /// @param verifierRegistry_ The governance-controlled verifier registry.
  constructor(address admin, IPoseidonT3 poseidonT3_, IVerifierRegistry verifierRegistry_) {
    if (address(poseidonT3_).code.length == 0) revert VerifierNotContract(address(poseidonT3_));
    if (address(verifierRegistry_).code.length == 0) revert VerifierNotContract(address(verifierRegistry_));
    i_poseidonT3 = poseidonT3_;
    i_verifierRegistry = verifierRegistry_;
    _grantRole(DEFAULT_ADMIN_ROLE, admin);
  }

  /// @inheritdoc IPoolRegistry
  function createPool(PoolParams calldata params) external onlyRole(DEFAULT_ADMIN_ROLE) returns (uint32 poolId) {
    if (params.operator == address(0)) revert OperatorZeroAddress();
    if (params.investorShareBps > MAX_BPS) revert InvestorShareOutOfRange(params.investorShareBps);
    if (params.treeDepth == 0 || params.treeDepth > MAX_TREE_DEPTH) revert TreeDepthOutOfRange(params.treeDepth);
    _checkInstance(params.epochInstanceId, TEMPLATE_EPOCH_BATCH, params.treeDepth);
    _checkInstance(params.registrationInstanceId, TEMPLATE_REGISTRATION, params.treeDepth);
    if (params.epochLengthS == 0) revert EpochLengthZero();
    if (params.maxTariffMinorPerKwh == 0) revert MaxTariffZero();
    if (params.currencyDecimals > 18) revert CurrencyDecimalsOutOfRange(params.currencyDecimals);

    uint256 emptyRoot = 0; // an unused slot is 0; each level up hashes two equal empty subtrees
    for (uint256 level = 0; level < params.treeDepth; ++level) {
      emptyRoot = i_poseidonT3.poseidon([emptyRoot, emptyRoot]);
    }

    poolId = ++s_poolCount;
    Pool storage pool = s_pools[poolId];
    pool.currencyCode = params.currencyCode;
    pool.currencyDecimals = params.currencyDecimals;
    pool.investorShareBps = params.investorShareBps;
    pool.treeDepth = params.treeDepth;
    pool.maxTariffMinorPerKwh = params.maxTariffMinorPerKwh;
    pool.epochLengthS = params.epochLengthS;
    pool.genesisTs = params.genesisTs;
    pool.epochInstanceId = params.epochInstanceId;
    pool.registrationInstanceId = params.registrationInstanceId;
    pool.emptyRoot = emptyRoot;
    _grantRole(poolOperatorRole(poolId), params.operator);
    emit PoolCreated(poolId, params.operator, pool);
  }

  /// @inheritdoc IPoolRegistry
  function registerDevice(uint32 poolId, uint256 ax, uint256 ay, uint32 ratedPowerW, uint8 kind)
    external
    onlyRole(poolOperatorRole(poolId))
    returns (uint256 keyHash)
  {
    Pool storage pool = _existingPool(poolId);
    if (!_isOnBabyJubjub(ax, ay)) revert PublicKeyNotOnCurve(ax, ay);
    if (ratedPowerW == 0) revert RatedPowerZero();
    if (kind != KIND_EV && kind != KIND_PV) revert DeviceKindUnknown(kind);
    uint32 count = pool.registeredCount;
    uint256 capacity = uint256(1) << pool.treeDepth;
    if (count >= capacity) revert PoolFull(poolId, capacity);

    keyHash = i_poseidonT3.poseidon([ax, ay]);
    uint32 boundPoolId = s_devices[keyHash].poolId;
    if (boundPoolId != 0) revert DeviceKeyAlreadyRegistered(keyHash, boundPoolId);
    uint256 deviceCommit = i_poseidonT3.poseidon([keyHash, uint256(ratedPowerW)]);
    uint256 chain = i_poseidonT3.poseidon([s_chains[poolId][count], deviceCommit]);

    s_devices[keyHash] = Device({poolId: poolId, slot: count, ratedPowerW: ratedPowerW, kind: kind, active: true});
    // count < capacity <= 2^32 was checked above, so neither increment can overflow
    unchecked {
      pool.registeredCount = count + 1;
      pool.activeCount += 1;
    }
    s_chains[poolId][count + 1] = chain;
    emit DeviceRegistered(poolId, keyHash, count, ax, ay, ratedPowerW, kind, deviceCommit, chain);
  }

  /// @inheritdoc IPoolRegistry
  function deactivateDevice(uint256 keyHash) external {
    Device storage device = s_devices[keyHash];
    uint32 poolId = device.poolId;
    if (poolId == 0) revert DeviceNotFound(keyHash);
    _checkRole(poolOperatorRole(poolId));
    if (!device.active) revert DeviceAlreadyInactive(keyHash);
    device.active = false;
    // an active device is counted in activeCount, so it is >= 1 here
    unchecked {
      s_pools[poolId].activeCount -= 1;
    }
    emit DeviceDeactivated(poolId, keyHash, device.slot);
  }

  /// @inheritdoc IPoolRegistry
  function getPool(uint32 poolId) external view returns (Pool memory) {
    return _existingPool(poolId);
  }

  /// @inheritdoc IPoolRegistry
  function getDevice(uint256 keyHash) external view returns (Device memory) {
    Device memory device = s_devices[keyHash];
    if (device.poolId == 0) revert DeviceNotFound(keyHash);
    return device;
  }

  /// @inheritdoc IPoolRegistry
  function chainAt(uint32 poolId, uint256 count) external view returns (uint256) {
    uint32 registeredCount = _existingPool(poolId).registeredCount;
    if (count > registeredCount) revert CountBeyondRegistered(poolId, count, registeredCount);
    return s_chains[poolId][count];
  }

  /// @inheritdoc IPoolRegistry
  function poolCount() external view returns (uint32) {
    return s_poolCount;
  }

  /// @inheritdoc IPoolRegistry
  function poolOperatorRole(uint32 poolId) public pure returns (bytes32) {
    return keccak256(abi.encode(keccak256("POOL_OPERATOR_ROLE"), poolId));
  }

  /// @inheritdoc IPoolRegistry
  function poseidonT3() external view returns (address) {
    return address(i_poseidonT3);
  }

  /// @inheritdoc IPoolRegistry
  function verifierRegistry() external view returns (IVerifierRegistry) {
    return i_verifierRegistry;
  }

  /// @inheritdoc IPoolRegistry
  function verifiersOf(uint32 poolId) external view returns (address epochVerifier, address registrationVerifier) {
    Pool storage pool = _existingPool(poolId);
    epochVerifier = i_verifierRegistry.verifierOf(pool.epochInstanceId);
    registrationVerifier = i_verifierRegistry.verifierOf(pool.registrationInstanceId);
  }

  /// @inheritdoc ITypeAndVersion
  function typeAndVersion() external pure returns (string memory) {
    return "PoolRegistry 2.0.0";
  }

  /// @dev The instance is registered, of `template`, and of the pool's tree depth.
  function _checkInstance(bytes32 instanceId, uint8 template, uint8 treeDepth) private view {
    IVerifierRegistry.Instance memory instance = i_verifierRegistry.getInstance(instanceId);
    if (instance.verifier == address(0)) revert VerifierInstanceUnknown(instanceId);
    if (instance.template != template) revert VerifierInstanceTemplateMismatch(instanceId, template, instance.template);
    if (instance.treeDepth != treeDepth) revert TreeDepthMismatch(instanceId, instance.treeDepth, treeDepth);
  }

  function _existingPool(uint32 poolId) private view returns (Pool storage pool) {
    if (poolId == 0 || poolId > s_poolCount) revert PoolNotFound(poolId);
    return s_pools[poolId];
  }

  /// @dev Canonical coordinates (< FIELD_MODULUS) satisfying a*x^2 + y^2 = 1 + d*x^2*y^2.
  function _isOnBabyJubjub(uint256 x, uint256 y) private pure returns (bool) {
    if (x >= FIELD_MODULUS || y >= FIELD_MODULUS) return false;
    uint256 x2 = mulmod(x, x, FIELD_MODULUS);
    uint256 y2 = mulmod(y, y, FIELD_MODULUS);
    uint256 left = addmod(mulmod(BABYJUB_A, x2, FIELD_MODULUS), y2, FIELD_MODULUS);
    uint256 right = addmod(1, mulmod(BABYJUB_D, mulmod(x2, y2, FIELD_MODULUS), FIELD_MODULUS), FIELD_MODULUS);
    return left == right;
  }
}
