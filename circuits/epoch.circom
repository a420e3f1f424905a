pragma circom 2.1.6;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/eddsaposeidon.circom";
include "./lib/checks.circom";
include "./lib/merkle.circom";

// big-endian integer of the ASCII bytes of "rwa-iot/reading" (docs/SPEC.md section 2)
function READING_DOMAIN_TAG() { return 594343147801857761014554651181805159; }

function log2Exact(n) {
    var r = 0;
    while ((1 << r) < n) r++;
    assert((1 << r) == n);
    return r;
}

// EpochSlot: one device slot of an epoch batch.
//
// Given the slot's old leaf value and, when `enabled`, the leaf preimage and the device's signed
// closing reading, it checks every transition rule of docs/SPEC.md section 6 and outputs the new leaf
// value and the counted energy/revenue deltas. With enabled = 0 the slot is inert: newLeaf = oldLeaf,
// both deltas are 0 and every rule check is switched off (each check multiplies by `enabled`).
//
// Bounds relied on (all enforced here or by the batch template):
//   kind < 2^8, seq, ts < 2^32, energyWh, revenueMinor < 2^48 (bit decompositions below);
//   poolId < 2^32, epochStart, epochEnd < 2^40, maxTariff < 2^32 (batch template);
//   leaf fields (lastSeq, lastTs < 2^32, lastEnergyWh, lastRevenueMinor < 2^48, ratedPowerW < 2^32):
//   by induction, since a leaf is only ever written by the registration circuit (zeros and a
//   range-checked rated power) or by this template (range-checked reading fields).
template EpochSlot() {
    // batch-wide values (public inputs of the batch)
    signal input poolId;
    signal input epochStart;
    signal input epochEnd;
    signal input maxTariffMinorPerKwh;

    signal input enabled;
    signal input oldLeaf;

    // leaf preimage (docs/SPEC.md section 6)
    signal input Ax;
    signal input Ay;
    signal input ratedPowerW;
    signal input lastSeq;
    signal input lastTs;
    signal input lastEnergyWh;
    signal input lastRevenueMinor;

    // closing reading (docs/SPEC.md section 2); v = 1 is fixed in the header
    signal input deviceIdField;
    signal input kind;
    signal input seq;
    signal input ts;
    signal input energyWh;
    signal input revenueMinor;
    signal input extras;          // powerW + aux * 2^32: signed, not used by any rule
    signal input R8x;
    signal input R8y;
    signal input S;

    signal output newLeaf;
    signal output countedEnergyWh;
    signal output countedRevenueMinor;

    enabled * (enabled - 1) === 0;

    // --- Range checks of the reading fields: they make the packing below injective, so the values
    // checked by the rules are exactly the values the device signed.
    component kindBits = RangeCheck(8);
    kindBits.in <== kind;
    component seqBits = RangeCheck(32);
    seqBits.in <== seq;
    component tsBits = RangeCheck(32);
    tsBits.in <== ts;
    component energyBits = RangeCheck(48);
    energyBits.in <== energyWh;
    component revenueBits = RangeCheck(48);
    revenueBits.in <== revenueMinor;

    // --- Message hash: m = Poseidon(DOMAIN_TAG, deviceIdField, header, registers, extras).
    // The pool id in the header is the public poolId: a reading signed for another pool cannot count.
    component message = Poseidon(5);
    message.inputs[0] <== READING_DOMAIN_TAG();
    message.inputs[1] <== deviceIdField;
    message.inputs[2] <== 1 + kind * (1 << 8) + poolId * (1 << 16) + seq * (1 << 48) + ts * (1 << 80);
    message.inputs[3] <== energyWh + revenueMinor * (1 << 48);
    message.inputs[4] <== extras;

    // --- Signature by the key stored in the leaf (rule 1).
    component signature = EdDSAPoseidonVerifier();
    signature.enabled <== enabled;
    signature.Ax <== Ax;
    signature.Ay <== Ay;
    signature.S <== S;
    signature.R8x <== R8x;
    signature.R8y <== R8y;
    signature.M <== message.out;

    // --- The preimage is the leaf actually stored in the old tree. An empty slot (leaf 0) has no
    // preimage, so it can never be enabled.
    component oldLeafHash = Poseidon(7);
    oldLeafHash.inputs[0] <== Ax;
    oldLeafHash.inputs[1] <== Ay;
    oldLeafHash.inputs[2] <== ratedPowerW;
    oldLeafHash.inputs[3] <== lastSeq;
    oldLeafHash.inputs[4] <== lastTs;
    oldLeafHash.inputs[5] <== lastEnergyWh;
    oldLeafHash.inputs[6] <== lastRevenueMinor;
    enabled * (oldLeafHash.out - oldLeaf) === 0;

    // --- Order rules (rule 2): seq > lastSeq; lastTs < epochStart <= ts < epochEnd.
    // lastTs < epochStart also means a slot can be updated at most once per epoch.
    component seqIncreases = AssertLessThanIfEnabled(32);
    seqIncreases.enabled <== enabled;
    seqIncreases.a <== lastSeq;
    seqIncreases.b <== seq;
    component lastTsBeforeEpoch = AssertLessThanIfEnabled(40);
    lastTsBeforeEpoch.enabled <== enabled;
    lastTsBeforeEpoch.a <== lastTs;
    lastTsBeforeEpoch.b <== epochStart;
    component tsFromEpochStart = AssertLessEqIfEnabled(40);
    tsFromEpochStart.enabled <== enabled;
    tsFromEpochStart.a <== epochStart;
    tsFromEpochStart.b <== ts;
    component tsBeforeEpochEnd = AssertLessThanIfEnabled(40);
    tsBeforeEpochEnd.enabled <== enabled;
    tsBeforeEpochEnd.a <== ts;
    tsBeforeEpochEnd.b <== epochEnd;

    // --- Baseline: lastSeq == 0 means the device never reported; its registers become the baseline
    // and nothing is counted. `counting` = enabled and not a baseline.
    component isBaseline = IsZero();
    isBaseline.in <== lastSeq;
    signal counting;
    counting <== enabled * (1 - isBaseline.out);

    // --- Registers never decrease and deltas are < 2^48 (rule 3). The counted delta is 0 unless
    // counting; its 48-bit decomposition rejects a decrease (it would be a field element near p).
    countedEnergyWh <== counting * (energyWh - lastEnergyWh);
    component energyDeltaBits = RangeCheck(48);
    energyDeltaBits.in <== countedEnergyWh;
    countedRevenueMinor <== counting * (revenueMinor - lastRevenueMinor);
    component revenueDeltaBits = RangeCheck(48);
    revenueDeltaBits.in <== countedRevenueMinor;

    // --- Physical plausibility (rule 4): dE * 3600 <= ratedPowerW * (ts - lastTs).
    // ratedPowerW < 2^32 and 0 < ts - lastTs < 2^32, so the cap is < 2^64; dE * 3600 < 2^60.
    // The slack is in [0, 2^64) when the rule holds and near p when it fails.
    signal energyCapWh3600;
    energyCapWh3600 <== ratedPowerW * (ts - lastTs);
    signal energySlack;
    energySlack <== counting * energyCapWh3600 - countedEnergyWh * 3600;
    component energySlackBits = RangeCheck(66);
    energySlackBits.in <== energySlack;

    // --- Price plausibility (rule 4): dR * 1000 <= dE * maxTariffMinorPerKwh.
    // dE < 2^48 and maxTariff < 2^32, so the cap is < 2^80; dR * 1000 < 2^58.
    signal revenueCap1000;
    revenueCap1000 <== countedEnergyWh * maxTariffMinorPerKwh;
    component revenueSlackBits = RangeCheck(82);
    revenueSlackBits.in <== revenueCap1000 - countedRevenueMinor * 1000;

    // --- New leaf (rule 5): the reading's seq, ts and registers replace the leaf's (also for a baseline).
    component newLeafHash = Poseidon(7);
    newLeafHash.inputs[0] <== Ax;
    newLeafHash.inputs[1] <== Ay;
    newLeafHash.inputs[2] <== ratedPowerW;
    newLeafHash.inputs[3] <== seq;
    newLeafHash.inputs[4] <== ts;
    newLeafHash.inputs[5] <== energyWh;
    newLeafHash.inputs[6] <== revenueMinor;
    newLeaf <== oldLeaf + enabled * (newLeafHash.out - oldLeaf);
}

// EpochBatch(B, D): the epoch transition of one aligned block of B = 2^b consecutive slots
// [blockIndex * B, (blockIndex + 1) * B) of a pool's state tree of depth D.
//
// The block's old leaves hash to a subtree root which, with the block's path (private blockIndex
// bits and D - b siblings), must give oldRoot; the new leaves with the SAME path give newRoot. Each
// slot is an EpochSlot; disabled slots keep their leaf. The public totals are exactly the sums of the
// counted deltas and the number of enabled slots.
//
// blockIndex stays private: proving the same block twice in one epoch cannot count anything twice,
// because an updated slot has lastTs >= epochStart and can no longer be enabled in that epoch.
//
// Public inputs, in this order (docs/SPEC.md section 6):
//   poolId, epoch, epochStart, epochEnd, maxTariffMinorPerKwh, oldRoot, newRoot,
//   totalEnergyWh, totalRevenueMinor, reportingCount
template EpochBatch(B, D) {
    var b = log2Exact(B);
    assert(b <= D);
    var pathLevels = D - b;

    signal input poolId;
    signal input epoch;
    signal input epochStart;
    signal input epochEnd;
    signal input maxTariffMinorPerKwh;
    signal input oldRoot;
    signal input newRoot;
    signal input totalEnergyWh;
    signal input totalRevenueMinor;
    signal input reportingCount;

    signal input blockIndex;
    signal input siblings[pathLevels];

    signal input enabled[B];
    signal input oldLeaf[B];
    signal input Ax[B];
    signal input Ay[B];
    signal input ratedPowerW[B];
    signal input lastSeq[B];
    signal input lastTs[B];
    signal input lastEnergyWh[B];
    signal input lastRevenueMinor[B];
    signal input deviceIdField[B];
    signal input kind[B];
    signal input seq[B];
    signal input ts[B];
    signal input energyWh[B];
    signal input revenueMinor[B];
    signal input extras[B];
    signal input R8x[B];
    signal input R8y[B];
    signal input S[B];

    // --- Bounds of the public parameters that the slot comparisons rely on.
    component poolIdBits = RangeCheck(32);    // also keeps the packed header injective
    poolIdBits.in <== poolId;
    component epochStartBits = RangeCheck(40);
    epochStartBits.in <== epochStart;
    component epochEndBits = RangeCheck(40);
    epochEndBits.in <== epochEnd;
    component tariffBits = RangeCheck(32);
    tariffBits.in <== maxTariffMinorPerKwh;
    // `epoch` is checked by the contract against epochStart/epochEnd; this constraint only binds it
    // into the proof explicitly.
    signal epochSquared;
    epochSquared <== epoch * epoch;

    // --- Slots.
    component slots[B];
    var sumEnergy = 0;
    var sumRevenue = 0;
    var sumEnabled = 0;
    for (var i = 0; i < B; i++) {
        slots[i] = EpochSlot();
        slots[i].poolId <== poolId;
        slots[i].epochStart <== epochStart;
        slots[i].epochEnd <== epochEnd;
        slots[i].maxTariffMinorPerKwh <== maxTariffMinorPerKwh;
        slots[i].enabled <== enabled[i];
        slots[i].oldLeaf <== oldLeaf[i];
        slots[i].Ax <== Ax[i];
        slots[i].Ay <== Ay[i];
        slots[i].ratedPowerW <== ratedPowerW[i];
        slots[i].lastSeq <== lastSeq[i];
        slots[i].lastTs <== lastTs[i];
        slots[i].lastEnergyWh <== lastEnergyWh[i];
        slots[i].lastRevenueMinor <== lastRevenueMinor[i];
        slots[i].deviceIdField <== deviceIdField[i];
        slots[i].kind <== kind[i];
        slots[i].seq <== seq[i];
        slots[i].ts <== ts[i];
        slots[i].energyWh <== energyWh[i];
        slots[i].revenueMinor <== revenueMinor[i];
        slots[i].extras <== extras[i];
        slots[i].R8x <== R8x[i];
        slots[i].R8y <== R8y[i];
        slots[i].S <== S[i];
        sumEnergy += slots[i].countedEnergyWh;
        sumRevenue += slots[i].countedRevenueMinor;
        sumEnabled += enabled[i];
    }

    // --- Totals (rule 6). Each counted delta is < 2^48 and B < 2^16, so the sums are < 2^64 and
    // cannot wrap; the public totals are range-checked as well so that no other field element can
    // stand for them.
    totalEnergyWh === sumEnergy;
    totalRevenueMinor === sumRevenue;
    reportingCount === sumEnabled;
    component totalEnergyBits = RangeCheck(64);
    totalEnergyBits.in <== totalEnergyWh;
    component totalRevenueBits = RangeCheck(64);
    totalRevenueBits.in <== totalRevenueMinor;

    // --- Old and new roots over the same block position (rule 5 and membership of rule 1).
    component oldBlock = SubtreeRoot(b);
    component newBlock = SubtreeRoot(b);
    for (var i = 0; i < B; i++) {
        oldBlock.leaves[i] <== oldLeaf[i];
        newBlock.leaves[i] <== slots[i].newLeaf;
    }
    component blockBits = Num2Bits(pathLevels);
    blockBits.in <== blockIndex;
    component oldPath = RootFromPath(pathLevels);
    component newPath = RootFromPath(pathLevels);
    oldPath.node <== oldBlock.root;
    newPath.node <== newBlock.root;
    for (var l = 0; l < pathLevels; l++) {
        oldPath.pathBits[l] <== blockBits.out[l];
        oldPath.siblings[l] <== siblings[l];
        newPath.pathBits[l] <== blockBits.out[l];
        newPath.siblings[l] <== siblings[l];
    }
    oldRoot === oldPath.root;
    newRoot === newPath.root;
}
