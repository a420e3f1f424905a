// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {ITypeAndVersion} from "@chainlink/contracts/src/v0.8/shared/interfaces/ITypeAndVersion.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {IAttestationRegistry} from "./interfaces/IAttestationRegistry.sol";
import {IPoolRegistry} from "./interfaces/IPoolRegistry.sol";
import {IRevenueFeed} from "./interfaces/IRevenueFeed.sol";

/// @title Proven revenue feed of one pool
/// @notice See {IRevenueFeed}. Stateless: every answer is read from the attestation registry.
contract RevenueFeed is IRevenueFeed {
  uint256 private constant MAX_BPS = 10_000;

  IAttestationRegistry private immutable i_attestations;
  uint32 private immutable i_poolId;
  uint8 private immutable i_decimals;
  bytes3 private immutable i_currencyCode;

  /// @param attestations The attestation registry.
  /// @param poolId_ The pool (must exist).
  constructor(IAttestationRegistry attestations, uint32 poolId_) {
    IPoolRegistry.Pool memory pool = attestations.poolRegistry().getPool(poolId_);
    i_attestations = attestations;
    i_poolId = poolId_;
    i_decimals = pool.currencyDecimals;
    i_currencyCode = pool.currencyCode;
  }

  /// @inheritdoc AggregatorV3Interface
  function decimals() external view returns (uint8) {
    return i_decimals;
  }

  /// @inheritdoc AggregatorV3Interface
  function description() external view returns (string memory) {
    return string.concat(
      "Proven revenue of pool ", Strings.toString(i_poolId), " (", string(abi.encodePacked(i_currencyCode)), ")"
    );
  }

  /// @inheritdoc AggregatorV3Interface
  function version() external pure returns (uint256) {
    return 1;
  }

  /// @inheritdoc AggregatorV3Interface
  function getRoundData(uint80 _roundId)
    external
    view
    returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
  {
    return _roundData(_roundId);
  }

  /// @inheritdoc AggregatorV3Interface
  function latestRoundData()
    external
    view
    returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
  {
    return _roundData(i_attestations.lastFinalisedEpochOf(i_poolId));
  }

  /// @inheritdoc IRevenueFeed
  function poolId() external view returns (uint32) {
    return i_poolId;
  }

  /// @inheritdoc IRevenueFeed
  function attestationRegistry() external view returns (IAttestationRegistry) {
    return i_attestations;
  }

  /// @inheritdoc IRevenueFeed
  function energyWh(uint80 roundId) external view returns (uint256) {
    return _round(roundId).energyWh;
  }

  /// @inheritdoc IRevenueFeed
  function reportingDevices(uint80 roundId) external view returns (uint256) {
    return _round(roundId).reportingCount;
  }

  /// @inheritdoc IRevenueFeed
  function registeredDevices(uint80 roundId) external view returns (uint256) {
    return _round(roundId).registeredCount;
  }

  /// @inheritdoc IRevenueFeed
  function coverageBps(uint80 roundId) external view returns (uint256) {
    IAttestationRegistry.Round memory round = _round(roundId);
    if (round.registeredCount == 0) return 0;
    uint256 coverage = (uint256(round.reportingCount) * MAX_BPS) / round.registeredCount;
    return coverage > MAX_BPS ? MAX_BPS : coverage;
  }

  /// @inheritdoc IRevenueFeed
  function stateRoot(uint80 roundId) external view returns (uint256) {
    return _round(roundId).stateRoot;
  }

  /// @inheritdoc ITypeAndVersion
  function typeAndVersion() external pure returns (string memory) {
    return "RevenueFeed 1.0.0";
  }

  function _round(uint80 roundId) private view returns (IAttestationRegistry.Round memory) {
    if (roundId > type(uint64).max) revert RoundNotFound(i_poolId, roundId);
    return i_attestations.getRound(i_poolId, uint64(roundId));
  }

  function _roundData(uint80 roundId_)
    private
    view
    returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
  {
    IAttestationRegistry.Round memory round = _round(roundId_);
    // revenueMinor is a uint128, so it always fits an int256
    return (roundId_, int256(uint256(round.revenueMinor)), round.startedAt, round.updatedAt, roundId_);
  }
}
