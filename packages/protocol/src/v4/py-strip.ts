// Internal: Python's `str.strip()`, which strips what `str.isspace()` calls whitespace. That set
// differs from JavaScript's `trim()`: it has U+001C..U+001F and U+0085, and lacks U+FEFF.
const PY_SPACE = '\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const EDGES = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, 'g');

export function pyStrip(text: string): string {
  return text.replace(EDGES, '');
}
