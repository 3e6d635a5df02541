/**
 * Stable codes of {@link ProtocolError}. The code is the contract; the message may change.
 *
 * - `ERR_PROTOCOL_INVALID_JSON`: a key read through the JSON view holds text that is not JSON.
 * - `ERR_PROTOCOL_INVALID_SHAPE`: a value is valid JSON (or a string) of the wrong shape, e.g.
 *   `cert_requests` is a list, or a `sans` entry is not a string.
 * - `ERR_PROTOCOL_MISSING_FIELD`: a `processed_*` entry lacks `cert` or `key`, or one of them is empty
 *   (the Python requirer raises here; we skip the entry and report it), or half of a cert/key pair
 *   is published without the other.
 */
export type ProtocolErrorCode =
  | 'ERR_PROTOCOL_INVALID_JSON'
  | 'ERR_PROTOCOL_INVALID_SHAPE'
  | 'ERR_PROTOCOL_MISSING_FIELD';

/** Options of the {@link ProtocolError} constructor. */
export interface ProtocolErrorOptions {
  /** The databag key at fault, e.g. `app_0.processed_requests`. */
  key?: string;
  /** The common name of the entry at fault inside a JSON map, when there is one. */
  commonName?: string;
  /** The relation the value came from, when known. */
  relationId?: string;
  /** The unit whose databag held the value, when known. */
  unit?: string;
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
  /** The relation the value came from, when known. */
  readonly relationId: string | undefined;
  /** The unit whose databag held the value, when known. */
  readonly unit: string | undefined;

  constructor(code: ProtocolErrorCode, message: string, options: ProtocolErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.key = options.key;
    this.commonName = options.commonName;
    this.relationId = options.relationId;
    this.unit = options.unit;
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
