/** Codes of {@link TestingError}. */
export type TestingErrorCode =
  | 'ERR_TESTING_STATE_CORRUPT'
  | 'ERR_TESTING_STATE_LOCKED'
  | 'ERR_TESTING_UNKNOWN_RELATION'
  | 'ERR_TESTING_UNKNOWN_UNIT'
  | 'ERR_TESTING_NOT_BUILT'
  | 'ERR_TESTING_HOOK_SPAWN'
  | 'ERR_TESTING_CONFIG_YAML'
  | 'ERR_TESTING_IO'
  | 'ERR_TESTING_UNKNOWN_SECRET';

/**
 * Thrown by the fake model and the embedded CA for bad state on disk, unknown relations or units,
 * and a fake tool that cannot be found. Caller mistakes (wrong argument types) throw `TypeError`.
 */
export class TestingError extends Error {
  override readonly name = 'TestingError';
  readonly code: TestingErrorCode;
  /** The file concerned, if any. Never its contents. */
  readonly path: string | undefined;
  /** The relation id concerned, if any. */
  readonly relationId: string | undefined;
  constructor(
    code: TestingErrorCode,
    message: string,
    options: { path?: string | undefined; relationId?: string | undefined; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.path = options.path;
    this.relationId = options.relationId;
  }
}
