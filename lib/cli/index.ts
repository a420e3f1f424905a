/** The command-line kit: program, error path and typed argument parsers (see program.ts). */
export { Command, InvalidArgumentError, Option } from '@commander-js/extra-typings';
export { type CliIo, createProgram, EXIT, formatError, processIo, runCli, UsageError } from './program.ts';
export {
  floatArg,
  intArg,
  oneOf,
  parseAddressArg,
  parseBigIntArg,
  parseHttpUrlArg,
  parseNonNegativeInt,
  parsePort,
  parsePositiveInt,
  parsePrivateKeyArg,
} from './parsers.ts';
