import { CaInstallerError } from './errors.js';

/** Longest encoded file stem accepted, in bytes; leaves room for `+NN.crt` and Debian's `.pem` link under 255. */
export const MAX_STEM_BYTES = 200;

const SAFE = /^[A-Za-z0-9_-]$/;
// C0, DEL and C1 controls, plus the Unicode line and paragraph separators.
const FORBIDDEN = /[\p{Cc}\u2028\u2029]/u;

function percent(char: string): string {
  let out = '';
  for (const byte of Buffer.from(char, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

/**
 * Maps an install name to the stem of its anchor file names. Rejects names that cannot be meant as
 * a name (path separators, control characters, `.`/`..`, empty, too long) and percent-encodes every
 * other character outside `[A-Za-z0-9_-]` (`%` itself included), plus a `.` that starts or ends the name
 * or follows another `.`. The result never holds `/`, `..`, whitespace, a control character or `+`
 * (which splits-file suffixes use), and decoding `%XX` gives the name back, so two names never share
 * a file.
 *
 * @throws {CaInstallerError} `ERR_CA_INSTALLER_INVALID_NAME`
 */
export function anchorStem(name: string): string {
  if (typeof name !== 'string') throw new TypeError('name must be a string');
  const reject = (why: string): never => {
    throw new CaInstallerError('ERR_CA_INSTALLER_INVALID_NAME', `CA name ${why}`);
  };
  if (name === '') reject('must not be empty');
  // With the u flag, only an unpaired surrogate matches.
  if (/[\uD800-\uDFFF]/u.test(name)) reject('must be well-formed Unicode (it holds a lone surrogate)');
  if (FORBIDDEN.test(name)) reject('must not hold control characters such as a newline or NUL');
  if (name.includes('/') || name.includes('\\')) reject('must not hold a path separator ("/" or "\\")');
  if (name === '.' || name === '..') reject(`must not be "${name}"`);
  const chars = [...name];
  let stem = '';
  chars.forEach((char, i) => {
    // A dot stays literal only inside the name and never next to another literal dot, so no file
    // name is hidden, none holds `..`, and `<stem>.crt` never ends in `..crt`.
    const literalDot = char === '.' && i > 0 && i < chars.length - 1 && chars[i - 1] !== '.';
    stem += SAFE.test(char) || literalDot ? char : percent(char);
  });
  if (Buffer.byteLength(stem) > MAX_STEM_BYTES) {
    reject(
      `is too long: its file name would be ${Buffer.byteLength(stem)} bytes (at most ${MAX_STEM_BYTES})`,
    );
  }
  return stem;
}

/**
 * The anchor file names of a name holding `count` certificates when bundles are split: the first is
 * `<stem>.crt` (the file the original layer wrote), the next `<stem>+2.crt`, `<stem>+3.crt`, ….
 */
export function splitFileNames(stem: string, count: number): string[] {
  const names = [`${stem}.crt`];
  for (let i = 2; i <= count; i++) names.push(`${stem}+${i}.crt`);
  return names;
}

/** True when `fileName` is one of the split files {@link splitFileNames} gives for `stem`. */
export function isFileOf(stem: string, fileName: string): boolean {
  if (fileName === `${stem}.crt`) return true;
  if (!fileName.startsWith(`${stem}+`) || !fileName.endsWith('.crt')) return false;
  return /^[1-9][0-9]*$/.test(fileName.slice(stem.length + 1, -'.crt'.length));
}
