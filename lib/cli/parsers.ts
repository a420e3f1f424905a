/**
 * Typed argument parsers for commander options: each turns the text of a flag into a value or throws
 * commander's `InvalidArgumentError` with what is expected, which the kit reports as a usage error (exit 2).
 *
 * @example
 * program.option('--port <n>', 'HTTP port', parsePort).option('--devices <n>', 'fleet size', intArg({ min: 1 }));
 */
import { InvalidArgumentError } from '@commander-js/extra-typings';

/** A parser for an integer option within [min, max] (safe integers only). */
export function intArg(bounds: { min?: number; max?: number } = {}): (text: string) => number {
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = bounds;
  return (text) => {
    const trimmed = text.trim().replaceAll('_', '');
    if (!/^-?\d+$/.test(trimmed)) throw new InvalidArgumentError(`expected an integer, got "${text}".`);
    const value = Number(trimmed);
    if (!Number.isSafeInteger(value) || value < min || value > max)
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}, got ${text}.`);
    return value;
  };
}

/** A non-negative integer option. */
export const parseNonNegativeInt = intArg({ min: 0 });
/** A positive integer option. */
export const parsePositiveInt = intArg({ min: 1 });
/** A TCP port (0 picks a free one). */
export const parsePort = intArg({ min: 0, max: 65_535 });

/** A non-negative integer of any size (money in minor units, energy in Wh). */
export function parseBigIntArg(text: string): bigint {
  const trimmed = text.trim().replaceAll('_', '');
  if (!/^\d+$/.test(trimmed)) throw new InvalidArgumentError(`expected a non-negative integer, got "${text}".`);
  return BigInt(trimmed);
}

/** A 0x-prefixed 20-byte address. */
export function parseAddressArg(text: string): `0x${string}` {
  if (!/^0x[0-9a-fA-F]{40}$/.test(text)) throw new InvalidArgumentError(`expected a 0x-prefixed 20-byte address, got "${text}".`);
  return text as `0x${string}`;
}

/** A 0x-prefixed 32-byte private key. */
export function parsePrivateKeyArg(text: string): `0x${string}` {
  if (!/^0x[0-9a-fA-F]{64}$/.test(text)) throw new InvalidArgumentError('expected a 0x-prefixed 32-byte hex private key.');
  return text as `0x${string}`;
}

/** An http(s) URL. */
export function parseHttpUrlArg(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidArgumentError(`expected a URL such as http://127.0.0.1:8545, got "${text}".`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InvalidArgumentError(`expected an http:// or https:// URL, got "${text}".`);
  return text;
}

/** One of the given choices (prefer commander's `.choices()` on an `Option` when it fits). */
export function oneOf<T extends string>(choices: readonly T[]): (text: string) => T {
  return (text) => {
    if (!(choices as readonly string[]).includes(text))
      throw new InvalidArgumentError(`expected one of ${choices.join(', ')}, got "${text}".`);
    return text as T;
  };
}

/** A parser for a decimal number option within [min, max] (rates, speeds; never money or energy). */
export function floatArg(bounds: { min?: number; max?: number } = {}): (text: string) => number {
  const { min = -Number.MAX_VALUE, max = Number.MAX_VALUE } = bounds;
  return (text) => {
    const trimmed = text.trim().replaceAll('_', '');
    if (!/^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(trimmed))
      throw new InvalidArgumentError(`expected a number, got "${text}".`);
    const value = Number.parseFloat(trimmed);
    if (!Number.isFinite(value) || value < min || value > max)
      throw new InvalidArgumentError(`expected a number from ${min} to ${max}, got ${text}.`);
    return value;
  };
}
