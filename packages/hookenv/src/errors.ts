/** Every code a {@link HookToolError} can carry. The code is the contract; messages may improve. */
export type HookToolErrorCode =
  /** The tool is not on PATH (ENOENT): the process is not running under Juju, or PATH lost the tools. */
  | 'ERR_HOOKENV_TOOL_NOT_FOUND'
  /** The tool exists but could not be started (EACCES, E2BIG, …). */
  | 'ERR_HOOKENV_SPAWN_FAILED'
  /** The tool exited non-zero or was killed by a signal. */
  | 'ERR_HOOKENV_TOOL_FAILED'
  /** A `relation-*` or `network-get` call failed because the relation is unknown or gone. */
  | 'ERR_HOOKENV_RELATION_NOT_FOUND'
  /** The tool ran longer than the timeout and was killed. */
  | 'ERR_HOOKENV_TIMEOUT'
  /** The tool's stdout is not the JSON document (or shape) the spec promises, or is too large. */
  | 'ERR_HOOKENV_BAD_OUTPUT'
  /** A `JUJU_*` variable needed for the value being read is absent or empty. */
  | 'ERR_HOOKENV_MISSING_ENV'
  /** A `JUJU_*` variable is present but malformed (e.g. a unit name without `/N`). */
  | 'ERR_HOOKENV_INVALID_ENV'
  /** A `secret-*` tool says the secret (or its label, key or revision) is not found or not visible to us. */
  | 'ERR_HOOKENV_SECRET_NOT_FOUND'
  /** The secret tools are not on PATH: the model has no secrets (Juju before 3.0). */
  | 'ERR_HOOKENV_SECRETS_UNSUPPORTED'
  /** A write that needs leadership (our application's databag) was attempted by a non-leader. */
  | 'ERR_HOOKENV_NOT_LEADER';

/** Fields a {@link HookToolError} may carry besides its code and message. */
export interface HookToolErrorOptions {
  tool?: string | undefined;
  args?: readonly string[] | undefined;
  exitCode?: number | undefined;
  signal?: NodeJS.Signals | undefined;
  stderr?: string | undefined;
  variable?: string | undefined;
  cause?: unknown;
}

/**
 * The one error class of `@tls-client/hookenv`: a failed hook-tool call or an unusable hook
 * environment. Values are never included: `args` has values redacted and `stderr` is capped and
 * scrubbed of PEM blocks and of the values we sent.
 */
export class HookToolError extends Error {
  // A literal rather than this.constructor.name, which minifiers rename.
  override readonly name = 'HookToolError';
  readonly code: HookToolErrorCode;
  /** The hook tool concerned, e.g. `relation-get`. */
  readonly tool: string | undefined;
  /** The arguments passed, with values (leader-set values, log and status messages) redacted. */
  readonly args: readonly string[] | undefined;
  /** The exit code, when the tool exited on its own. */
  readonly exitCode: number | undefined;
  /** The signal that ended the tool (`SIGKILL` after a timeout). */
  readonly signal: NodeJS.Signals | undefined;
  /** The tool's stderr, capped at 4 KiB and redacted. */
  readonly stderr: string | undefined;
  /** The environment variable concerned, for `ERR_HOOKENV_MISSING_ENV` / `ERR_HOOKENV_INVALID_ENV`. */
  readonly variable: string | undefined;

  constructor(code: HookToolErrorCode, message: string, options: HookToolErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.tool = options.tool;
    this.args = options.args;
    this.exitCode = options.exitCode;
    this.signal = options.signal;
    this.stderr = options.stderr;
    this.variable = options.variable;
  }
}
