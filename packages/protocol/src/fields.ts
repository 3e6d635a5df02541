// Internal: reading JSON-view fields of a databag with the Python semantics, collecting problems
// instead of throwing. Not exported from the package.
import { describeValue, ProtocolError, type ProtocolErrorCode, quoteName } from './errors.js';
import { parseJsonView } from './py-json.js';

/** Where a value came from, for error reports. */
export interface Origin {
  relationId?: string | undefined;
  unit?: string | undefined;
}

export class Problems {
  readonly list: ProtocolError[] = [];

  add(
    code: ProtocolErrorCode,
    key: string,
    what: string,
    origin: Origin | undefined,
    commonName?: string,
  ): void {
    const entry = commonName === undefined ? '' : ` entry ${quoteName(commonName)}`;
    const from =
      origin?.unit === undefined
        ? ''
        : ` (from ${origin.unit}${origin.relationId === undefined ? '' : ` on ${origin.relationId}`})`;
    this.list.push(
      new ProtocolError(code, `relation key ${quoteName(key)}${entry} ${what}${from}`, {
        key,
        commonName,
        relationId: origin?.relationId,
        unit: origin?.unit,
      }),
    );
  }
}

/** Python truthiness of a decoded JSON value. */
export function isPyFalsy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') {
    for (const _ in value) return false;
    return true;
  }
  return false;
}

export function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads a JSON-view key that must hold an object, as `received[key] or {}` does: absent and falsy
 * values give `undefined` (nothing there); a non-object is reported and gives `undefined`.
 */
export function readJsonMap(
  data: Readonly<Record<string, string>>,
  key: string,
  problems: Problems,
  origin: Origin | undefined,
  expected: string,
): Record<string, unknown> | undefined {
  if (!Object.hasOwn(data, key)) return undefined;
  const raw = data[key];
  if (typeof raw !== 'string') return undefined;
  const value = parseJsonView(raw);
  if (isPyFalsy(value)) return undefined;
  if (isPlainRecord(value)) return value;
  // parseJsonView returns the raw text itself only when it is not JSON.
  if (value === raw) {
    problems.add(
      'ERR_PROTOCOL_INVALID_JSON',
      key,
      `must hold a JSON object ${expected} (got ${describeValue(value)} that is not JSON)`,
      origin,
    );
  } else {
    problems.add(
      'ERR_PROTOCOL_INVALID_SHAPE',
      key,
      `must hold a JSON object ${expected} (got ${describeValue(value)})`,
      origin,
    );
  }
  return undefined;
}

/**
 * A SAN list: an array of strings (copied), or `null` for a Python-falsy value (null, absent, 0, …).
 * `raw` is the stored text when `value` was read from it through the JSON view.
 */
export function readSans(
  value: unknown,
  key: string,
  problems: Problems,
  origin: Origin | undefined,
  commonName?: string,
  raw?: string,
): string[] | null | 'invalid' {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (typeof value[i] !== 'string') {
        problems.add(
          'ERR_PROTOCOL_INVALID_SHAPE',
          key,
          `must list SANs as strings (item ${i} is ${describeValue(value[i])})`,
          origin,
          commonName,
        );
        return 'invalid';
      }
    }
    return value.slice() as string[];
  }
  // Python reads SANs as `sans or []`, so null, absent, 0, false and "" all mean "none".
  if (isPyFalsy(value)) return null;
  const notJson = raw !== undefined && value === raw;
  problems.add(
    notJson ? 'ERR_PROTOCOL_INVALID_JSON' : 'ERR_PROTOCOL_INVALID_SHAPE',
    key,
    `must hold a JSON list of SAN strings (got ${describeValue(value)}${notJson ? ' that is not JSON' : ''})`,
    origin,
    commonName,
  );
  return 'invalid';
}

/** A `{ "cert": …, "key": … }` entry of a `processed_*` map; both must be non-empty strings. */
export function readCertEntry(
  entry: unknown,
  key: string,
  commonName: string,
  problems: Problems,
  origin: Origin | undefined,
): { cert: string; key: string } | undefined {
  if (!isPlainRecord(entry)) {
    problems.add(
      'ERR_PROTOCOL_INVALID_SHAPE',
      key,
      `must be an object with "cert" and "key" (got ${describeValue(entry)})`,
      origin,
      commonName,
    );
    return undefined;
  }
  const cert = entry.cert;
  const privateKey = entry.key;
  for (const [field, value] of [
    ['cert', cert],
    ['key', privateKey],
  ] as const) {
    if (value === undefined || value === null || value === '') {
      problems.add('ERR_PROTOCOL_MISSING_FIELD', key, `has no ${JSON.stringify(field)}`, origin, commonName);
      return undefined;
    }
    if (typeof value !== 'string') {
      problems.add(
        'ERR_PROTOCOL_INVALID_SHAPE',
        key,
        `must hold ${JSON.stringify(field)} as a string (got ${describeValue(value)})`,
        origin,
        commonName,
      );
      return undefined;
    }
  }
  return { cert: cert as string, key: privateKey as string };
}
