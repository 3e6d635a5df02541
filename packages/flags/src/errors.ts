/** Every code a {@link FlagsError} can carry. The code is the contract; the message may improve. */
export type FlagsErrorCode =
  /** No state location: none of `path`, `stateDir`, `TLS_CLIENT_STATE_DIR`, `charmDir`, `JUJU_CHARM_DIR`, `CHARM_DIR`. */
  | 'ERR_FLAGS_NO_STATE_DIR'
  /** The state file exists but could not be read (permissions, a directory, a symlink, an I/O error). */
  | 'ERR_FLAGS_UNREADABLE'
  /** The state file is not valid JSON of the expected shape (corrupt, truncated, edited by hand). */
  | 'ERR_FLAGS_CORRUPT'
  /** The state file has a format `version` this release cannot read or migrate. */
  | 'ERR_FLAGS_UNSUPPORTED_VERSION'
  /** The state directory, lock file or state file could not be written (read-only, permissions, disk full). */
  | 'ERR_FLAGS_NOT_WRITABLE'
  /** Another live process held the lock for longer than `lockTimeoutMs`. */
  | 'ERR_FLAGS_LOCK_TIMEOUT'
  /** The lock was taken away during a commit (someone removed it by hand); nothing was written. */
  | 'ERR_FLAGS_LOCK_LOST'
  /** `FlagStore.recover` was given a path with no file to move aside. */
  | 'ERR_FLAGS_NOT_FOUND'
  /** Triggers kept setting and clearing each other past the depth limit. */
  | 'ERR_FLAGS_TRIGGER_LOOP'
  /** Dispatch did not reach a fixed point within `maxIterations`; the message names the handlers. */
  | 'ERR_FLAGS_DISPATCH_LOOP';

/**
 * The error `@tls-client/flags` throws for bad state on disk, locking and dispatch loops. Caller
 * mistakes (an empty flag name, a value JSON cannot hold) are plain `TypeError`s instead.
 */
export class FlagsError extends Error {
  // A literal rather than this.constructor.name, which minifiers rename.
  override readonly name = 'FlagsError';
  readonly code: FlagsErrorCode;
  /** The file concerned (state file, lock file or directory). Never its contents. */
  readonly path: string | undefined;
  /** For `ERR_FLAGS_DISPATCH_LOOP` and `ERR_FLAGS_TRIGGER_LOOP`: the handlers or flags involved. */
  readonly names: readonly string[] | undefined;

  constructor(
    code: FlagsErrorCode,
    message: string,
    options: { path?: string; names?: readonly string[]; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.path = options.path;
    this.names = options.names;
  }
}
