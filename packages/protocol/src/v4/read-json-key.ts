// Internal: the shared reading rules of the v4 decoders. A fault becomes a ProtocolError in a list,
// never an exception, and names the key, the entry index and the databag it came from.
import { describeValue, ProtocolError, type ProtocolErrorCode, quoteName } from '../errors.js';
import type { Databag } from '../types.js';

/**
 * The longest databag value the v4 decoders parse, in characters. Juju keeps a relation's settings
 * in one MongoDB document of at most 16 MiB, so no real value is longer.
 */
export const MAX_VALUE_LENGTH = 16 * 1024 * 1024;

/** Where a value came from, for error reports. */
export interface Where {
  relationId?: string | undefined;
  unit?: string | undefined;
  app?: string | undefined;
}

export class V4Problems {
  readonly list: ProtocolError[] = [];

  add(code: ProtocolErrorCode, key: string, what: string, where: Where, index?: number): void {
    const entry = index === undefined ? '' : ` entry ${index}`;
    const owner = where.unit ?? where.app;
    const from =
      owner === undefined
        ? ''
        : ` (from ${owner}${where.relationId === undefined ? '' : ` on ${where.relationId}`})`;
    this.list.push(
      new ProtocolError(code, `relation key ${quoteName(key)}${entry} ${what}${from}`, {
        key,
        index,
        relationId: where.relationId,
        unit: where.unit,
        app: where.app,
      }),
    );
  }
}

export function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An own field of a decoded JSON object; `JSON.parse` makes `__proto__` an own key, never a prototype. */
export function own(record: Record<string, unknown>, field: string): unknown {
  return Object.hasOwn(record, field) ? record[field] : undefined;
}

export function assertDatabag(data: unknown, what: string): asserts data is Databag {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new TypeError(`${what} must be an object of strings`);
  }
}

/**
 * The JSON value of `key`: `undefined` when the key is absent or empty (Juju's "unset"), or when
 * it cannot be read, which is reported. Size is checked before parsing.
 */
export function readJsonKey(data: Databag, key: string, problems: V4Problems, where: Where): unknown {
  if (!Object.hasOwn(data, key)) return undefined;
  const raw: unknown = data[key];
  if (raw === '' || raw === undefined) return undefined;
  if (typeof raw !== 'string') {
    problems.add('ERR_PROTOCOL_INVALID_SHAPE', key, `must be a string (got ${describeValue(raw)})`, where);
    return undefined;
  }
  if (raw.length > MAX_VALUE_LENGTH) {
    problems.add(
      'ERR_PROTOCOL_TOO_LARGE',
      key,
      `is ${raw.length} characters, more than the ${MAX_VALUE_LENGTH} a databag value can hold`,
      where,
    );
    return undefined;
  }
  try {
    return JSON.parse(raw);
  } catch {
    problems.add(
      'ERR_PROTOCOL_INVALID_JSON',
      key,
      `must hold JSON (got ${describeValue(raw)} that is not JSON)`,
      where,
    );
    return undefined;
  }
}

/** The JSON list of `key`, or `undefined` when absent, unreadable or not a list (reported). */
export function readJsonList(
  data: Databag,
  key: string,
  problems: V4Problems,
  where: Where,
): unknown[] | undefined {
  const value = readJsonKey(data, key, problems, where);
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    problems.add(
      'ERR_PROTOCOL_INVALID_SHAPE',
      key,
      `must hold a JSON list (got ${describeValue(value)})`,
      where,
    );
    return undefined;
  }
  return value;
}
