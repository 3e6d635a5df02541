import yauzl from 'yauzl';

/** One member of a zip as Juju sees it. */
export interface ZipEntryInfo {
  path: string;
  kind: 'file' | 'directory' | 'symlink';
  /** Permission bits as Juju (Go's archive/zip `FileHeader.Mode`) derives them. */
  mode: number;
  /** The host in "version made by": 3 Unix, 19 macOS, 0 MS-DOS, … */
  creator: number;
  externalAttributes: number;
  size: number;
}

/** A zip read into memory, with its members' contents on demand. */
export interface ZipReader {
  entries: ZipEntryInfo[];
  /** The member's contents, or its first `maxBytes` bytes. */
  read(path: string, maxBytes?: number): Promise<Buffer>;
  close(): void;
}

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

/**
 * The mode Juju gives a member. Go's archive/zip reads the Unix mode from the upper 16 bits of the
 * external attributes only when the creator is Unix or macOS; for MS-DOS, NTFS and VFAT creators it
 * uses 0666 (0444 when read-only), which is why a dispatch zipped with a DOS creator is not executable.
 */
function modeOf(
  creator: number,
  external: number,
  path: string,
): { kind: ZipEntryInfo['kind']; mode: number } {
  if (creator === 3 || creator === 19) {
    const unix = external >>> 16;
    const type = unix & S_IFMT;
    if (type === S_IFLNK) return { kind: 'symlink', mode: unix & 0o777 };
    if (type === S_IFDIR || path.endsWith('/')) return { kind: 'directory', mode: unix & 0o777 };
    return { kind: 'file', mode: unix & 0o777 };
  }
  const dir = (external & 0x10) !== 0 || path.endsWith('/');
  const mode = dir ? 0o777 : (external & 0x01) !== 0 ? 0o444 : 0o666;
  return { kind: dir ? 'directory' : 'file', mode };
}

function fromBuffer(bytes: Buffer): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(
      bytes,
      { lazyEntries: true, decodeStrings: true, validateEntrySizes: true, strictFileNames: false },
      (error, zip) => {
        if (error || !zip) reject(error ?? new Error('not a zip'));
        else resolve(zip);
      },
    );
  });
}

/**
 * Reads a zip's central directory with yauzl: every member with its kind, mode and creator.
 * @throws Error from yauzl when the bytes are not a readable zip.
 */
export async function readZip(bytes: Uint8Array): Promise<ZipReader> {
  const zip = await fromBuffer(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const raw = new Map<string, yauzl.Entry>();
  const entries: ZipEntryInfo[] = [];
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      const creator = entry.versionMadeBy >>> 8;
      const { kind, mode } = modeOf(creator, entry.externalFileAttributes, entry.fileName);
      entries.push({
        path: entry.fileName,
        kind,
        mode,
        creator,
        externalAttributes: entry.externalFileAttributes >>> 0,
        size: entry.uncompressedSize,
      });
      if (!raw.has(entry.fileName)) raw.set(entry.fileName, entry);
      zip.readEntry();
    });
    zip.on('end', () => resolve());
    zip.on('error', reject);
    zip.readEntry();
  });
  const read = (path: string, maxBytes?: number): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const entry = raw.get(path);
      if (entry === undefined) {
        reject(new Error(`${path} is not in the zip`));
        return;
      }
      zip.openReadStream(entry, (error, stream) => {
        if (error || !stream) {
          reject(error ?? new Error(`cannot read ${path}`));
          return;
        }
        const chunks: Buffer[] = [];
        let total = 0;
        stream.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          total += chunk.length;
          if (maxBytes !== undefined && total >= maxBytes) {
            stream.destroy();
            resolve(Buffer.concat(chunks).subarray(0, maxBytes));
          }
        });
        stream.on('error', reject);
        stream.on('end', () => resolve(Buffer.concat(chunks)));
      });
    });
  return { entries, read, close: () => zip.close() };
}
