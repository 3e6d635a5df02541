import { LayerError, type LayerErrorCode } from '../errors.js';

/**
 * The codes `tls-client` reports when it cannot answer: the layer's (`ERR_LAYER_STATE_NOT_FOUND`,
 * `ERR_LAYER_STATE_FAILED`), a bad command line (`ERR_LAYER_CLI_USAGE`), or a failure of its own
 * (`ERR_LAYER_CLI_INTERNAL`).
 */
export type CliErrorCode = LayerErrorCode | 'ERR_LAYER_CLI_USAGE' | 'ERR_LAYER_CLI_INTERNAL';

/** What `tls-client … --json` prints (on stdout, exit 2) when it cannot answer. */
export interface CliErrorOutput {
  ok: false;
  error: {
    code: CliErrorCode;
    message: string;
    /** The file concerned (e.g. the state file looked for), or `null`. */
    path: string | null;
  };
}

/** A bad command line. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
  readonly code = 'ERR_LAYER_CLI_USAGE';
}

/** The JSON error shape for any failure: our codes kept, anything else `ERR_LAYER_CLI_INTERNAL`. */
export function toCliErrorOutput(error: unknown): CliErrorOutput {
  if (error instanceof LayerError)
    return { ok: false, error: { code: error.code, message: error.message, path: error.path ?? null } };
  if (error instanceof CliUsageError)
    return { ok: false, error: { code: error.code, message: error.message, path: null } };
  const message = error instanceof Error ? error.message : String(error);
  return { ok: false, error: { code: 'ERR_LAYER_CLI_INTERNAL', message, path: null } };
}
