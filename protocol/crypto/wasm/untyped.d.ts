// Narrow ambient declarations for the WebAssembly builders used by the verification kernel.
declare module 'wasmbuilder' {
  // biome-ignore lint/suspicious/noExplicitAny: the builder's code DSL is untyped JavaScript.
  export const ModuleBuilder: any;
}
declare module 'wasmcurves' {
  // biome-ignore lint/suspicious/noExplicitAny: untyped JavaScript.
  export const buildF1m: any;
}
