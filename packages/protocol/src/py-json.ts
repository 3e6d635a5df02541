/**
 * Byte-exact Python `json.dumps(value, sort_keys=True)` and the reactive framework's JSON-view
 * read rule. No Node APIs.
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

function encodeValue(value: unknown, path: string, seen: Set<object>): string {
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
          for (let i = 0; i < value.length; i++) parts.push(encodeValue(value[i], `${path}[${i}]`, seen));
          out = `[${parts.join(', ')}]`;
        }
      } else if (isPlainObject(value)) {
        const keys = Object.keys(value).sort(compareCodePoints);
        if (keys.length === 0) out = '{}';
        else {
          const parts: string[] = [];
          for (const key of keys) {
            parts.push(`${encodeString(key)}: ${encodeValue(value[key], `${path}.${key}`, seen)}`);
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

/**
 * Encodes a value exactly as Python's `json.dumps(value, sort_keys=True)` does: `", "` and `": "`
 * separators, keys sorted by code point at every depth, everything outside U+0020..U+007E escaped
 * as lowercase `\uXXXX` (surrogate pairs for astral characters).
 *
 * Numbers: an integral number is written as a Python `int` (`1`, `-0` → `0`, `1e21` →
 * `1000000000000000000000`); any other number as Python's `repr(float)` (`0.5`, `1e-05`);
 * `NaN`/`Infinity`/`-Infinity` as Python writes them. `bigint` is written as an `int`.
 *
 * @throws TypeError for values JSON cannot hold (undefined, functions, symbols, class instances such
 *   as `Date` or `Map`), for circular structures and for nesting deeper than 1000 levels (where
 *   Python raises RecursionError).
 * @example pyJsonDumps({ b: 1, a: 'é' }) // '{"a": "\\u00e9", "b": 1}'
 */
export function pyJsonDumps(value: unknown): string {
  return encodeValue(value, '$', new Set());
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
 * Like Python's `json.loads`, it also accepts the `NaN`, `Infinity` and `-Infinity` tokens.
 */
export function parseJsonView(raw: string | undefined): unknown {
  if (raw === undefined) return undefined;
  if (raw === '') return '';
  try {
    return JSON.parse(raw);
  } catch {
    if (raw.includes('NaN') || raw.includes('Infinity')) {
      const parsed = parsePythonJson(raw);
      if (parsed.ok) return parsed.value;
    }
    return raw;
  }
}

/**
 * Parses JSON text as Python's `json.loads` does, i.e. JSON plus the `NaN`, `Infinity` and `-Infinity`
 * tokens. Used only when `JSON.parse` has already failed, so it favours clarity over speed.
 */
export function parsePythonJson(text: string): { ok: true; value: unknown } | { ok: false } {
  let pos = 0;
  const fail = (): never => {
    throw PARSE_FAILURE;
  };
  const skipWhitespace = (): void => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) pos++;
      else break;
    }
  };
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: JSON forbids raw control characters in strings.
  const STRING = /"(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
  const parseValue = (depth: number): unknown => {
    // Python's json.loads hits its recursion limit near here too; stay far from JS stack overflow.
    if (depth > 1_000) fail();
    skipWhitespace();
    const c = text[pos];
    if (c === '{') {
      pos++;
      const object: Record<string, unknown> = {};
      skipWhitespace();
      if (text[pos] === '}') {
        pos++;
        return object;
      }
      for (;;) {
        skipWhitespace();
        if (text[pos] !== '"') fail();
        const key = parseValue(depth + 1) as string;
        skipWhitespace();
        if (text[pos] !== ':') fail();
        pos++;
        // defineProperty, so a "__proto__" key stays an own property as with JSON.parse.
        Object.defineProperty(object, key, {
          value: parseValue(depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
        skipWhitespace();
        if (text[pos] === ',') pos++;
        else if (text[pos] === '}') {
          pos++;
          return object;
        } else fail();
      }
    }
    if (c === '[') {
      pos++;
      const array: unknown[] = [];
      skipWhitespace();
      if (text[pos] === ']') {
        pos++;
        return array;
      }
      for (;;) {
        array.push(parseValue(depth + 1));
        skipWhitespace();
        if (text[pos] === ',') pos++;
        else if (text[pos] === ']') {
          pos++;
          return array;
        } else fail();
      }
    }
    if (c === '"') {
      STRING.lastIndex = pos;
      const match = STRING.exec(text);
      if (!match) return fail();
      pos += match[0].length;
      return JSON.parse(match[0]) as string;
    }
    for (const [token, value] of LITERALS) {
      if (text.startsWith(token, pos)) {
        pos += token.length;
        return value;
      }
    }
    NUMBER.lastIndex = pos;
    const match = NUMBER.exec(text);
    if (!match) return fail();
    pos += match[0].length;
    return Number(match[0]);
  };
  try {
    const value = parseValue(0);
    skipWhitespace();
    if (pos !== text.length) return { ok: false };
    return { ok: true, value };
  } catch (error) {
    if (error === PARSE_FAILURE) return { ok: false };
    throw error;
  }
}

const PARSE_FAILURE = Symbol('parse failure');
const LITERALS: readonly (readonly [string, unknown])[] = [
  ['true', true],
  ['false', false],
  ['null', null],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
];
