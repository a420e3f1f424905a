/**
 * The canonical wire form of a reading (SPEC section 2, "Canonical form"): the raw text is kept as evidence,
 * so it must mean one thing to every JSON reader. No object may name a key twice (readers differ on which
 * value wins) and every number must be written as a plain decimal integer (`0` or `-?[1-9][0-9]*`): no
 * fraction (`10350.0`), exponent (`1.035e4`), `-0`, leading zero or leading `+`.
 */
import { NonCanonicalJsonError } from './errors.ts';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** A character that may continue a number token (so that `1.5e+3` is read as one token). */
function isNumberChar(c: number): boolean {
  return isDigit(c) || c === DOT || c === MINUS || c === PLUS || c === 0x65 || c === 0x45;
}

/** `0`, or an optional minus and a digit 1-9 followed by digits. */
function isCanonicalInteger(text: string, start: number, end: number): boolean {
  let i = start;
  if (text.charCodeAt(i) === MINUS) i++;
  if (i >= end) return false;
  const first = text.charCodeAt(i);
  if (first === ZERO) return end === i + 1 && i === start; // "0" only; "-0" and "01" are not canonical
  if (first < 0x31 || first > NINE) return false;
  for (i++; i < end; i++) if (!isDigit(text.charCodeAt(i))) return false;
  return true;
}

/** One open object (its keys so far and its path) or array (no keys). */
interface Scope {
  readonly keys: string[] | undefined;
  readonly path: string;
}

function decodeKey(quoted: string): string {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return quoted; // not JSON: the parser refuses the payload anyway
  }
}

/**
 * Checks that `text` is in canonical form: no duplicate key in any object (compared after decoding
 * escapes), every number a canonical integer. A lexical scan of the raw text, so it also classifies inputs
 * that `JSON.parse` would refuse only for their number form (`+5`, `007`). Structure is left to the parser.
 *
 * @throws {NonCanonicalJsonError} naming the key (dotted path, e.g. `sig.R8x`) of the first offence.
 * @example
 * assertCanonicalJson('{"energyWh":1,"energyWh":2}'); // throws NON_CANONICAL_JSON, field energyWh
 */
export function assertCanonicalJson(text: string): void {
  const scopes: Scope[] = [];
  let lastKeyPath = '';
  const n = text.length;
  const anyEscape = text.indexOf('\\') !== -1; // without escapes a string ends at the next quote
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let j = i + 1;
      let escaped = false;
      if (anyEscape) {
        while (j < n) {
          const d = text.charCodeAt(j);
          if (d === QUOTE) break;
          if (d === BACKSLASH) {
            escaped = true;
            j += 2;
          } else j++;
        }
      } else {
        j = text.indexOf('"', j);
        if (j === -1) j = n;
      }
      let k = j + 1;
      while (k < n && isWhitespace(text.charCodeAt(k))) k++;
      if (k < n && text.charCodeAt(k) === COLON) {
        const scope = scopes[scopes.length - 1];
        const key = escaped ? decodeKey(text.slice(i, j + 1)) : text.slice(i + 1, j);
        const path = scope === undefined || scope.path === '' ? key : `${scope.path}.${key}`;
        if (scope?.keys !== undefined) {
          if (scope.keys.includes(key))
            throw new NonCanonicalJsonError(path, 'the key appears more than once');
          scope.keys.push(key);
        }
        lastKeyPath = path;
      }
      i = j + 1;
    } else if (c === OPEN_OBJECT) {
      scopes.push({ keys: [], path: scopes.length === 0 ? '' : lastKeyPath });
      i++;
    } else if (c === OPEN_ARRAY) {
      scopes.push({ keys: undefined, path: lastKeyPath });
      i++;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      scopes.pop();
      i++;
    } else if (isDigit(c) || c === MINUS || c === PLUS || c === DOT) {
      let j = i + 1;
      while (j < n && isNumberChar(text.charCodeAt(j))) j++;
      if (!isCanonicalInteger(text, i, j)) {
        const number = text.slice(i, Math.min(j, i + 40));
        throw new NonCanonicalJsonError(
          lastKeyPath === '' ? 'reading' : lastKeyPath,
          `the number ${number} is not a plain decimal integer`,
        );
      }
      i = j;
    } else i++;
  }
}
