// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ERC-2222 funds distribution token
/// @notice Holders accrue distributed funds in proportion to their balance at distribution time
/// (points per share with a 2^128 multiplier; transfers, mints and burns carry corrections so that
/// accrued funds never move with the tokens) and pull them with withdrawFunds.
interface IFundsDistributionToken {
  /// @notice Funds were distributed to all holders.
  /// @param by The account that provided the funds.
  /// @param fundsDistributed The amount distributed, in funds-token units.
  event FundsDistributed(address indexed by, uint256 fundsDistributed);
  /// @notice An account withdrew its accrued funds.
  /// @param by The account.
  /// @param fundsWithdrawn The amount withdrawn, in funds-token units.
  event FundsWithdrawn(address indexed by, uint256 fundsWithdrawn);

  /// @notice Funds an account can withdraw now.
  /// @param owner The account.
  /// @return The amount, in funds-token units.
  function withdrawableFundsOf(address owner) external view returns (uint256);

  /// @notice Funds an account has withdrawn so far.
  /// @param owner The account.
  /// @return The amount, in funds-token units.
  function withdrawnFundsOf(address owner) external view returns (uint256);

  /// @notice Funds an account has accrued so far (withdrawn + withdrawable).
  /// @param owner The account.
  /// @return The amount, in funds-token units.
  function accumulativeFundsOf(address owner) external view returns (uint256);

  /// @notice Withdraws all the caller's withdrawable funds.
  function withdrawFunds() external;
}
