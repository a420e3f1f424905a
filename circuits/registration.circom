pragma circom 2.1.6;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/babyjub.circom";
include "circomlib/circuits/comparators.circom";
include "./lib/checks.circom";
include "./lib/merkle.circom";

// Registration(R, D): appends up to R freshly registered devices to a pool's state tree of depth D.
//
// Slot i (0 <= i < R) is enabled when i < newCount - oldCount (the enabled bits must be a prefix of
// ones and sum to newCount - oldCount). An enabled slot i:
//   - computes keyHash = Poseidon(Ax, Ay) and deviceCommit = Poseidon(keyHash, ratedPowerW) and
//     extends the registration chain: chain_i = Poseidon(chain_{i-1}, deviceCommit) (docs/SPEC.md 5);
//   - requires the key to be a Baby Jubjub point that is not of small order (8*A != identity):
//     circomlib's EdDSA verifier multiplies A by the cofactor 8, so with a small-order key any
//     S with R8 = S*B8 would "verify" every message, and the operator could forge readings;
//   - proves that tree position oldCount + i holds 0 in the current root and writes the fresh leaf
//     Poseidon(Ax, Ay, ratedPowerW, 0, 0, 0, 0) there (docs/SPEC.md 6).
// Disabled slots leave the root and the chain unchanged. The chain ties every new leaf to the
// on-chain registry: a key the registry never accepted cannot reach a leaf, in order and exactly once.
//
// Public inputs, in this order: poolId, oldRoot, newRoot, oldCount, newCount, oldChain, newChain.
template Registration(R, D) {
    signal input poolId;
    signal input oldRoot;
    signal input newRoot;
    signal input oldCount;
    signal input newCount;
    signal input oldChain;
    signal input newChain;

    signal input enabled[R];
    signal input Ax[R];
    signal input Ay[R];
    signal input ratedPowerW[R];
    signal input siblings[R][D];

    // poolId selects the registry's chain on-chain; bound into the proof explicitly.
    signal poolIdSquared;
    poolIdSquared <== poolId * poolId;

    // --- Counts: oldCount <= 2^D; enabled bits are a prefix of ones; newCount = oldCount + their sum.
    component oldCountBits = RangeCheck(D + 1);
    oldCountBits.in <== oldCount;
    var added = 0;
    for (var i = 0; i < R; i++) {
        enabled[i] * (enabled[i] - 1) === 0;
        // a slot can only be enabled if the previous one is
        if (i > 0) enabled[i] * (1 - enabled[i - 1]) === 0;
        added += enabled[i];
    }
    newCount === oldCount + added;

    component keyHash[R];
    component commit[R];
    component chainStep[R];
    component leaf[R];
    component ratedBits[R];
    component indexBits[R];
    component oldPath[R];
    component onCurve[R];
    component dbl[R][3];
    component eightAIsIdentity[R];
    signal keyX[R];
    signal keyY[R];
    component newPath[R];
    signal chain[R + 1];
    signal root[R + 1];
    signal gatedIndex[R];
    chain[0] <== oldChain;
    root[0] <== oldRoot;
    for (var i = 0; i < R; i++) {
        // rated power < 2^32: the epoch circuit's plausibility bound relies on it
        ratedBits[i] = RangeCheck(32);
        ratedBits[i].in <== ratedPowerW[i];

        keyHash[i] = Poseidon(2);
        keyHash[i].inputs[0] <== Ax[i];
        keyHash[i].inputs[1] <== Ay[i];
        commit[i] = Poseidon(2);
        commit[i].inputs[0] <== keyHash[i].out;
        commit[i].inputs[1] <== ratedPowerW[i];
        chainStep[i] = Poseidon(2);
        chainStep[i].inputs[0] <== chain[i];
        chainStep[i].inputs[1] <== commit[i].out;
        chain[i + 1] <== chain[i] + enabled[i] * (chainStep[i].out - chain[i]);

        // --- Key sanity for enabled slots. A disabled slot checks the identity (0, 1) instead,
        // which is on the curve; its small-order test is switched off by the enabled bit.
        keyX[i] <== enabled[i] * Ax[i];
        keyY[i] <== enabled[i] * (Ay[i] - 1) + 1;
        onCurve[i] = BabyCheck();
        onCurve[i].x <== keyX[i];
        onCurve[i].y <== keyY[i];
        // 8*A by three doublings; 8*A lies in the prime-order subgroup, where x == 0 only at the
        // identity (0, 1), so x(8*A) == 0 exactly when A has small order.
        dbl[i][0] = BabyDbl();
        dbl[i][0].x <== keyX[i];
        dbl[i][0].y <== keyY[i];
        for (var d = 1; d < 3; d++) {
            dbl[i][d] = BabyDbl();
            dbl[i][d].x <== dbl[i][d - 1].xout;
            dbl[i][d].y <== dbl[i][d - 1].yout;
        }
        eightAIsIdentity[i] = IsZero();
        eightAIsIdentity[i].in <== dbl[i][2].xout;
        enabled[i] * eightAIsIdentity[i].out === 0;

        leaf[i] = Poseidon(7);
        leaf[i].inputs[0] <== Ax[i];
        leaf[i].inputs[1] <== Ay[i];
        leaf[i].inputs[2] <== ratedPowerW[i];
        for (var k = 3; k < 7; k++) leaf[i].inputs[k] <== 0;

        // position oldCount + i, which must fit in D bits when enabled (0 when disabled)
        gatedIndex[i] <== enabled[i] * (oldCount + i);
        indexBits[i] = Num2Bits(D);
        indexBits[i].in <== gatedIndex[i];

        // the position was empty (leaf 0) under the current root ...
        oldPath[i] = RootFromPath(D);
        oldPath[i].node <== 0;
        // ... and holds the fresh leaf under the next root (same siblings)
        newPath[i] = RootFromPath(D);
        newPath[i].node <== leaf[i].out;
        for (var l = 0; l < D; l++) {
            oldPath[i].pathBits[l] <== indexBits[i].out[l];
            oldPath[i].siblings[l] <== siblings[i][l];
            newPath[i].pathBits[l] <== indexBits[i].out[l];
            newPath[i].siblings[l] <== siblings[i][l];
        }
        enabled[i] * (oldPath[i].root - root[i]) === 0;
        root[i + 1] <== root[i] + enabled[i] * (newPath[i].root - root[i]);
    }
    newRoot === root[R];
    newChain === chain[R];
}
