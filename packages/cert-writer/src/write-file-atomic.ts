import { type FileOptions, type FileResult, writeFileAtomic as writeFile } from '@tls-client/fs-safe';
import { toFsError } from './errors.js';

/**
 * `@tls-client/fs-safe`'s `writeFileAtomic` with its failures as {@link CertWriterError}s
 * (`ERR_CERT_WRITER_PERMISSION`, `_READ_ONLY`, `_NO_SPACE`, `_UNSAFE_PATH`, `_NOT_A_FILE`,
 * `_UNKNOWN_USER`, `_UNKNOWN_GROUP`, `_IO`), for callers that already handle cert-writer's errors.
 * One file, atomically: temp file with its final mode and owner, fsync, rename, directory fsync;
 * `unchanged` when nothing differs, `repaired` when only mode or owner drifted.
 *
 * @throws {CertWriterError} as above; the old file is intact on any error.
 * @throws {TypeError} for a bad path, mode or option.
 * @example
 * const r = await writeFileAtomic('/etc/app/ca.pem', pem, { mode: 0o644 });
 * if (r.action !== 'unchanged') reload();
 */
export async function writeFileAtomic(
  path: string,
  content: string | Uint8Array,
  options: FileOptions = {},
): Promise<FileResult> {
  try {
    return await writeFile(path, content, options);
  } catch (error) {
    if (error instanceof TypeError) throw error;
    throw toFsError(error, String(path), 'write');
  }
}
