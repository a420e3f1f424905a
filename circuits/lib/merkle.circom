pragma circom 2.1.6;

include "circomlib/circuits/poseidon.circom";

// Binary Poseidon Merkle tree helpers: a node is Poseidon(left, right); a leaf's index is read
// little-endian from the path bits (bit 0 = the leaf's side at the bottom level).

// Root of a full binary tree over 2^levels leaves (2^levels - 1 Poseidon(2)).
template SubtreeRoot(levels) {
    var width = 1 << levels;
    signal input leaves[width];
    signal output root;

    component hashers[width];
    signal nodes[2 * width];
    // nodes[width + i] are the leaves; nodes[k] = H(nodes[2k], nodes[2k+1]); nodes[1] is the root.
    for (var i = 0; i < width; i++) nodes[width + i] <== leaves[i];
    for (var k = width - 1; k >= 1; k--) {
        hashers[k] = Poseidon(2);
        hashers[k].inputs[0] <== nodes[2 * k];
        hashers[k].inputs[1] <== nodes[2 * k + 1];
        nodes[k] <== hashers[k].out;
    }
    root <== nodes[1];
}

// Root reached from `node` climbing `levels` levels along `pathBits` (must be bits, checked by the
// caller's Num2Bits) with `siblings`. One constraint per level for the ordering plus one Poseidon(2).
template RootFromPath(levels) {
    signal input node;
    signal input pathBits[levels];
    signal input siblings[levels];
    signal output root;

    component hashers[levels];
    signal cur[levels + 1];
    signal left[levels];
    cur[0] <== node;
    for (var i = 0; i < levels; i++) {
        // pathBits[i] = 1: the current node is the right child.
        left[i] <== cur[i] + pathBits[i] * (siblings[i] - cur[i]);
        hashers[i] = Poseidon(2);
        hashers[i].inputs[0] <== left[i];
        hashers[i].inputs[1] <== cur[i] + siblings[i] - left[i];
        cur[i + 1] <== hashers[i].out;
    }
    root <== cur[levels];
}
