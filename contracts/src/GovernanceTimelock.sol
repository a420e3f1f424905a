// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title Governance timelock
/// @notice OpenZeppelin's TimelockController, unchanged: proposers schedule calls (CallScheduled, public), which
/// executors can run only after `getMinDelay()` seconds (CallExecuted). It governs the verifier registry and the
/// payout parameters of the revenue-share tokens. With `admin = address(0)` the timelock administers itself, so
/// even its own delay and roles change only through a delayed call.
contract GovernanceTimelock is TimelockController {
  /// @param minDelayS Minimum delay between scheduling and executing a call, in seconds.
  /// @param proposers Accounts that may schedule (and cancel) calls.
  /// @param executors Accounts that may execute ready calls (address(0) = anyone).
  /// @param admin Optional extra admin for initial set-up (address(0) for none).
  constructor(uint256 minDelayS, address[] memory proposers, address[] memory executors, address admin)
    TimelockController(minDelayS, proposers, executors, admin)
  {}

  /// @notice Type and version.
  /// @return "GovernanceTimelock 1.0.0".
  function typeAndVersion() external pure returns (string memory) {
    return "GovernanceTimelock 1.0.0";
  }
}
