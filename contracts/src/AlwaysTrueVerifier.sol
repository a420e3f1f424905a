// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Hostile verifier that accepts every proof; tests of the verifier governance only.
/// @notice Implements both verifier interfaces and returns true for anything. A pool wired to it would accept
/// forged attestations; the tests show it cannot be wired without the timelock.
contract AlwaysTrueVerifier {
  /// @notice Accepts any epoch batch proof.
  /// @return true.
  function verifyProof(uint256[2] calldata, uint256[2][2] calldata, uint256[2] calldata, uint256[10] calldata)
    external
    pure
    returns (bool)
  {
    return true;
  }

  /// @notice Accepts any registration batch proof.
  /// @return true.
  function verifyProof(uint256[2] calldata, uint256[2][2] calldata, uint256[2] calldata, uint256[7] calldata)
    external
    pure
    returns (bool)
  {
    return true;
  }
}
