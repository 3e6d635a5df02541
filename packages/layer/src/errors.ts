/** The codes a {@link LayerError} can carry. The code is the contract; the message may improve. */
export type LayerErrorCode =
  /** A certificate, key or CA file could not be written (permissions, unsafe path, full disk). */
  | 'ERR_LAYER_WRITE_FAILED'
  /** Installing or withdrawing the CA in the system trust store failed (the update command, I/O). */
  | 'ERR_LAYER_CA_INSTALL_FAILED'
  /** A hook tool (relation-get, relation-set, …) failed. */
  | 'ERR_LAYER_HOOK_TOOL_FAILED'
  /** The unit's flag store could not be read or committed. */
  | 'ERR_LAYER_STATE_FAILED'
  /** The unit's state file was not found (the layer never ran on this unit, or the wrong directory). */
  | 'ERR_LAYER_STATE_NOT_FOUND';

/**
 * Thrown (or used to reject `run()`) for the layer's own failures. Bad provider data is never
 * thrown: it becomes a {@link Problem} instead.
 */
export class LayerError extends Error {
  // A literal rather than this.constructor.name, which minifiers rename.
  override readonly name = 'LayerError';
  readonly code: LayerErrorCode;
  /** The file concerned, if any. Never its contents. */
  readonly path: string | undefined;
  constructor(code: LayerErrorCode, message: string, options: { path?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.path = options.path;
  }
}

/** Wraps a dependency's error as ours, keeping its code in the message and the error as `cause`; internal. */
export function wrapError(code: LayerErrorCode, message: string, cause: unknown, path?: string): LayerError {
  const detail = cause instanceof Error ? `: ${describeError(cause)}` : '';
  return new LayerError(code, `${message}${detail}`, { cause, ...(path === undefined ? {} : { path }) });
}

function describeError(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${code} ${error.message}` : error.message;
}
