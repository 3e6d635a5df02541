import { z } from 'zod';
import { isPyFalsy } from './fields.js';
import { parseJsonView } from './py-json.js';

/**
 * A value stored through the reactive JSON view: parsed with {@link parseJsonView}; a Python-falsy
 * result (`""`, `null`, `{}`, `[]`, `0`, `false`) becomes `empty`, as `received[key] or {}` does.
 */
function jsonView<T extends z.ZodType>(schema: T, empty: unknown) {
  return z
    .string()
    .transform((raw) => {
      const value = parseJsonView(raw);
      return isPyFalsy(value) && !(Array.isArray(value) && empty === null) ? empty : value;
    })
    .pipe(schema);
}

/** SANs: a list of strings, or a Python-falsy value (`null`, `0`, `""`, `false`) read as `null`. */
export const Sans = z.union([
  z.array(z.string()),
  z.custom<unknown>((value) => !Array.isArray(value) && isPyFalsy(value)).transform((): null => null),
]);
export type Sans = z.output<typeof Sans>;

/** One entry of a requirer request map: `{"sans": [...] | null}`. Extra fields are ignored. */
export const RequestEntry = z.object({ sans: Sans });
export type RequestEntry = z.output<typeof RequestEntry>;

/**
 * Like `z.record(z.string(), entry)`, but every own key counts, "__proto__" included (zod's record
 * skips that key, while the decoders and Python treat it as an ordinary common name).
 */
function ownRecord<T extends z.ZodType>(entry: T, options: { nonEmptyKeys: boolean }) {
  return z.unknown().transform((input, ctx) => {
    const out: Record<string, z.output<T>> = {};
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      ctx.addIssue({ code: 'custom', message: 'Invalid input: expected an object' });
      return z.NEVER;
    }
    for (const key of Object.keys(input)) {
      if (options.nonEmptyKeys && key === '') {
        ctx.addIssue({ code: 'custom', message: 'Invalid key: empty common name', path: [key] });
        continue;
      }
      const parsed = entry.safeParse((input as Record<string, unknown>)[key]);
      if (parsed.success) {
        Object.defineProperty(out, key, {
          value: parsed.data,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else {
        for (const issue of parsed.error.issues) {
          ctx.addIssue({ code: 'custom', message: issue.message, path: [key, ...issue.path] });
        }
      }
    }
    return out;
  });
}

/** A requirer request map: common name (non-empty) → {@link RequestEntry}. */
export const RequestMap = ownRecord(RequestEntry, { nonEmptyKeys: true });
export type RequestMap = z.output<typeof RequestMap>;

/** One answer of a provider `processed_*` map: non-empty `cert` and `key` strings. */
export const CertEntry = z.object({ cert: z.string().min(1), key: z.string().min(1) });
export type CertEntry = z.output<typeof CertEntry>;

/** A provider `processed_*` map: common name (or `app_data`) → {@link CertEntry}. */
export const CertMap = ownRecord(CertEntry, { nonEmptyKeys: false });
export type CertMap = z.output<typeof CertMap>;

/**
 * A requirer unit databag (raw strings in, decoded values out). JSON-view keys are parsed; a falsy
 * JSON value reads as empty. Unknown keys (Juju's `private-address`, …) are ignored.
 */
export const RequirerDatabag = z.object({
  unit_name: z.string().optional(),
  common_name: z.string().optional(),
  certificate_name: z.string().optional(),
  sans: jsonView(Sans, null).optional(),
  cert_requests: jsonView(RequestMap, {}).optional(),
  client_cert_requests: jsonView(RequestMap, {}).optional(),
  application_cert_requests: jsonView(RequestMap, {}).optional(),
  intermediate_cert_requests: jsonView(RequestMap, {}).optional(),
});
export type RequirerDatabag = z.output<typeof RequirerDatabag>;

/** The answers a provider published for one requirer unit, as {@link ProviderDatabag} groups them. */
export interface ProviderUnitAnswers {
  'server.cert'?: string;
  'server.key'?: string;
  processed_requests?: CertMap;
  processed_client_requests?: CertMap;
  processed_application_requests?: CertMap;
  processed_intermediate_requests?: CertMap;
}

const UNIT_KEY =
  /^(.+)\.(server\.cert|server\.key|processed_requests|processed_client_requests|processed_application_requests|processed_intermediate_requests)$/;
const RAW_KEYS = ['ca', 'chain', 'client.cert', 'client.key'] as const;
const CertMapView = jsonView(CertMap, {});

/**
 * A provider unit databag (raw strings in): `ca`, `chain`, `client.cert`, `client.key`, and the
 * per-requirer-unit keys grouped under `units[<U>]` with their JSON maps parsed. Unknown keys are
 * ignored; a known key of the wrong shape fails with the key in the issue path.
 */
export const ProviderDatabag = z.record(z.string(), z.unknown()).transform((data, ctx) => {
  const out: {
    ca?: string;
    chain?: string;
    'client.cert'?: string;
    'client.key'?: string;
    units: Record<string, ProviderUnitAnswers>;
  } = { units: Object.create(null) };
  for (const key of RAW_KEYS) {
    const value = data[key];
    if (value === undefined) continue;
    if (typeof value === 'string') out[key] = value;
    else ctx.addIssue({ code: 'custom', message: `${key} must be a string`, path: [key] });
  }
  for (const key of Object.keys(data)) {
    const match = UNIT_KEY.exec(key);
    if (match === null) continue;
    const [, unit = '', field = ''] = match;
    const answers = out.units[unit] ?? {};
    out.units[unit] = answers;
    const value = data[key];
    if (field === 'server.cert' || field === 'server.key') {
      if (typeof value === 'string') answers[field] = value;
      else ctx.addIssue({ code: 'custom', message: `${key} must be a string`, path: [key] });
      continue;
    }
    const parsed = CertMapView.safeParse(value);
    if (parsed.success)
      answers[field as Exclude<keyof ProviderUnitAnswers, 'server.cert' | 'server.key'>] = parsed.data;
    else {
      for (const issue of parsed.error.issues) {
        ctx.addIssue({ code: 'custom', message: issue.message, path: [key, ...issue.path] });
      }
    }
  }
  return out;
});
export type ProviderDatabag = z.output<typeof ProviderDatabag>;
