/**
 * Every code a {@link ProtocolError} can carry, for callers that build their own code union or
 * error table from it. The code is the contract; the message may change.
 *
 * - `ERR_PROTOCOL_INVALID_JSON`: a key read as JSON holds text that is not JSON.
 * - `ERR_PROTOCOL_INVALID_SHAPE`: a value is valid JSON (or a string) of the wrong shape, e.g.
 *   `cert_requests` is a list, a `sans` entry is not a string, or a v4 `ca` flag is a string.
 * - `ERR_PROTOCOL_MISSING_FIELD`: a required field is absent: a `processed_*` entry lacks `cert` or
 *   `key` (or one is empty), half of a legacy cert/key pair is published without the other, or a
 *   v4 entry lacks `ca`, `certificate_signing_request`, `certificate` or `csr`.
 * - `ERR_PROTOCOL_INVALID_PEM` (v4): a PEM field is not one well-formed PEM block of the expected
 *   type: junk inside the armour, a truncated body, a certificate where a CSR belongs, non-ASCII.
 * - `ERR_PROTOCOL_TOO_LARGE` (v4): a value is larger than the codec reads (see `MAX_PEM_LENGTH`),
 *   reported before it is parsed.
 */
export const PROTOCOL_ERROR_CODES = [
  'ERR_PROTOCOL_INVALID_JSON',
  'ERR_PROTOCOL_INVALID_SHAPE',
  'ERR_PROTOCOL_MISSING_FIELD',
  'ERR_PROTOCOL_INVALID_PEM',
  'ERR_PROTOCOL_TOO_LARGE',
] as const;

/** The union of {@link PROTOCOL_ERROR_CODES}. */
export type ProtocolErrorCode = (typeof PROTOCOL_ERROR_CODES)[number];

/** Options of the {@link ProtocolError} constructor. */
export interface ProtocolErrorOptions {
  /** The databag key at fault, e.g. `app_0.processed_requests`. */
  key?: string | undefined;
  /** The common name of the entry at fault inside a JSON map, when there is one. */
  commonName?: string | undefined;
  /** The position of the entry at fault inside a JSON list (v4), when there is one. */
  index?: number | undefined;
  /** The relation the value came from, when known. */
  relationId?: string | undefined;
  /** The unit whose databag held the value, when known. */
  unit?: string | undefined;
  /** The application whose databag held the value (v4 app databags), when known. */
  app?: string | undefined;
  cause?: unknown;
}

/**
 * The one error type of `@tls-client/protocol`: bad relation data. Caller mistakes (wrong argument
 * types) throw a plain `TypeError` instead. Messages name the key and describe the value by type and
 * size; they never contain the value itself, because relation values carry private keys.
 */
export class ProtocolError extends Error {
  // A literal rather than this.constructor.name, which minifiers rename.
  override readonly name = 'ProtocolError';
  readonly code: ProtocolErrorCode;
  /** The databag key at fault. Never its value. */
  readonly key: string | undefined;
  /** The common name of the entry at fault, when the fault is inside a JSON map. */
  readonly commonName: string | undefined;
  /** The position of the entry at fault, when the fault is inside a JSON list (v4). */
  readonly index: number | undefined;
  /** The relation the value came from, when known. */
  readonly relationId: string | undefined;
  /** The unit whose databag held the value, when known. */
  readonly unit: string | undefined;
  /** The application whose databag held the value, when known. */
  readonly app: string | undefined;

  constructor(code: ProtocolErrorCode, message: string, options: ProtocolErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.key = options.key;
    this.commonName = options.commonName;
    this.index = options.index;
    this.relationId = options.relationId;
    this.unit = options.unit;
    this.app = options.app;
  }
}

/**
 * The result of a decoder that returns instead of throwing, in the style of zod's `safeParse`.
 */
export type Decoded<T> =
  | { ok: true; value: T; error?: never }
  | { ok: false; value?: never; error: ProtocolError };

/** Describes a value for an error message without revealing it: its type and size. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list of ${value.length} item${value.length === 1 ? '' : 's'}`;
  switch (typeof value) {
    case 'string':
      return `a string of ${value.length} character${value.length === 1 ? '' : 's'}`;
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    case 'object':
      return `an object with ${Object.keys(value as object).length} key(s)`;
    default:
      return typeof value;
  }
}

/** Truncates a name (a key or a common name from outside) before it goes into a message. */
export function quoteName(name: string, max = 64): string {
  const shown = name.length > max ? `${name.slice(0, max)}…` : name;
  return JSON.stringify(shown);
}
