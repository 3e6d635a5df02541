import { createHash } from 'node:crypto';

// The bytes must equal Python's `json.dumps(value, sort_keys=True)` (legacy-protocol.md §1.2) so our
// hashes match the reactive helper's. `@tls-client/protocol` exports the same encoder as
// `pyJsonDumps`; this package does not declare that dependency yet, so it carries this small copy,
// which the tests check byte for byte against Python and against protocol's build.

const HEX = '0123456789abcdef';
const escapeUnit = (u: number): string =>
  `\\u${HEX[(u >> 12) & 15]}${HEX[(u >> 8) & 15]}${HEX[(u >> 4) & 15]}${HEX[u & 15]}`;
const SHORT: Record<number, string> = {
  8: '\\b',
  9: '\\t',
  10: '\\n',
  12: '\\f',
  13: '\\r',
  34: '\\"',
  92: '\\\\',
};
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

function encodeString(text: string): string {
  if (PLAIN.test(text)) return `"${text}"`;
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const u = text.charCodeAt(i);
    if (u >= 0x20 && u < 0x7f && u !== 34 && u !== 92) out += text[i];
    // A JS string already holds astral characters as the surrogate pair Python writes.
    else out += SHORT[u] ?? escapeUnit(u);
  }
  return `${out}"`;
}

function encodeNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Number.POSITIVE_INFINITY) return 'Infinity';
  if (n === Number.NEGATIVE_INFINITY) return '-Infinity';
  // JS cannot tell 1 from 1.0, so integral numbers are written as Python ints, in full digits.
  if (Number.isInteger(n)) return Math.abs(n) < 1e21 ? String(n + 0) : BigInt(n).toString();
  const [mantissa, exp] = n.toExponential().split('e') as [string, string];
  const e = Number(exp);
  // Python's repr(float) is fixed for exponents in [-4, 16), else d.ddde±XX; JS picks the same digits.
  if (e >= -4 && e < 16) return String(n);
  return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === n) return a.length - b.length;
  const prev = i > 0 ? a.charCodeAt(i - 1) : 0;
  if (prev >= 0xd800 && prev <= 0xdbff) i--;
  return (a.codePointAt(i) ?? 0) - (b.codePointAt(i) ?? 0);
}

function encode(value: unknown, path: string, seen: Set<object>): string {
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
      if (seen.has(value)) throw new TypeError(`dataChanged: circular reference at ${path}`);
      seen.add(value);
      let out: string;
      if (Array.isArray(value)) {
        out = `[${value.map((item, i) => encode(item, `${path}[${i}]`, seen)).join(', ')}]`;
      } else {
        const proto: unknown = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) {
          throw new TypeError(
            `dataChanged: ${path} is not a plain object, array, string, number, boolean or null`,
          );
        }
        const record = value as Record<string, unknown>;
        const keys = Object.keys(record).sort(compareCodePoints);
        out = `{${keys.map((k) => `${encodeString(k)}: ${encode(record[k], `${path}.${k}`, seen)}`).join(', ')}}`;
      }
      seen.delete(value);
      return out;
    }
    default:
      throw new TypeError(`dataChanged: ${path} is ${typeof value}, which JSON cannot represent`);
  }
}

/** Python `json.dumps(value, sort_keys=True)`, byte for byte (internal; see `@tls-client/protocol`). */
export function canonicalJson(value: unknown): string {
  return encode(value, '$', new Set());
}

/**
 * The reactive `data_changed` hash of a value: lowercase hex md5 of its canonical JSON in UTF-8.
 * @throws TypeError when the value cannot be encoded as JSON.
 */
export function dataHash(value: unknown): string {
  return createHash('md5').update(canonicalJson(value), 'utf8').digest('hex');
}
