import type { z } from 'zod';
import { ProviderDatabag, RequirerDatabag } from './databag-schemas.js';
import { type Decoded, describeValue, ProtocolError, type ProtocolErrorCode, quoteName } from './errors.js';
import { isPlainRecord } from './fields.js';
import { parseJsonView } from './py-json.js';
import type { Databag } from './types.js';

const REQUIRER_JSON_KEYS = new Set([
  'sans',
  'cert_requests',
  'client_cert_requests',
  'application_cert_requests',
  'intermediate_cert_requests',
]);

/** Turns the first schema issue into a ProtocolError naming the key, without the value. */
function toProtocolError(
  error: z.ZodError,
  data: Databag,
  isJsonKey: (key: string) => boolean,
): ProtocolError {
  const issue = error.issues[0]!;
  const [first, ...rest] = issue.path;
  const key = String(first ?? '');
  const raw = Object.hasOwn(data, key) ? (data as Record<string, unknown>)[key] : undefined;
  let value: unknown = typeof raw === 'string' && isJsonKey(key) ? parseJsonView(raw) : raw;
  const jsonFailed = typeof raw === 'string' && raw !== '' && isJsonKey(key) && value === raw;
  for (const segment of rest)
    value =
      isPlainRecord(value) || Array.isArray(value)
        ? (value as Record<PropertyKey, unknown>)[segment as string]
        : undefined;
  const commonName = rest.length > 0 && typeof rest[0] === 'string' ? rest[0] : undefined;
  const where =
    rest.length > 1
      ? ` at ${rest
          .slice(1)
          .map((s) => quoteName(String(s)))
          .join('.')}`
      : '';
  const entry = commonName === undefined ? '' : ` entry ${quoteName(commonName)}`;
  let code: ProtocolErrorCode;
  let what: string;
  if (jsonFailed && rest.length === 0) {
    code = 'ERR_PROTOCOL_INVALID_JSON';
    what = `must hold JSON (got ${describeValue(raw)} that is not JSON)`;
  } else if (value === undefined && rest.length > 1) {
    code = 'ERR_PROTOCOL_MISSING_FIELD';
    what = `has no ${quoteName(String(rest[rest.length - 1]))}`;
  } else {
    code = 'ERR_PROTOCOL_INVALID_SHAPE';
    what = `has the wrong shape${where} (${issue.message}; got ${describeValue(value)})`;
  }
  return new ProtocolError(code, `relation key ${quoteName(key)}${entry} ${what}`, {
    key,
    commonName,
    cause: error,
  });
}

function assertDatabag(data: unknown, fn: string): void {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new TypeError(`${fn}: data must be an object of strings`);
  }
}

/**
 * Strictly decodes a requirer unit databag with the {@link RequirerDatabag} schema: returns the decoded
 * value, or the first fault as a ProtocolError. Never throws for bad relation data.
 */
export function safeParseRequirerDatabag(data: Databag): Decoded<RequirerDatabag> {
  assertDatabag(data, 'safeParseRequirerDatabag');
  const result = RequirerDatabag.safeParse(data);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, error: toProtocolError(result.error, data, (key) => REQUIRER_JSON_KEYS.has(key)) };
}

/**
 * Strictly decodes a requirer unit databag; see {@link safeParseRequirerDatabag}.
 * @throws ProtocolError for the first value of the wrong shape, with its code and key.
 */
export function parseRequirerDatabag(data: Databag): RequirerDatabag {
  const result = safeParseRequirerDatabag(data);
  if (!result.ok) throw result.error;
  return result.value;
}

/**
 * Strictly decodes a provider unit databag with the {@link ProviderDatabag} schema: returns the decoded
 * value, or the first fault as a ProtocolError. Never throws for bad relation data.
 */
export function safeParseProviderDatabag(data: Databag): Decoded<ProviderDatabag> {
  assertDatabag(data, 'safeParseProviderDatabag');
  const result = ProviderDatabag.safeParse(data);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, error: toProtocolError(result.error, data, (key) => key.includes('.processed_')) };
}

/**
 * Strictly decodes a provider unit databag; see {@link safeParseProviderDatabag}.
 * @throws ProtocolError for the first value of the wrong shape, with its code and key.
 */
export function parseProviderDatabag(data: Databag): ProviderDatabag {
  const result = safeParseProviderDatabag(data);
  if (!result.ok) throw result.error;
  return result.value;
}
