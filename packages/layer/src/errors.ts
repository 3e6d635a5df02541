import type { CaInstallerErrorCode } from '@tls-client/ca-installer';
import type { CertWriterErrorCode } from '@tls-client/cert-writer';
import type { ProtocolErrorCode } from '@tls-client/protocol';

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

/** The layer's own codes for skipped provider data (a {@link Problem}, never thrown). */
export type LayerProblemCode =
  /** `ca` holds no certificate, one that does not parse, a private key, or a certificate that is not a CA. */
  | 'ERR_LAYER_INVALID_CA'
  /** `chain` holds no certificate or one that does not parse; certificates are written without it. */
  | 'ERR_LAYER_INVALID_CHAIN'
  /** A certificate was rejected for a reason without a more specific code. */
  | 'ERR_LAYER_INVALID_CERTIFICATE'
  /** v4: the provider published a `request_errors` entry for our CSR (its code, name and message in the text). */
  | 'ERR_LAYER_REQUEST_REFUSED'
  /** v4 APP mode: the application certificate needs Juju secrets, which this model lacks (Juju 2.9). */
  | 'ERR_LAYER_APP_MODE_NEEDS_SECRETS';

/** Problem codes about this model rather than about provider data (said so in logs and the CLI). */
export const MODEL_PROBLEM_CODES: ReadonlySet<string> = new Set<LayerProblemCode>([
  'ERR_LAYER_APP_MODE_NEEDS_SECRETS',
]);

/**
 * Every code a {@link Problem} can carry: the layer's own, the protocol decoder's (unreadable relation
 * data), cert-writer's validation codes (bad PEM, key mismatch, chain order, untrusted, too large, …)
 * and ca-installer's (a CA the installer refuses).
 */
export type ProblemCode = LayerProblemCode | ProtocolErrorCode | CertWriterErrorCode | CaInstallerErrorCode;

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
  constructor(
    code: LayerErrorCode,
    message: string,
    options: { path?: string | undefined; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.path = options.path;
  }
}

/** Wraps a dependency's error as ours, keeping its code in the message and the error as `cause`; internal. */
export function wrapError(code: LayerErrorCode, message: string, cause: unknown, path?: string): LayerError {
  const detail = cause instanceof Error ? `: ${describeError(cause)}` : '';
  return new LayerError(code, `${message}${detail}`, { cause, path });
}

function describeError(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${code} ${error.message}` : error.message;
}
