// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title Test stablecoin (6 decimals, mintable by its owner); for tests and demos only.
contract TestStablecoin is ERC20, Ownable {
  /// @param owner_ The account allowed to mint.
  constructor(address owner_) ERC20("Test USD", "tUSD") Ownable(owner_) {}

  /// @notice Mints tokens; only the owner.
  /// @param to The receiver.
  /// @param amount The amount, in units of 10^-6.
  function mint(address to, uint256 amount) external onlyOwner {
    _mint(to, amount);
  }

  /// @notice 6 decimals, like USDC and USDT.
  /// @return 6.
  function decimals() public pure override returns (uint8) {
    return 6;
  }

  /// @notice Type and version.
  /// @return "TestStablecoin 1.0.0".
  function typeAndVersion() external pure returns (string memory) {
    return "TestStablecoin 1.0.0";
  }
}
