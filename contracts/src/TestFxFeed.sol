// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title Test FX feed (Chainlink AggregatorV3Interface) whose answer its owner sets; tests and demo only.
/// @notice Each `setAnswer` starts a new round with the given answer and updatedAt.
contract TestFxFeed is AggregatorV3Interface, Ownable {
  uint8 private immutable i_decimals;
  string private s_description;
  uint80 private s_roundId;
  int256 private s_answer;
  uint256 private s_updatedAt;

  /// @param owner_ The account allowed to set answers.
  /// @param decimals_ Decimals of the answer (Chainlink FX feeds: 8).
  /// @param description_ e.g. "CNY / USD".
  constructor(address owner_, uint8 decimals_, string memory description_) Ownable(owner_) {
    i_decimals = decimals_;
    s_description = description_;
  }

  /// @notice Starts a new round; only the owner.
  /// @param answer The answer (any sign, to test consumers' checks).
  /// @param updatedAt Its timestamp (any value, to test staleness checks).
  function setAnswer(int256 answer, uint256 updatedAt) external onlyOwner {
    s_roundId += 1;
    s_answer = answer;
    s_updatedAt = updatedAt;
  }

  /// @inheritdoc AggregatorV3Interface
  function decimals() external view returns (uint8) {
    return i_decimals;
  }

  /// @inheritdoc AggregatorV3Interface
  function description() external view returns (string memory) {
    return s_description;
  }

  /// @inheritdoc AggregatorV3Interface
  function version() external pure returns (uint256) {
    return 1;
  }

  /// @notice Keeps no history: returns the latest answer under any round id.
  function getRoundData(uint80 roundId)
    external
    view
    returns (uint80, int256, uint256, uint256, uint80)
  {
    return (roundId, s_answer, s_updatedAt, s_updatedAt, roundId);
  }

  /// @inheritdoc AggregatorV3Interface
  function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
    return (s_roundId, s_answer, s_updatedAt, s_updatedAt, s_roundId);
  }

  /// @notice Type and version.
  /// @return "TestFxFeed 1.0.0".
  function typeAndVersion() external pure returns (string memory) {
    return "TestFxFeed 1.0.0";
  }
}
