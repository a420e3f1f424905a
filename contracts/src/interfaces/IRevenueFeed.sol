// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {ITypeAndVersion} from "@chainlink/contracts/src/v0.8/shared/interfaces/ITypeAndVersion.sol";
import {IAttestationRegistry} from "./IAttestationRegistry.sol";

/// @title Proven revenue feed of one pool
/// @notice Chainlink AggregatorV3Interface over the pool's finalised epochs: roundId = epoch, answer = proven
/// revenue in the pool currency's minor units, decimals = the currency's decimals, startedAt = epoch start,
/// updatedAt = finalisation time, answeredInRound = roundId. getRoundData of a round that is not finalised
/// reverts with RoundNotFound; so does latestRoundData before the first round (RoundNotFound(poolId, 0)).
interface IRevenueFeed is AggregatorV3Interface, ITypeAndVersion {
  /// @notice The round is not finalised (raised by the attestation registry).
  error RoundNotFound(uint32 poolId, uint256 roundId);
  /// @notice The pool id is not a created pool (raised by the pool registry).
  error PoolNotFound(uint32 poolId);

  /// @notice The pool this feed reports.
  /// @return The pool id.
  function poolId() external view returns (uint32);

  /// @notice The attestation registry the rounds are read from.
  /// @return The registry.
  function attestationRegistry() external view returns (IAttestationRegistry);

  /// @notice Proven energy of a round.
  /// @param roundId The round (epoch).
  /// @return Energy in Wh.
  function energyWh(uint80 roundId) external view returns (uint256);

  /// @notice Devices with a proven closing reading in the round.
  /// @param roundId The round (epoch).
  /// @return The reporting device count.
  function reportingDevices(uint80 roundId) external view returns (uint256);

  /// @notice Active registered devices of the pool when the round was finalised.
  /// @param roundId The round (epoch).
  /// @return The registered device count.
  function registeredDevices(uint80 roundId) external view returns (uint256);

  /// @notice Coverage = reporting / registered in basis points, capped at 10,000 (0 when no device is
  /// registered). A deactivated device may still prove a last reading, hence the cap.
  /// @param roundId The round (epoch).
  /// @return Coverage in basis points.
  function coverageBps(uint80 roundId) external view returns (uint256);

  /// @notice The pool's attested state root when the round was finalised.
  /// @param roundId The round (epoch).
  /// @return The state root.
  function stateRoot(uint80 roundId) external view returns (uint256);
}
