import solc from 'solc';
import type { Abi, Hex } from 'viem';

const SOURCE = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;
contract Counter {
  error CountTooHigh(uint256 count, uint256 limit);
  event Counted(uint256 count, uint256 tag);
  uint256 public count;
  uint256 public lastTag;
  function increment(uint256 tag) external {
    if (count >= 100) revert CountTooHigh(count, 100);
    count += 1;
    lastTag = tag;
    emit Counted(count, tag);
  }
  function setCount(uint256 value) external { count = value; }
}`;

/** Compiles a tiny counter contract (with a custom error) for the transaction-sender tests. */
export function compileCounter(): { abi: Abi; bytecode: Hex } {
  const input = {
    language: 'Solidity',
    sources: { 'Counter.sol': { content: SOURCE } },
    settings: { outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (output.errors ?? []).filter((e: { severity: string }) => e.severity === 'error');
  if (errors.length > 0) throw new Error(JSON.stringify(errors));
  const contract = output.contracts['Counter.sol'].Counter;
  return { abi: contract.abi as Abi, bytecode: `0x${contract.evm.bytecode.object}` as Hex };
}
