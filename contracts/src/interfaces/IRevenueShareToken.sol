// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ITypeAndVersion} from "@chainlink/contracts/src/v0.8/shared/interfaces/ITypeAndVersion.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IAttestationRegistry} from "./IAttestationRegistry.sol";
import {IFundsDistributionToken} from "./IFundsDistributionToken.sol";

/// @title Revenue-share security token of one pool
/// @notice ERC-20 with the compliance subset of ERC-3643 (allowlist of verified holders, frozen addresses,
/// forced transfer and wallet recovery by an agent, pause) and ERC-2222 distribution of a stablecoin.
/// An epoch is distributed once, after it is finalised: required = floor(revenueMinor * investorShareBps
/// * stablecoinPerMinorE18 / (10,000 * 1e18)) stablecoin units; whatever was deposited below that is a
/// recorded shortfall that can be paid later with payShortfall.
/// The rate comes either from a rate fixed at issuance (FixedRate) or from a Chainlink FX feed read at
/// distribution, with a staleness bound and min/max bounds (FxFeed). Rate, feed, mode and supply cap change only
/// through the governance role, held by a TimelockController (every change public for its delay before it
/// applies). An epoch finalised and not distributed within the grace period can be recorded by anyone
/// (recordUndistributed), which fixes its required amount at the current rate and shows it as shortfall.
interface IRevenueShareToken is IFundsDistributionToken, ITypeAndVersion {
  /// @notice Where the stablecoin-per-minor-unit rate comes from.
  enum ConversionMode {
    FixedRate, // a rate set at issuance, changed only by governance
    FxFeed // a Chainlink AggregatorV3Interface feed read at distribution
  }

  /// @notice An FX feed and the bounds its answers must satisfy.
  struct FxFeedConfig {
    AggregatorV3Interface feed; // answer = stablecoin currency per pool currency (major units), feed decimals
    uint32 maxAgeS; // oldest accepted answer: block.timestamp - updatedAt <= maxAgeS
    uint128 minAnswer; // smallest accepted answer (> 0), in feed units
    uint128 maxAnswer; // largest accepted answer, in feed units
  }

  /// @notice What is fixed at issuance.
  struct Issuance {
    ConversionMode mode; // the initial conversion mode
    uint256 fixedRateE18; // FixedRate: stablecoin units per pool minor unit, 18 decimals (> 0); else ignored
    FxFeedConfig fx; // FxFeed: the feed and its bounds; else ignored
    uint256 supplyCap; // the most tokens the agent may mint (raised only by governance)
    uint32 distributionGraceS; // after finalisation + this, anyone may record an undistributed epoch
  }

  /// @notice What an epoch's distribution required and received.
  struct EpochDistribution {
    uint128 revenueMinor; // the epoch's proven revenue (pool minor units)
    uint16 investorShareBps; // the pool's investor share at distribution
    uint64 distributedAt; // block timestamp of distribute(); 0 = not distributed
    uint256 stablecoinPerMinorE18; // the conversion rate used
    uint256 requiredUnits; // stablecoin units owed to holders
    uint256 depositedUnits; // stablecoin units received and distributed so far
    uint64 recordedAt; // block timestamp of recordUndistributed(); 0 = not recorded that way
  }

  /// @notice An address was added to or removed from the allowlist of verified holders.
  event HolderVerificationSet(address indexed account, bool verified, address indexed agent);
  /// @notice An address was frozen or unfrozen (ERC-3643 event).
  event AddressFrozen(address indexed userAddress, bool indexed isFrozen, address indexed owner);
  /// @notice An agent moved tokens without the holder's consent.
  event ForcedTransfer(address indexed from, address indexed to, uint256 amount, address indexed agent);
  /// @notice A lost wallet's tokens and accrued funds were moved to a new wallet (ERC-3643 name).
  event RecoverySuccess(address indexed lostWallet, address indexed newWallet, uint256 amount, uint256 fundsMoved);
  /// @notice Governance set a fixed stablecoin-per-minor-unit rate (the mode is now FixedRate).
  event ConversionRateSet(uint256 oldStablecoinPerMinorE18, uint256 newStablecoinPerMinorE18);
  /// @notice Governance set the FX feed and its bounds (the mode is now FxFeed).
  event FxFeedSet(address indexed feed, uint32 maxAgeS, uint128 minAnswer, uint128 maxAnswer);
  /// @notice Governance changed the supply cap.
  event SupplyCapSet(uint256 oldSupplyCap, uint256 newSupplyCap);
  /// @notice An epoch not distributed within the grace period was recorded: its required amount is fixed and
  /// owed in full.
  event UndistributedRecorded(
    uint64 indexed epoch, uint256 revenueMinor, uint256 stablecoinPerMinorE18, uint256 requiredUnits, address recorder
  );
  /// @notice An epoch was distributed (possibly with a shortfall).
  event EpochDistributed(
    uint64 indexed epoch, uint256 revenueMinor, uint256 requiredUnits, uint256 depositedUnits, uint256 shortfallUnits
  );
  /// @notice Part or all of an epoch's shortfall was paid.
  event ShortfallPaid(uint64 indexed epoch, uint256 paidUnits, uint256 remainingShortfallUnits);

  /// @notice The pool id is not a created pool (raised by the pool registry at deployment).
  error PoolNotFound(uint32 poolId);
  /// @notice The receiver is not on the allowlist of verified holders.
  error ReceiverNotVerified(address account);
  /// @notice The sender is not on the allowlist of verified holders.
  error SenderNotVerified(address account);
  /// @notice The address is frozen.
  error AccountFrozen(address account);
  /// @notice The epoch is not finalised for the token's pool.
  error EpochNotFinalised(uint32 poolId, uint64 epoch, uint64 lastFinalisedEpoch);
  /// @notice The epoch was already distributed.
  error EpochAlreadyDistributed(uint64 epoch);
  /// @notice The epoch was not distributed yet.
  error EpochNotDistributed(uint64 epoch);
  /// @notice The epoch has no outstanding shortfall.
  error NoShortfall(uint64 epoch);
  /// @notice Funds cannot be distributed while no token is in circulation.
  error NoTokenHolders();
  /// @notice The caller has nothing to withdraw.
  error NothingToWithdraw(address account);
  /// @notice The conversion rate is zero.
  error ConversionRateZero();
  /// @notice An address argument is zero.
  error ZeroAddress();
  /// @notice The FX feed address holds no code.
  error FxFeedNotContract(address feed);
  /// @notice The FX feed's maximum age is zero.
  error FxMaxAgeZero();
  /// @notice The FX bounds are not 0 < minAnswer <= maxAnswer.
  error FxBoundsInvalid(uint128 minAnswer, uint128 maxAnswer);
  /// @notice The feed's answer is zero or negative.
  error FxAnswerNotPositive(int256 answer);
  /// @notice The feed's answer is not within [nowTs - maxAgeS, nowTs].
  error FxAnswerStale(uint256 updatedAt, uint32 maxAgeS, uint256 nowTs);
  /// @notice The feed's answer is outside [minAnswer, maxAnswer].
  error FxAnswerOutOfBounds(int256 answer, uint128 minAnswer, uint128 maxAnswer);
  /// @notice Minting would take the supply above the cap.
  error SupplyCapExceeded(uint256 supplyCap, uint256 newSupply);
  /// @notice A new cap is below the current supply.
  error SupplyCapBelowSupply(uint256 supplyCap, uint256 totalSupply);
  /// @notice The epoch was already recorded as undistributed.
  error EpochAlreadyRecorded(uint64 epoch);
  /// @notice The epoch's grace period for distribution has not ended.
  error GracePeriodNotOver(uint64 epoch, uint256 dueAt, uint256 nowTs);

  /// @notice Adds or removes an address from the allowlist; only an agent.
  /// @param account The address.
  /// @param verified True to allow it to hold and receive tokens.
  function setVerified(address account, bool verified) external;

  /// @notice Whether an address is on the allowlist.
  /// @param account The address.
  /// @return True when verified.
  function isVerified(address account) external view returns (bool);

  /// @notice Freezes or unfreezes an address (ERC-3643); only an agent. A frozen address can neither send,
  /// receive nor withdraw funds; agents can still move its tokens out (forcedTransfer, recoveryAddress).
  /// @param account The address.
  /// @param freeze True to freeze.
  function setAddressFrozen(address account, bool freeze) external;

  /// @notice Whether an address is frozen.
  /// @param account The address.
  /// @return True when frozen.
  function isFrozen(address account) external view returns (bool);

  /// @notice Mints tokens to a verified, unfrozen address, up to the supply cap; only an agent.
  /// @param to The receiver.
  /// @param amount The amount.
  function mint(address to, uint256 amount) external;

  /// @notice Burns tokens of any address; only an agent.
  /// @param from The holder.
  /// @param amount The amount.
  function burn(address from, uint256 amount) external;

  /// @notice Moves tokens between holders without consent (ERC-3643); only an agent. The receiver must be
  /// verified and not frozen; the sender may be frozen or unverified. Works while paused.
  /// @param from The holder.
  /// @param to The receiver.
  /// @param amount The amount.
  /// @return True on success.
  function forcedTransfer(address from, address to, uint256 amount) external returns (bool);

  /// @notice Moves a lost wallet's whole balance and its withdrawable funds to a new, verified, unfrozen
  /// wallet; only an agent.
  /// @param lostWallet The lost wallet.
  /// @param newWallet The new wallet.
  /// @return True on success.
  function recoveryAddress(address lostWallet, address newWallet) external returns (bool);

  /// @notice Pauses holder transfers and withdrawals; only an agent.
  function pause() external;

  /// @notice Unpauses; only an agent.
  function unpause() external;

  /// @notice Distributes a finalised epoch of the token's pool, once; only a distributor. Pulls
  /// min(required, allowance, balance) of the caller's stablecoin and records any shortfall. The required amount
  /// is computed at the current rate, or is the one fixed by recordUndistributed when the epoch was recorded.
  /// @param epoch The epoch.
  function distribute(uint64 epoch) external;

  /// @notice Records a finalised epoch that was not distributed within `distributionGraceS` of its
  /// finalisation; anyone. Fixes the required amount at the current rate; all of it is shortfall until paid.
  /// @param epoch The epoch.
  function recordUndistributed(uint64 epoch) external;

  /// @notice Pays up to `maxUnits` of an epoch's outstanding shortfall from the caller; only a distributor.
  /// @param epoch The epoch.
  /// @param maxUnits The most stablecoin units to pull.
  function payShortfall(uint64 epoch, uint256 maxUnits) external;

  /// @notice Sets a fixed rate of stablecoin units per pool minor unit, 18-decimal fixed point, and the mode to
  /// FixedRate; only governance (the timelock). Example: pool in CNY fen (2 decimals), stablecoin with 6
  /// decimals, 1 CNY = 0.14 stablecoin: 1 fen = 0.0014 stablecoin = 1,400 units, so the rate is 1,400e18.
  /// @param stablecoinPerMinorE18 The new rate (> 0).
  function setConversionRate(uint256 stablecoinPerMinorE18) external;

  /// @notice Sets the FX feed and its bounds and the mode to FxFeed; only governance (the timelock).
  /// rate = answer * 10^(18 + stablecoin decimals) / 10^(feed decimals + currency decimals), rounded down.
  /// @param fx The feed, maximum age and answer bounds.
  function setFxFeed(FxFeedConfig calldata fx) external;

  /// @notice Sets the supply cap (>= current supply); only governance (the timelock).
  /// @param newSupplyCap The new cap.
  function setSupplyCap(uint256 newSupplyCap) external;

  /// @notice The distribution record of an epoch.
  /// @param epoch The epoch.
  /// @return The record (distributedAt = 0 when not distributed).
  function epochDistribution(uint64 epoch) external view returns (EpochDistribution memory);

  /// @notice The outstanding shortfall of an epoch: required - deposited.
  /// @param epoch The epoch.
  /// @return Stablecoin units.
  function shortfallOf(uint64 epoch) external view returns (uint256);

  /// @notice Stablecoin units received for distribution, all epochs.
  /// @return The total.
  function totalDepositedUnits() external view returns (uint256);

  /// @notice Stablecoin units paid out by withdrawFunds, all holders.
  /// @return The total.
  function totalWithdrawnUnits() external view returns (uint256);

  /// @notice The rate a distribution would use now (stablecoin units per pool minor unit, 18 decimals): the
  /// fixed rate, or the checked feed answer converted (reverting like distribute on a bad answer).
  /// @return The rate.
  function conversionRateE18() external view returns (uint256);

  /// @notice The current conversion mode.
  /// @return The mode.
  function conversionMode() external view returns (ConversionMode);

  /// @notice The FX feed and its bounds (meaningful in FxFeed mode).
  /// @return The configuration.
  function fxFeed() external view returns (FxFeedConfig memory);

  /// @notice The most tokens that may be in circulation.
  /// @return The cap.
  function supplyCap() external view returns (uint256);

  /// @notice Seconds after an epoch's finalisation from which anyone may record it as undistributed.
  /// @return The grace period.
  function distributionGraceS() external view returns (uint32);

  /// @notice The governance role (the timelock): rate, feed, mode and supply cap. Its own admin, so the token
  /// admin cannot grant it.
  /// @return The role id.
  function GOVERNANCE_ROLE() external view returns (bytes32);

  /// @notice The pool whose revenue this token shares.
  /// @return The pool id.
  function poolId() external view returns (uint32);

  /// @notice The stablecoin paid to holders.
  /// @return The token.
  function stablecoin() external view returns (IERC20);

  /// @notice The attestation registry of finalised epochs.
  /// @return The registry.
  function attestationRegistry() external view returns (IAttestationRegistry);

  /// @notice The agent role (ERC-3643 agent: compliance, mint, burn, forced transfer, pause).
  /// @return The role id.
  function AGENT_ROLE() external view returns (bytes32);

  /// @notice The distributor role (deposits stablecoin for epochs).
  /// @return The role id.
  function DISTRIBUTOR_ROLE() external view returns (bytes32);
}
