/**
 * Byte-exact Python `json.dumps(value)` (with or without `sort_keys=True`) and the reactive
 * framework's JSON-view read rule. No Node APIs.
 */

const HEX = '0123456789abcdef';

/** `\uXXXX` with lowercase hex, as Python's `ensure_ascii` writes it. */
function unicodeEscape(unit: number): string {
  return `\\u${HEX[(unit >> 12) & 15]}${HEX[(unit >> 8) & 15]}${HEX[(unit >> 4) & 15]}${HEX[unit & 15]}`;
}

// JSON.stringify already writes what Python writes for `"`, `\\`, control characters (short escapes
// or lowercase \u00XX) and lone surrogates (lowercase \udXXX). It leaves DEL and everything above it
// as is, which ensure_ascii escapes: code unit by code unit, so an astral character becomes the
// surrogate pair Python writes.
const NOT_ASCII = /[\u007f-\uffff]/;
const NOT_ASCII_ALL = /[\u007f-\uffff]/g;

function encodeString(value: string): string {
  const json = JSON.stringify(value);
  return NOT_ASCII.test(json) ? json.replace(NOT_ASCII_ALL, (c) => unicodeEscape(c.charCodeAt(0))) : json;
}

/**
 * Python's `repr(float)`: shortest round-trip digits (the same digits JavaScript picks), written in
 * fixed notation when the decimal exponent is in [-4, 16), otherwise as `d.ddde±XX`.
 */
function encodeFloat(value: number): string {
  const [mantissa, exponentText] = value.toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  if (exponent >= -4 && exponent < 16) {
    // JS uses fixed notation for exponents in [-6, 21), so String() agrees with Python here.
    return String(value);
  }
  const sign = exponent < 0 ? '-' : '+';
  const digits = String(Math.abs(exponent)).padStart(2, '0');
  return `${mantissa}e${sign}${digits}`;
}

function encodeNumber(value: number): string {
  // Python's json.dumps writes these non-JSON tokens by default (allow_nan=True).
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  // JS cannot tell 1 from 1.0: an integral number is written as a Python int, in full digits
  // (1e21 -> 1000000000000000000000). -0 is integral, so it is written as 0.
  if (Number.isInteger(value)) return Math.abs(value) < 1e21 ? String(value + 0) : BigInt(value).toString();
  return encodeFloat(value);
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

// Python's json.dumps fails with RecursionError near 1000 levels; fail there too, with a TypeError,
// rather than overflowing the JS stack.
const MAX_DEPTH = 1000;

function encodeValue(value: unknown, path: string, seen: Set<object>, sortKeys: boolean): string {
  switch (typeof value) {
    case 'string':
      return encodeString(value);
    case 'number':
      return encodeNumber(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'object': {
      if (value === null) return 'null';
      if (seen.has(value)) throw new TypeError(`pyJsonDumps: circular reference at ${path}`);
      if (seen.size >= MAX_DEPTH) throw new TypeError(`pyJsonDumps: nesting deeper than ${MAX_DEPTH} levels`);
      seen.add(value);
      let out: string;
      if (Array.isArray(value)) {
        if (value.length === 0) out = '[]';
        else {
          const parts: string[] = [];
          for (let i = 0; i < value.length; i++)
            parts.push(encodeValue(value[i], `${path}[${i}]`, seen, sortKeys));
          out = `[${parts.join(', ')}]`;
        }
      } else if (isPlainObject(value)) {
        const keys = sortKeys ? Object.keys(value).sort(compareCodePoints) : Object.keys(value);
        if (keys.length === 0) out = '{}';
        else {
          const parts: string[] = [];
          for (const key of keys) {
            parts.push(`${encodeString(key)}: ${encodeValue(value[key], `${path}.${key}`, seen, sortKeys)}`);
          }
          out = `{${parts.join(', ')}}`;
        }
      } else {
        throw new TypeError(
          `pyJsonDumps: ${path} is a ${value.constructor?.name ?? 'non-plain object'}; only plain objects, arrays, strings, numbers, booleans and null can be encoded`,
        );
      }
      seen.delete(value);
      return out;
    }
    default:
      throw new TypeError(`pyJsonDumps: ${path} is ${typeof value}, which JSON cannot represent`);
  }
}

/** Options of {@link pyJsonDumps}. */
export interface PyJsonDumpsOptions {
  /**
   * Python's `sort_keys`. `true` (the default here, what the legacy protocol writes) sorts keys by
   * code point at every depth; `false` keeps each object's own key order, as Python's default
   * `json.dumps` keeps dict order (what the v4 protocol writes, in model declaration order).
   */
  sortKeys?: boolean | undefined;
}

/**
 * Encodes a value exactly as Python's `json.dumps(value, sort_keys=True)` does, or with
 * `{ sortKeys: false }` as plain `json.dumps(value)` does: `", "` and `": "` separators, everything
 * outside U+0020..U+007E escaped as lowercase `\uXXXX` (surrogate pairs for astral characters).
 * Without sorting, keys come out in `Object.keys` order (insertion order, except that integer-like
 * keys come first: avoid them where the order matters).
 *
 * Numbers: an integral number is written as a Python `int` (`1`, `-0` → `0`, `1e21` →
 * `1000000000000000000000`); any other number as Python's `repr(float)` (`0.5`, `1e-05`);
 * `NaN`/`Infinity`/`-Infinity` as Python writes them. `bigint` is written as an `int`.
 *
 * @throws TypeError for values JSON cannot hold (undefined, functions, symbols, class instances such
 *   as `Date` or `Map`), for circular structures and for nesting deeper than 1000 levels (where
 *   Python raises RecursionError).
 * @example pyJsonDumps({ b: 1, a: 'é' }) // '{"a": "\\u00e9", "b": 1}'
 * @example pyJsonDumps({ b: 1, a: 2 }, { sortKeys: false }) // '{"b": 1, "a": 2}'
 */
export function pyJsonDumps(value: unknown, options: PyJsonDumpsOptions = {}): string {
  if (options === null || typeof options !== 'object')
    throw new TypeError('pyJsonDumps: options must be an object');
  return encodeValue(value, '$', new Set(), options.sortKeys !== false);
}

/**
 * Compares two strings by Unicode code point, as Python orders `str` values. Differs from the
 * default `Array.prototype.sort` order (UTF-16 code units) only when astral characters meet
 * characters in U+E000..U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  let i = 0;
  while (i < length && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === length) return a.length - b.length;
  // If the strings first differ on the low half of a pair whose high half they share, compare the
  // whole code points starting at the shared high surrogate.
  if (i > 0) {
    const previous = a.charCodeAt(i - 1);
    if (previous >= 0xd800 && previous <= 0xdbff && (isLowSurrogate(a, i) || isLowSurrogate(b, i))) i--;
  }
  return (a.codePointAt(i) ?? 0) - (b.codePointAt(i) ?? 0);
}

function isLowSurrogate(text: string, index: number): boolean {
  const unit = text.charCodeAt(index);
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/**
 * The reactive framework's JSON-view read rule: `undefined` when the key is absent, `""` unchanged,
 * otherwise the parsed JSON value, or the raw string itself when it is not JSON. Never throws.
 * Python's `NaN`/`Infinity` tokens are not JSON, so such text is returned raw: the protocol never
 * carries numbers other than integers.
 */
export function parseJsonView(raw: string | undefined): unknown {
  if (raw === undefined) return undefined;
  if (raw === '') return '';
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
