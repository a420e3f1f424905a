// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Poseidon hash of two field elements (circomlib's Poseidon(2), t = 3)
/// @notice Implemented by the bytecode of circomlibjs `poseidonContract.createCode(2)`; its output equals
/// circomlib's `Poseidon(2)` and circomlibjs `buildPoseidon()([a, b])`. Inputs are reduced modulo the BN254
/// scalar field by the implementation, so callers must reject inputs >= the field modulus themselves.
interface IPoseidonT3 {
  /// @notice Hashes two BN254 scalar field elements.
  /// @param input The two field elements, in order.
  /// @return The Poseidon hash, a field element.
  function poseidon(uint256[2] calldata input) external pure returns (uint256);
}
