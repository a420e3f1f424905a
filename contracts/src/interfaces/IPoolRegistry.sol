// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ITypeAndVersion} from "@chainlink/contracts/src/v0.8/shared/interfaces/ITypeAndVersion.sol";
import {IVerifierRegistry} from "./IVerifierRegistry.sol";

/// @title Registry of revenue pools and their devices
/// @notice Holds each pool's parameters and folds every device registration into the pool's Poseidon hash
/// chain (docs/SPEC.md section 5): keyHash = Poseidon(Ax, Ay), deviceCommit = Poseidon(keyHash, ratedPowerW),
/// chain_0 = 0, chain_n = Poseidon(chain_(n-1), deviceCommit_n); the n-th device occupies slot n-1 of the pool's
/// state tree. A keyHash belongs to one pool only, ever (the double-financing guard). A pool names the circuit
/// instances of its proofs (ids of the governance-controlled {IVerifierRegistry}), never verifier addresses.
interface IPoolRegistry is ITypeAndVersion {
  /// @notice Parameters of a new pool.
  struct PoolParams {
    address operator; // receives the pool's operator role (registers and deactivates devices)
    bytes3 currencyCode; // ISO 4217 code in ASCII, e.g. "CNY"
    uint8 currencyDecimals; // minor units per major unit = 10^currencyDecimals (CNY: 2, fen)
    uint32 maxTariffMinorPerKwh; // price plausibility cap, minor units per kWh (1.9 CNY/kWh = 190)
    uint32 epochLengthS; // epoch length in seconds
    uint64 genesisTs; // unix seconds at which epoch 1 starts
    uint16 investorShareBps; // share of proven revenue owed to token holders, basis points (<= 10,000)
    bytes32 epochInstanceId; // verifier registry instance of epoch batches (template 1, depth treeDepth)
    bytes32 registrationInstanceId; // verifier registry instance of registration batches (template 2, same depth)
    uint8 treeDepth; // depth D of the pool's state tree (capacity 2^D devices)
  }

  /// @notice A pool as stored.
  struct Pool {
    bytes3 currencyCode;
    uint8 currencyDecimals;
    uint16 investorShareBps;
    uint8 treeDepth;
    uint32 maxTariffMinorPerKwh;
    uint32 epochLengthS;
    uint64 genesisTs;
    uint32 registeredCount; // devices ever registered (= chain length = used tree slots)
    uint32 activeCount; // registered devices not deactivated
    bytes32 epochInstanceId;
    bytes32 registrationInstanceId;
    uint256 emptyRoot; // root of the all-zero tree of depth treeDepth, computed on-chain at creation
  }

  /// @notice A device as stored; poolId 0 means "not registered".
  struct Device {
    uint32 poolId;
    uint32 slot; // 0-based slot in the pool's state tree
    uint32 ratedPowerW;
    uint8 kind; // 1 = EV charging pile, 2 = PV site
    bool active;
  }

  /// @notice A pool was created.
  event PoolCreated(uint32 indexed poolId, address indexed operator, Pool pool);
  /// @notice A device was registered and folded into its pool's chain.
  event DeviceRegistered(
    uint32 indexed poolId,
    uint256 indexed keyHash,
    uint32 slot,
    uint256 ax,
    uint256 ay,
    uint32 ratedPowerW,
    uint8 kind,
    uint256 deviceCommit,
    uint256 chain
  );
  /// @notice A device was deactivated (its slot stays in the tree and the chain).
  event DeviceDeactivated(uint32 indexed poolId, uint256 indexed keyHash, uint32 slot);

  /// @notice The pool id is not a created pool.
  error PoolNotFound(uint32 poolId);
  /// @notice The operator address is zero.
  error OperatorZeroAddress();
  /// @notice A contract address (Poseidon, verifier registry) holds no code.
  error VerifierNotContract(address verifier);
  /// @notice The verifier registry has no verifier for the instance.
  error VerifierInstanceUnknown(bytes32 instanceId);
  /// @notice The instance is of another template than the pool needs (1 = EpochBatch, 2 = Registration).
  error VerifierInstanceTemplateMismatch(bytes32 instanceId, uint8 expectedTemplate, uint8 template);
  /// @notice The instance's tree depth differs from the pool's.
  error TreeDepthMismatch(bytes32 instanceId, uint8 instanceTreeDepth, uint8 poolTreeDepth);
  /// @notice investorShareBps is above 10,000.
  error InvestorShareOutOfRange(uint16 investorShareBps);
  /// @notice treeDepth is outside 1..32.
  error TreeDepthOutOfRange(uint8 treeDepth);
  /// @notice epochLengthS is zero.
  error EpochLengthZero();
  /// @notice maxTariffMinorPerKwh is zero.
  error MaxTariffZero();
  /// @notice currencyDecimals is above 18.
  error CurrencyDecimalsOutOfRange(uint8 currencyDecimals);
  /// @notice The key is already registered, in `poolId` (possibly another pool).
  error DeviceKeyAlreadyRegistered(uint256 keyHash, uint32 poolId);
  /// @notice (ax, ay) is not a point of the Baby Jubjub curve in canonical form.
  error PublicKeyNotOnCurve(uint256 ax, uint256 ay);
  /// @notice ratedPowerW is zero.
  error RatedPowerZero();
  /// @notice kind is neither 1 (EV) nor 2 (PV).
  error DeviceKindUnknown(uint8 kind);
  /// @notice The pool's state tree has no free slot left.
  error PoolFull(uint32 poolId, uint256 capacity);
  /// @notice No device has this key hash.
  error DeviceNotFound(uint256 keyHash);
  /// @notice The device is already deactivated.
  error DeviceAlreadyInactive(uint256 keyHash);
  /// @notice The chain was asked for a count above the pool's registered count.
  error CountBeyondRegistered(uint32 poolId, uint256 count, uint32 registeredCount);

  /// @notice Creates a pool; only the registry admin. Both instances must be registered in the verifier
  /// registry, be of the right template and have the pool's tree depth.
  /// @dev Computes the empty-tree root of depth `treeDepth` on-chain (treeDepth Poseidon calls).
  /// @param params The pool's parameters; `params.operator` receives the pool's operator role.
  /// @return poolId The new pool's id (1-based, consecutive).
  function createPool(PoolParams calldata params) external returns (uint32 poolId);

  /// @notice Registers a device in a pool; only the pool's operator.
  /// @dev Checks the key is on Baby Jubjub, computes keyHash and deviceCommit with Poseidon and extends the chain.
  /// @param poolId The pool.
  /// @param ax The x coordinate of the device's EdDSA public key.
  /// @param ay The y coordinate of the device's EdDSA public key.
  /// @param ratedPowerW The device's rated power in watts (> 0).
  /// @param kind 1 = EV charging pile, 2 = PV site.
  /// @return keyHash Poseidon(ax, ay), the device's identity.
  function registerDevice(uint32 poolId, uint256 ax, uint256 ay, uint32 ratedPowerW, uint8 kind)
    external
    returns (uint256 keyHash);

  /// @notice Deactivates a device; only its pool's operator. The key stays bound to the pool forever.
  /// @param keyHash The device's key hash.
  function deactivateDevice(uint256 keyHash) external;

  /// @notice The pool's parameters and counters; reverts with PoolNotFound for an unknown pool.
  /// @param poolId The pool.
  /// @return The pool.
  function getPool(uint32 poolId) external view returns (Pool memory);

  /// @notice The device with this key hash; reverts with DeviceNotFound when there is none.
  /// @param keyHash The device's key hash.
  /// @return The device.
  function getDevice(uint256 keyHash) external view returns (Device memory);

  /// @notice The pool's registration chain after `count` registrations (chain_0 = 0).
  /// @param poolId The pool.
  /// @param count A registration count, at most the pool's registered count.
  /// @return The chain value.
  function chainAt(uint32 poolId, uint256 count) external view returns (uint256);

  /// @notice The number of pools created so far (ids 1..poolCount).
  /// @return The pool count.
  function poolCount() external view returns (uint32);

  /// @notice The role that operates pool `poolId`.
  /// @param poolId The pool.
  /// @return The role id keccak256(abi.encode(keccak256("POOL_OPERATOR_ROLE"), poolId)).
  function poolOperatorRole(uint32 poolId) external pure returns (bytes32);

  /// @notice The Poseidon(2) contract used for keyHash, deviceCommit, the chain and the empty root.
  /// @return The contract's address.
  function poseidonT3() external view returns (address);

  /// @notice The governance-controlled registry the pools' instance ids refer to.
  /// @return The registry.
  function verifierRegistry() external view returns (IVerifierRegistry);

  /// @notice The verifiers a pool's proofs are checked with now (resolved through the verifier registry).
  /// @param poolId The pool.
  /// @return epochVerifier The verifier of the pool's epoch instance.
  /// @return registrationVerifier The verifier of the pool's registration instance.
  function verifiersOf(uint32 poolId) external view returns (address epochVerifier, address registrationVerifier);
}
