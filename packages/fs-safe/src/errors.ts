/**
 * Every code an {@link FsSafeError} can carry. The code is the contract; the message may change.
 *
 * - `ERR_FS_SAFE_PERMISSION`: the operating system refused access (EACCES, EPERM).
 * - `ERR_FS_SAFE_READ_ONLY`: the file system is mounted read-only (EROFS).
 * - `ERR_FS_SAFE_NO_SPACE`: the file system is full or over quota (ENOSPC, EDQUOT).
 * - `ERR_FS_SAFE_NOT_A_FILE`: the target (or a parent) exists but has the wrong type.
 * - `ERR_FS_SAFE_NOT_FOUND`: a file or directory that must exist does not.
 * - `ERR_FS_SAFE_UNSAFE_PATH`: the symlink policy refused the path.
 * - `ERR_FS_SAFE_UNKNOWN_USER` / `ERR_FS_SAFE_UNKNOWN_GROUP`: an owner or group name does not resolve.
 * - `ERR_FS_SAFE_LOCK_TIMEOUT`: another live process held the lock for longer than the timeout.
 * - `ERR_FS_SAFE_LOCK_UNUSABLE`: the lock file cannot be created, or something else sits at its path.
 * - `ERR_FS_SAFE_IO`: any other file system error.
 */
export type FsSafeErrorCode =
  | 'ERR_FS_SAFE_PERMISSION'
  | 'ERR_FS_SAFE_READ_ONLY'
  | 'ERR_FS_SAFE_NO_SPACE'
  | 'ERR_FS_SAFE_NOT_A_FILE'
  | 'ERR_FS_SAFE_NOT_FOUND'
  | 'ERR_FS_SAFE_UNSAFE_PATH'
  | 'ERR_FS_SAFE_UNKNOWN_USER'
  | 'ERR_FS_SAFE_UNKNOWN_GROUP'
  | 'ERR_FS_SAFE_LOCK_TIMEOUT'
  | 'ERR_FS_SAFE_LOCK_UNUSABLE'
  | 'ERR_FS_SAFE_IO';

/** Thrown for file system failures. Messages name the path and the errno, never file contents. */
export class FsSafeError extends Error {
  // A literal rather than this.constructor.name, which minifiers rename.
  override readonly name = 'FsSafeError';
  readonly code: FsSafeErrorCode;
  /** The file or directory concerned. */
  readonly path: string | undefined;
  /** The errno code (`EACCES`, `ENOSPC`, …) when a system call failed. */
  readonly syscallCode: string | undefined;

  constructor(
    code: FsSafeErrorCode,
    message: string,
    options: { path?: string | undefined; syscallCode?: string | undefined; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.path = options.path;
    this.syscallCode = options.syscallCode;
  }
}

/** The errno code of a system error, if any. */
export function errnoOf(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Maps a Node system error to a typed error for `path`; passes an FsSafeError through. */
export function toFsError(error: unknown, path: string, action: string): FsSafeError {
  if (error instanceof FsSafeError) return error;
  const errno = errnoOf(error);
  const suffix = errno ? ` (${errno})` : '';
  const options = { path, syscallCode: errno, cause: error };
  switch (errno) {
    case 'EACCES':
    case 'EPERM':
      return new FsSafeError(
        'ERR_FS_SAFE_PERMISSION',
        `permission denied to ${action} "${path}"${suffix}`,
        options,
      );
    case 'EROFS':
      return new FsSafeError(
        'ERR_FS_SAFE_READ_ONLY',
        `cannot ${action} "${path}": read-only file system${suffix}`,
        options,
      );
    case 'ENOSPC':
    case 'EDQUOT':
      return new FsSafeError(
        'ERR_FS_SAFE_NO_SPACE',
        `cannot ${action} "${path}": no space left on the file system${suffix}`,
        options,
      );
    case 'ENOTDIR':
    case 'EISDIR':
      return new FsSafeError(
        'ERR_FS_SAFE_NOT_A_FILE',
        `cannot ${action} "${path}": a path component has the wrong type${suffix}`,
        options,
      );
    case 'ENOENT':
      return new FsSafeError(
        'ERR_FS_SAFE_NOT_FOUND',
        `cannot ${action} "${path}": not found${suffix}`,
        options,
      );
    default:
      return new FsSafeError(
        'ERR_FS_SAFE_IO',
        `cannot ${action} "${path}"${suffix || `: ${String(error).slice(0, 120)}`}`,
        options,
      );
  }
}
