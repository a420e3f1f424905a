// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Groth16 verifier of a registration batch proof
/// @notice The shape of snarkjs's generated verifier for the registration circuit (7 public signals, in the
/// order of docs/SPEC.md section 6: poolId, oldRoot, newRoot, oldCount, newCount, oldChain, newChain).
interface IRegistrationBatchVerifier {
  /// @notice Verifies a Groth16 proof against the public signals.
  /// @param pA The proof's A point.
  /// @param pB The proof's B point (coordinates in the order the EVM pairing precompile expects).
  /// @param pC The proof's C point.
  /// @param pubSignals The public signals, each below the BN254 scalar field modulus.
  /// @return True when the proof is valid for these public signals.
  function verifyProof(
    uint256[2] calldata pA,
    uint256[2][2] calldata pB,
    uint256[2] calldata pC,
    uint256[7] calldata pubSignals
  ) external view returns (bool);
}
