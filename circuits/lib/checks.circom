pragma circom 2.1.6;

include "circomlib/circuits/bitify.circom";

// Range and order checks used by the epoch and registration circuits.
//
// circomlib's LessThan(n) is only sound when both inputs are already known to be below 2^n; every
// caller below states where that bound comes from. All checks here are "if enabled": with
// enabled = 0 the checked value is forced to 0, which always passes, so inert slots need no
// meaningful witness values.

// Asserts in < 2^n (the bit decomposition is the range check).
template RangeCheck(n) {
    signal input in;
    component bits = Num2Bits(n);
    bits.in <== in;
}

// Asserts enabled * (b - a - 1) is in [0, 2^n), i.e. a < b when enabled = 1.
// Requires a, b < 2^n (otherwise b - a - 1 could wrap to a small field element).
template AssertLessThanIfEnabled(n) {
    signal input enabled;
    signal input a;
    signal input b;
    signal gap;
    gap <== enabled * (b - a - 1);
    component bits = Num2Bits(n);
    bits.in <== gap;
}

// Asserts enabled * (b - a) is in [0, 2^n), i.e. a <= b when enabled = 1.
// Requires a, b < 2^n.
template AssertLessEqIfEnabled(n) {
    signal input enabled;
    signal input a;
    signal input b;
    signal gap;
    gap <== enabled * (b - a);
    component bits = Num2Bits(n);
    bits.in <== gap;
}

// Asserts x is a bit.
template AssertBit() {
    signal input in;
    in * (in - 1) === 0;
}

// out = sel ? whenOne : whenZero, for a bit sel (one constraint).
template Select() {
    signal input sel;
    signal input whenZero;
    signal input whenOne;
    signal output out;
    out <== whenZero + sel * (whenOne - whenZero);
}
