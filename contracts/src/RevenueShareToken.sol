// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ITypeAndVersion} from "@chainlink/contracts/src/v0.8/shared/interfaces/ITypeAndVersion.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {IAttestationRegistry} from "./interfaces/IAttestationRegistry.sol";
import {IFundsDistributionToken} from "./interfaces/IFundsDistributionToken.sol";
import {IRevenueShareToken} from "./interfaces/IRevenueShareToken.sol";

/// @title Revenue-share token
/// @notice See {IRevenueShareToken}.
/// @dev Rounding dust: pointsPerShare grows by floor(deposit * 2^128 / totalSupply) and each holder's accrued
/// funds are floor((pointsPerShare * balance + correction) / 2^128). Holders therefore never get more than was
/// deposited; the undistributable remainder stays in this contract and is below (number of holders that ever
/// accrued + number of distributions) stablecoin units in total (under one unit per holder plus under
/// totalSupply / 2^128 units per distribution).
contract RevenueShareToken is IRevenueShareToken, ERC20, AccessControl, Pausable, ReentrancyGuard {
  using SafeERC20 for IERC20;
  using SafeCast for uint256;
  using SafeCast for int256;

  /// @inheritdoc IRevenueShareToken
  bytes32 public constant AGENT_ROLE = keccak256("AGENT_ROLE");
  /// @inheritdoc IRevenueShareToken
  bytes32 public constant DISTRIBUTOR_ROLE = keccak256("DISTRIBUTOR_ROLE");
  /// @inheritdoc IRevenueShareToken
  bytes32 public constant GOVERNANCE_ROLE = keccak256("GOVERNANCE_ROLE");
  uint256 private constant POINTS_MULTIPLIER = 2 ** 128;
  uint256 private constant BPS_TIMES_RATE_ONE = 10_000 * 1e18;

  /// @dev The conversion mode and the feed, packed in one slot (read together at distribution).
  struct FxState {
    ConversionMode mode;
    AggregatorV3Interface feed;
    uint32 maxAgeS;
    uint8 feedDecimals;
  }

  IAttestationRegistry private immutable i_attestations;
  IERC20 private immutable i_stablecoin;
  uint32 private immutable i_poolId;
  uint32 private immutable i_distributionGraceS;
  uint8 private immutable i_currencyDecimals;
  uint8 private immutable i_stablecoinDecimals;

  FxState private s_fx;
  uint128 private s_fxMinAnswer;
  uint128 private s_fxMaxAnswer;
  uint256 private s_conversionRateE18;
  uint256 private s_supplyCap;
  uint256 private s_pointsPerShare;
  uint256 private s_totalDepositedUnits;
  uint256 private s_totalWithdrawnUnits;
  mapping(address account => int256 correction) private s_pointsCorrection;
  mapping(address account => uint256 units) private s_withdrawnUnits;
  mapping(address account => bool verified) private s_verified;
  mapping(address account => bool frozen) private s_frozen;
  mapping(uint64 epoch => EpochDistribution distribution) private s_distributions;

  /// @param name_ ERC-20 name.
  /// @param symbol_ ERC-20 symbol.
  /// @param admin Receives DEFAULT_ADMIN_ROLE (grants agent and distributor roles).
  /// @param governance Receives GOVERNANCE_ROLE (rate, feed, supply cap): the timelock.
  /// @param attestations The attestation registry.
  /// @param poolId_ The pool whose revenue the token shares (must exist).
  /// @param stablecoin_ The stablecoin paid to holders (IERC20Metadata, for its decimals).
  /// @param issuance Conversion mode, fixed rate or feed, supply cap and grace period.
  constructor(
    string memory name_,
    string memory symbol_,
    address admin,
    address governance,
    IAttestationRegistry attestations,
    uint32 poolId_,
    IERC20 stablecoin_,
    Issuance memory issuance
  ) ERC20(name_, symbol_) {
    if (admin == address(0) || governance == address(0) || address(stablecoin_) == address(0)) revert ZeroAddress();
    // reverts with PoolNotFound for an unknown pool
    i_currencyDecimals = attestations.poolRegistry().getPool(poolId_).currencyDecimals;
    i_stablecoinDecimals = IERC20Metadata(address(stablecoin_)).decimals();
    i_attestations = attestations;
    i_stablecoin = stablecoin_;
    i_poolId = poolId_;
    i_distributionGraceS = issuance.distributionGraceS;
    if (issuance.mode == ConversionMode.FixedRate) _setConversionRate(issuance.fixedRateE18);
    else _setFxFeed(issuance.fx);
    s_supplyCap = issuance.supplyCap;
    _grantRole(DEFAULT_ADMIN_ROLE, admin);
    _setRoleAdmin(GOVERNANCE_ROLE, GOVERNANCE_ROLE);
    _grantRole(GOVERNANCE_ROLE, governance);
  }

  // ------------------------------------------------------------------ compliance (ERC-3643 subset)

  /// @inheritdoc IRevenueShareToken
  function setVerified(address account, bool verified) external onlyRole(AGENT_ROLE) {
    s_verified[account] = verified;
    emit HolderVerificationSet(account, verified, msg.sender);
  }

  /// @inheritdoc IRevenueShareToken
  function isVerified(address account) external view returns (bool) {
    return s_verified[account];
  }

  /// @inheritdoc IRevenueShareToken
  function setAddressFrozen(address account, bool freeze) external onlyRole(AGENT_ROLE) {
    s_frozen[account] = freeze;
    emit AddressFrozen(account, freeze, msg.sender);
  }

  /// @inheritdoc IRevenueShareToken
  function isFrozen(address account) external view returns (bool) {
    return s_frozen[account];
  }

  /// @inheritdoc IRevenueShareToken
  function mint(address to, uint256 amount) external onlyRole(AGENT_ROLE) {
    _requireEligibleReceiver(to);
    uint256 newSupply = totalSupply() + amount;
    if (newSupply > s_supplyCap) revert SupplyCapExceeded(s_supplyCap, newSupply);
    _mint(to, amount);
  }

  /// @inheritdoc IRevenueShareToken
  function burn(address from, uint256 amount) external onlyRole(AGENT_ROLE) {
    _burn(from, amount);
  }

  /// @inheritdoc IRevenueShareToken
  function forcedTransfer(address from, address to, uint256 amount) external onlyRole(AGENT_ROLE) returns (bool) {
    _requireEligibleReceiver(to);
    _transfer(from, to, amount);
    emit ForcedTransfer(from, to, amount, msg.sender);
    return true;
  }

  /// @inheritdoc IRevenueShareToken
  function recoveryAddress(address lostWallet, address newWallet) external onlyRole(AGENT_ROLE) returns (bool) {
    _requireEligibleReceiver(newWallet);
    uint256 fundsMoved = withdrawableFundsOf(lostWallet);
    // moving fundsMoved * 2^128 points between corrections moves exactly fundsMoved of accrued funds
    int256 movedPoints = (fundsMoved * POINTS_MULTIPLIER).toInt256();
    s_pointsCorrection[lostWallet] -= movedPoints;
    s_pointsCorrection[newWallet] += movedPoints;
    uint256 amount = balanceOf(lostWallet);
    _transfer(lostWallet, newWallet, amount);
    emit RecoverySuccess(lostWallet, newWallet, amount, fundsMoved);
    return true;
  }

  /// @inheritdoc IRevenueShareToken
  function pause() external onlyRole(AGENT_ROLE) {
    _pause();
  }

  /// @inheritdoc IRevenueShareToken
  function unpause() external onlyRole(AGENT_ROLE) {
    _unpause();
  }

  /// @notice ERC-20 transfer, allowed only between verified, unfrozen holders while not paused.
  function transfer(address to, uint256 value) public override returns (bool) {
    _requireTransferAllowed(msg.sender, to);
    return super.transfer(to, value);
  }

  /// @notice ERC-20 transferFrom, allowed only between verified, unfrozen holders while not paused.
  function transferFrom(address from, address to, uint256 value) public override returns (bool) {
    _requireTransferAllowed(from, to);
    return super.transferFrom(from, to, value);
  }

  // ------------------------------------------------------------------ distribution (ERC-2222)

  /// @inheritdoc IRevenueShareToken
  function distribute(uint64 epoch) external onlyRole(DISTRIBUTOR_ROLE) nonReentrant {
    EpochDistribution storage record = s_distributions[epoch];
    if (record.distributedAt != 0) revert EpochAlreadyDistributed(epoch);
    // a recorded epoch keeps the amount fixed when it was recorded; otherwise it is fixed now
    if (record.recordedAt == 0) _fixRequired(record, _finalisedRound(epoch).revenueMinor);
    uint256 requiredUnits = record.requiredUnits;
    if (requiredUnits > 0 && totalSupply() == 0) revert NoTokenHolders();

    record.distributedAt = uint64(block.timestamp);
    uint256 depositedUnits = _pullAndDistribute(requiredUnits);
    record.depositedUnits = depositedUnits;
    emit EpochDistributed(epoch, record.revenueMinor, requiredUnits, depositedUnits, requiredUnits - depositedUnits);
  }

  /// @inheritdoc IRevenueShareToken
  function recordUndistributed(uint64 epoch) external {
    EpochDistribution storage record = s_distributions[epoch];
    if (record.distributedAt != 0) revert EpochAlreadyDistributed(epoch);
    if (record.recordedAt != 0) revert EpochAlreadyRecorded(epoch);
    IAttestationRegistry.Round memory round = _finalisedRound(epoch);
    uint256 dueAt = uint256(round.updatedAt) + i_distributionGraceS;
    if (block.timestamp < dueAt) revert GracePeriodNotOver(epoch, dueAt, block.timestamp);
    _fixRequired(record, round.revenueMinor);
    record.recordedAt = uint64(block.timestamp);
    emit UndistributedRecorded(
      epoch, round.revenueMinor, record.stablecoinPerMinorE18, record.requiredUnits, msg.sender
    );
  }

  /// @inheritdoc IRevenueShareToken
  function payShortfall(uint64 epoch, uint256 maxUnits) external onlyRole(DISTRIBUTOR_ROLE) nonReentrant {
    EpochDistribution storage record = s_distributions[epoch];
    if (record.distributedAt == 0) revert EpochNotDistributed(epoch);
    uint256 shortfallUnits = record.requiredUnits - record.depositedUnits;
    if (shortfallUnits == 0) revert NoShortfall(epoch);
    if (totalSupply() == 0) revert NoTokenHolders();
    uint256 paidUnits = _pullAndDistribute(Math.min(shortfallUnits, maxUnits));
    record.depositedUnits += paidUnits;
    emit ShortfallPaid(epoch, paidUnits, shortfallUnits - paidUnits);
  }

  /// @inheritdoc IFundsDistributionToken
  function withdrawFunds() external whenNotPaused nonReentrant {
    if (s_frozen[msg.sender]) revert AccountFrozen(msg.sender);
    uint256 units = withdrawableFundsOf(msg.sender);
    if (units == 0) revert NothingToWithdraw(msg.sender);
    s_withdrawnUnits[msg.sender] += units;
    s_totalWithdrawnUnits += units;
    emit FundsWithdrawn(msg.sender, units);
    i_stablecoin.safeTransfer(msg.sender, units);
  }

  /// @inheritdoc IRevenueShareToken
  function setConversionRate(uint256 stablecoinPerMinorE18) external onlyRole(GOVERNANCE_ROLE) {
    _setConversionRate(stablecoinPerMinorE18);
  }

  /// @inheritdoc IRevenueShareToken
  function setFxFeed(FxFeedConfig calldata fx) external onlyRole(GOVERNANCE_ROLE) {
    _setFxFeed(fx);
  }

  /// @inheritdoc IRevenueShareToken
  function setSupplyCap(uint256 newSupplyCap) external onlyRole(GOVERNANCE_ROLE) {
    if (newSupplyCap < totalSupply()) revert SupplyCapBelowSupply(newSupplyCap, totalSupply());
    uint256 oldSupplyCap = s_supplyCap;
    s_supplyCap = newSupplyCap;
    emit SupplyCapSet(oldSupplyCap, newSupplyCap);
  }

  /// @inheritdoc IFundsDistributionToken
  function withdrawableFundsOf(address owner) public view returns (uint256) {
    return accumulativeFundsOf(owner) - s_withdrawnUnits[owner];
  }

  /// @inheritdoc IFundsDistributionToken
  function withdrawnFundsOf(address owner) external view returns (uint256) {
    return s_withdrawnUnits[owner];
  }

  /// @inheritdoc IFundsDistributionToken
  function accumulativeFundsOf(address owner) public view returns (uint256) {
    int256 points = (s_pointsPerShare * balanceOf(owner)).toInt256() + s_pointsCorrection[owner];
    // points = sum over distributions of (pointsPerShare increase * balance held then) >= 0
    return points.toUint256() / POINTS_MULTIPLIER;
  }

  /// @inheritdoc IRevenueShareToken
  function epochDistribution(uint64 epoch) external view returns (EpochDistribution memory) {
    return s_distributions[epoch];
  }

  /// @inheritdoc IRevenueShareToken
  function shortfallOf(uint64 epoch) external view returns (uint256) {
    EpochDistribution storage record = s_distributions[epoch];
    return record.requiredUnits - record.depositedUnits;
  }

  /// @inheritdoc IRevenueShareToken
  function totalDepositedUnits() external view returns (uint256) {
    return s_totalDepositedUnits;
  }

  /// @inheritdoc IRevenueShareToken
  function totalWithdrawnUnits() external view returns (uint256) {
    return s_totalWithdrawnUnits;
  }

  /// @inheritdoc IRevenueShareToken
  function conversionRateE18() external view returns (uint256) {
    return _currentRateE18();
  }

  /// @inheritdoc IRevenueShareToken
  function conversionMode() external view returns (ConversionMode) {
    return s_fx.mode;
  }

  /// @inheritdoc IRevenueShareToken
  function fxFeed() external view returns (FxFeedConfig memory) {
    FxState memory fx = s_fx;
    return FxFeedConfig({feed: fx.feed, maxAgeS: fx.maxAgeS, minAnswer: s_fxMinAnswer, maxAnswer: s_fxMaxAnswer});
  }

  /// @inheritdoc IRevenueShareToken
  function supplyCap() external view returns (uint256) {
    return s_supplyCap;
  }

  /// @inheritdoc IRevenueShareToken
  function distributionGraceS() external view returns (uint32) {
    return i_distributionGraceS;
  }

  /// @inheritdoc IRevenueShareToken
  function poolId() external view returns (uint32) {
    return i_poolId;
  }

  /// @inheritdoc IRevenueShareToken
  function stablecoin() external view returns (IERC20) {
    return i_stablecoin;
  }

  /// @inheritdoc IRevenueShareToken
  function attestationRegistry() external view returns (IAttestationRegistry) {
    return i_attestations;
  }

  /// @inheritdoc ITypeAndVersion
  function typeAndVersion() external pure returns (string memory) {
    return "RevenueShareToken 2.0.0";
  }

  // ------------------------------------------------------------------ internals

  function _setConversionRate(uint256 stablecoinPerMinorE18) private {
    if (stablecoinPerMinorE18 == 0) revert ConversionRateZero();
    uint256 oldRate = s_conversionRateE18;
    s_conversionRateE18 = stablecoinPerMinorE18;
    s_fx.mode = ConversionMode.FixedRate;
    emit ConversionRateSet(oldRate, stablecoinPerMinorE18);
  }

  function _setFxFeed(FxFeedConfig memory fx) private {
    if (address(fx.feed).code.length == 0) revert FxFeedNotContract(address(fx.feed));
    if (fx.maxAgeS == 0) revert FxMaxAgeZero();
    if (fx.minAnswer == 0 || fx.minAnswer > fx.maxAnswer) revert FxBoundsInvalid(fx.minAnswer, fx.maxAnswer);
    s_fx = FxState({mode: ConversionMode.FxFeed, feed: fx.feed, maxAgeS: fx.maxAgeS, feedDecimals: fx.feed.decimals()});
    s_fxMinAnswer = fx.minAnswer;
    s_fxMaxAnswer = fx.maxAnswer;
    emit FxFeedSet(address(fx.feed), fx.maxAgeS, fx.minAnswer, fx.maxAnswer);
  }

  /// @dev The fixed rate, or the feed's answer checked (positive, fresh, within bounds) and converted:
  /// answer * 10^(18 + stablecoin decimals) / 10^(feed decimals + currency decimals), rounded down.
  function _currentRateE18() private view returns (uint256) {
    FxState memory fx = s_fx;
    if (fx.mode == ConversionMode.FixedRate) return s_conversionRateE18;
    (, int256 answer,, uint256 updatedAt,) = fx.feed.latestRoundData();
    if (answer <= 0) revert FxAnswerNotPositive(answer);
    if (updatedAt > block.timestamp || block.timestamp - updatedAt > fx.maxAgeS) {
      revert FxAnswerStale(updatedAt, fx.maxAgeS, block.timestamp);
    }
    uint128 minAnswer = s_fxMinAnswer;
    uint128 maxAnswer = s_fxMaxAnswer;
    if (uint256(answer) < minAnswer || uint256(answer) > maxAnswer) {
      revert FxAnswerOutOfBounds(answer, minAnswer, maxAnswer);
    }
    return Math.mulDiv(
      uint256(answer), 10 ** (18 + uint256(i_stablecoinDecimals)), 10 ** (uint256(fx.feedDecimals) + i_currencyDecimals)
    );
  }

  /// @dev The round of a finalised epoch of the token's pool; reverts with EpochNotFinalised otherwise.
  function _finalisedRound(uint64 epoch) private view returns (IAttestationRegistry.Round memory) {
    uint64 lastFinalisedEpoch = i_attestations.lastFinalisedEpochOf(i_poolId);
    if (epoch == 0 || epoch > lastFinalisedEpoch) revert EpochNotFinalised(i_poolId, epoch, lastFinalisedEpoch);
    return i_attestations.getRound(i_poolId, epoch);
  }

  /// @dev Fixes an epoch's revenue, investor share, rate and required units in its record.
  function _fixRequired(EpochDistribution storage record, uint128 revenueMinor) private {
    uint16 investorShareBps = i_attestations.poolRegistry().getPool(i_poolId).investorShareBps;
    uint256 rate = _currentRateE18();
    record.revenueMinor = revenueMinor;
    record.investorShareBps = investorShareBps;
    record.stablecoinPerMinorE18 = rate;
    record.requiredUnits = Math.mulDiv(uint256(revenueMinor) * investorShareBps, rate, BPS_TIMES_RATE_ONE);
  }

  /// @dev Keeps accrued funds fixed across mints, burns and transfers (ERC-2222 corrections).
  function _update(address from, address to, uint256 value) internal override {
    super._update(from, to, value);
    int256 pointsMoved = (s_pointsPerShare * value).toInt256();
    if (from != address(0)) s_pointsCorrection[from] += pointsMoved;
    if (to != address(0)) s_pointsCorrection[to] -= pointsMoved;
  }

  /// @dev Pulls min(wantedUnits, allowance, balance) from the caller and distributes what actually arrived.
  /// The stablecoin transfer is the only interaction; bookkeeping that depends on the received amount follows
  /// it and reentrancy is blocked by nonReentrant.
  function _pullAndDistribute(uint256 wantedUnits) private returns (uint256 receivedUnits) {
    uint256 available = Math.min(i_stablecoin.allowance(msg.sender, address(this)), i_stablecoin.balanceOf(msg.sender));
    uint256 pullUnits = Math.min(wantedUnits, available);
    if (pullUnits == 0) return 0;
    uint256 balanceBefore = i_stablecoin.balanceOf(address(this));
    i_stablecoin.safeTransferFrom(msg.sender, address(this), pullUnits);
    receivedUnits = i_stablecoin.balanceOf(address(this)) - balanceBefore;
    s_pointsPerShare += Math.mulDiv(receivedUnits, POINTS_MULTIPLIER, totalSupply());
    s_totalDepositedUnits += receivedUnits;
    emit FundsDistributed(msg.sender, receivedUnits);
  }

  function _requireTransferAllowed(address from, address to) private view {
    _requireNotPaused();
    if (s_frozen[from]) revert AccountFrozen(from);
    if (!s_verified[from]) revert SenderNotVerified(from);
    _requireEligibleReceiver(to);
  }

  function _requireEligibleReceiver(address to) private view {
    if (s_frozen[to]) revert AccountFrozen(to);
    if (!s_verified[to]) revert ReceiverNotVerified(to);
  }
}
