import { Zip, ZipDeflate, type ZipInputFile } from 'fflate';

/** One member of a zip written by {@link writeZip}. */
export type ZipMember =
  | { path: string; mode: number; data: Uint8Array }
  /** Already raw-deflated (e.g. the cached `bin/node` entry), with the CRC-32 and size of the original. */
  | { path: string; mode: number; deflated: Uint8Array; crc: number; size: number };

/** "Version made by" host byte for Unix: Juju (Go's archive/zip) then takes the mode from the upper 16 bits. */
const UNIX = 3;
/** S_IFREG: a regular file, in the upper bits of the external attributes. */
const REGULAR_FILE = 0o100000;

/**
 * The fixed timestamp of every member, 1980-01-01 00:00:00, given in local time because zip's DOS
 * time is local: the same bytes in every time zone.
 */
function fixedTime(): Date {
  return new Date(1980, 0, 1, 0, 0, 0);
}

class PreDeflated {
  readonly compression = 8;
  // Set by Zip.add before any data is pushed.
  ondata?: ZipInputFile['ondata'] | undefined;
  os = UNIX;
  attrs: number;
  mtime = fixedTime();
  constructor(
    readonly filename: string,
    readonly crc: number,
    readonly size: number,
    mode: number,
  ) {
    this.attrs = ((REGULAR_FILE | mode) << 16) >>> 0;
  }
}

/** A deflating member whose attributes say Unix and the given mode. */
function unixDeflate(filename: string, mode: number): ZipDeflate {
  const file = new ZipDeflate(filename, { level: 6 });
  file.os = UNIX;
  file.attrs = ((REGULAR_FILE | mode) << 16) >>> 0;
  file.mtime = fixedTime();
  return file;
}

/**
 * Writes a zip in memory, deterministically: members sorted by path, every timestamp fixed, Unix
 * "version made by" and the mode (0755 or 0644, regular file) in the external attributes, no
 * directories, symlinks or extra fields. The same members give the same bytes on any machine.
 * @throws TypeError for a path that is absolute, has `..` or `\`, or is given twice.
 */
export function writeZip(members: readonly ZipMember[]): Uint8Array {
  const sorted = [...members].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (let i = 0; i < sorted.length; i++) {
    const { path, mode } = sorted[i]!;
    if (
      path === '' ||
      path.startsWith('/') ||
      path.includes('\\') ||
      path.split('/').some((p) => p === '..' || p === '.' || p === '')
    ) {
      throw new TypeError(
        `zip member path ${JSON.stringify(path)} must be relative, without "." or ".." parts`,
      );
    }
    if (i > 0 && sorted[i - 1]!.path === path) throw new TypeError(`zip member ${path} is given twice`);
    if (!Number.isInteger(mode) || (mode & ~0o777) !== 0)
      throw new TypeError(`mode of ${path} must be permission bits`);
  }
  const chunks: Uint8Array[] = [];
  let failure: Error | null = null;
  let done = false;
  const zip = new Zip((error, data, final) => {
    if (error) failure = error;
    else chunks.push(data);
    if (final) done = true;
  });
  for (const member of sorted) {
    if ('deflated' in member) {
      const file = new PreDeflated(member.path, member.crc, member.size, member.mode);
      zip.add(file as ZipInputFile);
      file.ondata!(null, member.deflated as Uint8Array<ArrayBuffer>, true);
    } else {
      const file = unixDeflate(member.path, member.mode);
      zip.add(file);
      file.push(member.data, true);
    }
  }
  zip.end();
  if (failure) throw failure;
  if (!done) throw new Error('the zip writer did not finish');
  return Buffer.concat(chunks);
}
