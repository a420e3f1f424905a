/**
 * The one BigInt-safe JSON helper of the project. Integers of money and energy are bigint in memory;
 * on the wire and in files they are decimal strings (`"12345"`), so no reader ever sees a float.
 */

/**
 * `JSON.stringify` replacer: bigint as a decimal string, a byte array as hex, an Error as `{ name, message }`.
 *
 * @example
 * JSON.stringify({ revenueMinor: 12n }, bigintReplacer); // '{"revenueMinor":"12"}'
 */
export function bigintReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}

/**
 * Serialises `value` with bigints as decimal strings; `indent` as in `JSON.stringify`.
 *
 * @example
 * toJson({ energyWh: 10n }); // '{"energyWh":"10"}'
 */
export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, bigintReplacer, indent);
}

/** One JSON line (with its newline) for line-oriented output. */
export function toJsonLine(value: unknown): string {
  return `${toJson(value)}\n`;
}

/**
 * A replacer/reviver pair that round-trips bigint exactly, for files read back by the project itself
 * (stage stores, caches): a bigint is written as `"<digits>n"` and read back as a bigint.
 */
export const taggedBigint = {
  replacer(_key: string, value: unknown): unknown {
    return typeof value === 'bigint' ? `${value}n` : value;
  },
  reviver(_key: string, value: unknown): unknown {
    return typeof value === 'string' && /^-?\d+n$/.test(value) ? BigInt(value.slice(0, -1)) : value;
  },
};
