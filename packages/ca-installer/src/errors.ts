/**
 * Every code a {@link CaInstallerError} can carry. The code is the contract; the message may change.
 *
 * - `ERR_CA_INSTALLER_INVALID_NAME`: the install name is empty, too long, or holds a path separator,
 *   a control character (newline, NUL, …) or is `.`/`..`.
 * - `ERR_CA_INSTALLER_INVALID_PEM`: the input holds no PEM certificate, or is larger than 1 MiB.
 * - `ERR_CA_INSTALLER_PRIVATE_KEY`: the input holds a private key; nothing is written.
 * - `ERR_CA_INSTALLER_INVALID_CERTIFICATE`: a certificate block does not parse (or is a
 *   `TRUSTED CERTIFICATE`, whose trust settings the stores would drop).
 * - `ERR_CA_INSTALLER_NOT_CA`: a certificate lacks the CA basic constraint (see `allowNonCa`).
 * - `ERR_CA_INSTALLER_UNKNOWN_DISTRO`: the distribution is not one we support, `/etc/os-release` is
 *   missing, or `TLS_CLIENT_DISTRO` holds an unknown value.
 * - `ERR_CA_INSTALLER_INVALID_ROOT`: `TLS_CLIENT_TRUST_ROOT` is not an absolute path.
 * - `ERR_CA_INSTALLER_UPDATE_FAILED`: the update command exited non-zero or was killed by a signal.
 * - `ERR_CA_INSTALLER_UPDATE_NOT_FOUND`: the update command is not on `PATH` (or not executable).
 * - `ERR_CA_INSTALLER_UPDATE_TIMEOUT`: the update command ran longer than `timeoutMs` and was killed.
 * - `ERR_CA_INSTALLER_RECORD_CORRUPT`: the record file is not the JSON this package writes.
 * - `ERR_CA_INSTALLER_IO`: reading, writing or removing a file failed (`path` and `cause` say which).
 */
export type CaInstallerErrorCode =
  | 'ERR_CA_INSTALLER_INVALID_NAME'
  | 'ERR_CA_INSTALLER_INVALID_PEM'
  | 'ERR_CA_INSTALLER_PRIVATE_KEY'
  | 'ERR_CA_INSTALLER_INVALID_CERTIFICATE'
  | 'ERR_CA_INSTALLER_NOT_CA'
  | 'ERR_CA_INSTALLER_UNKNOWN_DISTRO'
  | 'ERR_CA_INSTALLER_INVALID_ROOT'
  | 'ERR_CA_INSTALLER_UPDATE_FAILED'
  | 'ERR_CA_INSTALLER_UPDATE_NOT_FOUND'
  | 'ERR_CA_INSTALLER_UPDATE_TIMEOUT'
  | 'ERR_CA_INSTALLER_RECORD_CORRUPT'
  | 'ERR_CA_INSTALLER_IO';

/** Context of a {@link CaInstallerError}; every field is optional. */
export interface CaInstallerErrorOptions {
  /** The file concerned. Never its contents. */
  path?: string;
  /** The install name concerned (already checked to hold no control characters), when it is valid. */
  caName?: string;
  /** The update command's argument vector, for update failures. */
  command?: readonly string[];
  /** The update command's exit code, when it exited. */
  exitCode?: number | undefined;
  /** The signal that ended the update command, when one did. */
  signal?: string | undefined;
  /** The end of the update command's standard error: capped at 2 KiB, PEM blocks redacted. */
  stderr?: string;
  /** Index (from 0) of the offending PEM block in the input, for certificate errors. */
  blockIndex?: number | undefined;
  cause?: unknown;
}

/**
 * Thrown for bad certificate input or names, an unknown distribution, a failed update command, a
 * corrupt record and file system failures. Messages name the file, command or input and give sizes,
 * never a certificate or key body.
 */
export class CaInstallerError extends Error {
  // A literal rather than this.constructor.name, which minifiers rename.
  override readonly name = 'CaInstallerError';
  readonly code: CaInstallerErrorCode;
  /** The file concerned. Never its contents. */
  readonly path: string | undefined;
  /** The install name concerned, when it is a valid one. */
  readonly caName: string | undefined;
  /** The update command's argument vector (update failures only). */
  readonly command: readonly string[] | undefined;
  /** The update command's exit code (update failures only). */
  readonly exitCode: number | undefined;
  /** The signal that ended the update command (update failures only). */
  readonly signal: string | undefined;
  /** Capped, redacted end of the update command's standard error (update failures only). */
  readonly stderr: string | undefined;
  /** Index of the offending PEM block in the input (certificate errors only). */
  readonly blockIndex: number | undefined;

  constructor(code: CaInstallerErrorCode, message: string, options: CaInstallerErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.path = options.path;
    this.caName = options.caName;
    this.command = options.command;
    this.exitCode = options.exitCode;
    this.signal = options.signal;
    this.stderr = options.stderr;
    this.blockIndex = options.blockIndex;
  }
}

/** Appended to every permission error: the two ways out. */
export const PERMISSION_HINT =
  '; the system trust store needs root: set TLS_CLIENT_TRUST_ROOT to a sandbox directory (tests; see prepareDebianRoot in @tls-client/testing) or pass installCa: false to the layer';

/** Wraps a file system error (Node's or @tls-client/fs-safe's) as `ERR_CA_INSTALLER_IO` for `path`. */
export function ioError(error: unknown, path: string, action: string): CaInstallerError {
  if (error instanceof CaInstallerError) return error;
  const errno =
    (error as { syscallCode?: string; code?: string } | undefined)?.syscallCode ??
    (error as NodeJS.ErrnoException | undefined)?.code;
  const suffix = typeof errno === 'string' && /^E[A-Z]+$/.test(errno) ? ` (${errno})` : '';
  // The common cause is a test or a non-root run against the host's trust store: say the way out.
  const hint = errno === 'EACCES' || errno === 'EPERM' ? PERMISSION_HINT : '';
  return new CaInstallerError('ERR_CA_INSTALLER_IO', `cannot ${action} "${path}"${suffix}${hint}`, {
    path,
    cause: error,
  });
}
