import { FsSafeError, type FsSafeErrorCode, toFsError as toFsSafeError } from '@tls-client/fs-safe';

/**
 * Every code a {@link CertWriterError} can carry. The code is the contract; the message may change.
 *
 * - `ERR_CERT_WRITER_INVALID_PEM`: no PEM certificate where one was expected, or it does not parse.
 * - `ERR_CERT_WRITER_KEY_AS_CERT`: a private key was given where a certificate belongs.
 * - `ERR_CERT_WRITER_INVALID_KEY`: the private key is missing or does not parse.
 * - `ERR_CERT_WRITER_KEY_MISMATCH`: the private key does not belong to the certificate.
 * - `ERR_CERT_WRITER_CHAIN_ORDER`: a chain certificate did not issue the one before it.
 * - `ERR_CERT_WRITER_UNTRUSTED`: the leaf (or chain) does not verify against `verifyCa`.
 * - `ERR_CERT_WRITER_EXPIRED` / `ERR_CERT_WRITER_NOT_YET_VALID`: outside its validity, with `allowExpired: false`.
 * - `ERR_CERT_WRITER_TOO_LARGE`: a value is larger than {@link MAX_PEM_BYTES}.
 * - `ERR_CERT_WRITER_UNSAFE_PATH`: the symlink policy refused the path.
 * - `ERR_CERT_WRITER_NOT_A_FILE`: the target (or a parent) exists but is not a regular file (directory).
 * - `ERR_CERT_WRITER_NOT_FOUND`: a file to inspect does not exist.
 * - `ERR_CERT_WRITER_PERMISSION`: the operating system refused access (EACCES, EPERM).
 * - `ERR_CERT_WRITER_READ_ONLY`: the file system is mounted read-only (EROFS).
 * - `ERR_CERT_WRITER_NO_SPACE`: the file system is full or over quota (ENOSPC, EDQUOT).
 * - `ERR_CERT_WRITER_UNKNOWN_USER` / `ERR_CERT_WRITER_UNKNOWN_GROUP`: an owner or group name does not resolve.
 * - `ERR_CERT_WRITER_IO`: any other file system error.
 */
export type CertWriterErrorCode =
  | 'ERR_CERT_WRITER_INVALID_PEM'
  | 'ERR_CERT_WRITER_KEY_AS_CERT'
  | 'ERR_CERT_WRITER_INVALID_KEY'
  | 'ERR_CERT_WRITER_KEY_MISMATCH'
  | 'ERR_CERT_WRITER_CHAIN_ORDER'
  | 'ERR_CERT_WRITER_UNTRUSTED'
  | 'ERR_CERT_WRITER_EXPIRED'
  | 'ERR_CERT_WRITER_NOT_YET_VALID'
  | 'ERR_CERT_WRITER_TOO_LARGE'
  | 'ERR_CERT_WRITER_UNSAFE_PATH'
  | 'ERR_CERT_WRITER_NOT_A_FILE'
  | 'ERR_CERT_WRITER_NOT_FOUND'
  | 'ERR_CERT_WRITER_PERMISSION'
  | 'ERR_CERT_WRITER_READ_ONLY'
  | 'ERR_CERT_WRITER_NO_SPACE'
  | 'ERR_CERT_WRITER_UNKNOWN_USER'
  | 'ERR_CERT_WRITER_UNKNOWN_GROUP'
  | 'ERR_CERT_WRITER_IO';

/** Which input a validation error is about. */
export type CertWriterInputKey = 'cert' | 'key' | 'chain' | 'verifyCa' | 'pem' | 'owner' | 'group';

/**
 * Thrown for invalid certificate material, unsafe paths and file system failures.
 * Messages name the path or input and give sizes, never the contents of a key or certificate.
 */
export class CertWriterError extends Error {
  // A literal rather than this.constructor.name, which minifiers rename.
  override readonly name = 'CertWriterError';
  readonly code: CertWriterErrorCode;
  /** The file concerned. Never its contents. */
  readonly path: string | undefined;
  /** The input concerned (`cert`, `key`, `chain`, …). Never its value. */
  readonly key: CertWriterInputKey | undefined;
  /** The errno code (`EACCES`, `ENOSPC`, …) when a system call failed. */
  readonly syscallCode: string | undefined;
  /** For certificate errors: index (from 0) of the offending PEM block among all blocks of the input. */
  readonly blockIndex: number | undefined;

  constructor(
    code: CertWriterErrorCode,
    message: string,
    options: {
      path?: string | undefined;
      key?: CertWriterInputKey | undefined;
      syscallCode?: string | undefined;
      blockIndex?: number | undefined;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.path = options.path;
    this.key = options.key;
    this.syscallCode = options.syscallCode;
    this.blockIndex = options.blockIndex;
  }
}

/** Largest certificate, key or chain value accepted, in bytes (1 MiB; real chains are a few KiB). */
export const MAX_PEM_BYTES = 1024 * 1024;

const FS_CODES: Readonly<Record<FsSafeErrorCode, CertWriterErrorCode>> = {
  ERR_FS_SAFE_PERMISSION: 'ERR_CERT_WRITER_PERMISSION',
  ERR_FS_SAFE_READ_ONLY: 'ERR_CERT_WRITER_READ_ONLY',
  ERR_FS_SAFE_NO_SPACE: 'ERR_CERT_WRITER_NO_SPACE',
  ERR_FS_SAFE_NOT_A_FILE: 'ERR_CERT_WRITER_NOT_A_FILE',
  ERR_FS_SAFE_NOT_FOUND: 'ERR_CERT_WRITER_NOT_FOUND',
  ERR_FS_SAFE_UNSAFE_PATH: 'ERR_CERT_WRITER_UNSAFE_PATH',
  ERR_FS_SAFE_UNKNOWN_USER: 'ERR_CERT_WRITER_UNKNOWN_USER',
  ERR_FS_SAFE_UNKNOWN_GROUP: 'ERR_CERT_WRITER_UNKNOWN_GROUP',
  ERR_FS_SAFE_LOCK_TIMEOUT: 'ERR_CERT_WRITER_IO',
  ERR_FS_SAFE_LOCK_UNUSABLE: 'ERR_CERT_WRITER_IO',
  ERR_FS_SAFE_IO: 'ERR_CERT_WRITER_IO',
};

/**
 * Maps a failure of a file operation on `path` to a CertWriterError: an `@tls-client/fs-safe` error
 * keeps its message, path and errno under the matching `ERR_CERT_WRITER_*` code; a Node system error
 * is classified first; a CertWriterError passes through.
 */
export function toFsError(error: unknown, path: string, action: string): CertWriterError {
  if (error instanceof CertWriterError) return error;
  const fsError = error instanceof FsSafeError ? error : toFsSafeError(error, path, action);
  const code = FS_CODES[fsError.code];
  const key: CertWriterInputKey | undefined =
    code === 'ERR_CERT_WRITER_UNKNOWN_USER'
      ? 'owner'
      : code === 'ERR_CERT_WRITER_UNKNOWN_GROUP'
        ? 'group'
        : undefined;
  return new CertWriterError(code, fsError.message, {
    path: fsError.path,
    key,
    syscallCode: fsError.syscallCode,
    cause: error,
  });
}
