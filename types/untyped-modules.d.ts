// Minimal ambient declarations for packages that ship no TypeScript types.
// Each folder may add narrower declarations of its own next to the code that uses them.
declare module 'circomlibjs';
declare module 'snarkjs';
declare module 'ffjavascript';
declare module 'circom2';
declare module 'solc';
