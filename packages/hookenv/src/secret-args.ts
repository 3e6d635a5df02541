// The argv and output of Juju's secret tools, kept apart from the process handling: validation of
// what the caller passes, the flags we send, the content files that keep values out of argv, and
// the parsing of `secret-add`, `secret-info-get` and `secret-ids` output.
import { constants } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Who owns a secret: the application (managed by its leader) or one unit. */
export type SecretOwner = 'application' | 'unit';
/** Juju's rotation policies (`--rotate`). */
export type SecretRotatePolicy = 'never' | 'hourly' | 'daily' | 'weekly' | 'monthly' | 'quarterly' | 'yearly';

/** Options of {@link HookTools.secretAdd}. */
export interface SecretAddOptions {
  /** `--label`: unique per owner; names the secret in hooks (`JUJU_SECRET_LABEL`). */
  label?: string | undefined;
  /** `--description`. */
  description?: string | undefined;
  /** `--expire`: a time, or a Go duration such as `'24h'`. Juju fires `secret-expired` then. */
  expire?: Date | string | undefined;
  /** `--rotate`. */
  rotate?: SecretRotatePolicy | undefined;
  /** `--owner`. Default (Juju's) `application`, which needs leadership. */
  owner?: SecretOwner | undefined;
}

/** Options of {@link HookTools.secretSet}: new content makes a new revision; the rest is metadata. */
export interface SecretSetOptions {
  content?: Readonly<Record<string, string>> | undefined;
  label?: string | undefined;
  description?: string | undefined;
  expire?: Date | string | undefined;
  rotate?: SecretRotatePolicy | undefined;
}

/** Options of {@link HookTools.secretGet}: `id`, `label`, or both (which sets the label). */
export interface SecretGetOptions {
  id?: string | undefined;
  label?: string | undefined;
  /** `--refresh`: read the latest revision and track it from now on. */
  refresh?: boolean | undefined;
  /** `--peek`: read the latest revision this once, keep tracking the old one. */
  peek?: boolean | undefined;
}

/** `secret-info-get` output for one secret (owners only). */
export interface SecretInfo {
  /** The id as Juju keys its output (the bare id). */
  id: string;
  revision: number;
  label: string | undefined;
  description: string | undefined;
  owner: SecretOwner | undefined;
  /** When the latest revision expires. */
  expiry: Date | undefined;
  rotation: SecretRotatePolicy | undefined;
  /** The next rotation. */
  rotates: Date | undefined;
}

/** A parsed secret URI. */
export interface SecretUri {
  /** The bare id, e.g. `9m4e2mr0ui3e8a215n4g`. */
  id: string;
  /** The model uuid of `secret://<model-uuid>/<id>` (Juju 3.1+), else undefined. */
  modelUuid: string | undefined;
}

const ID = /^[0-9a-z]{20}$/;
// Strict on the shape, lenient on the id's alphabet: Juju uses 20-character xids, other agents and
// simulators may not.
const URI = /^secret:(?:\/\/([A-Za-z0-9-]+)\/)?([A-Za-z0-9][A-Za-z0-9_-]{0,127})$/;
const KEY = /^[a-z](?:-?[a-z0-9]){2,}$/;
const ROTATE: ReadonlySet<string> = new Set([
  'never',
  'hourly',
  'daily',
  'weekly',
  'monthly',
  'quarterly',
  'yearly',
]);
const DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)?$/;

/**
 * Parses `secret:<id>`, `secret://<model-uuid>/<id>` (what `secret-add` prints since Juju 3.1), or
 * a bare id. Returns undefined for anything else.
 */
export function parseSecretUri(text: string): SecretUri | undefined {
  if (typeof text !== 'string') return undefined;
  if (ID.test(text)) return { id: text, modelUuid: undefined };
  const match = URI.exec(text);
  return match === null ? undefined : { id: match[2]!, modelUuid: match[1] };
}

/** Throws TypeError unless `id` is a secret URI or id. */
export function checkSecretId(fn: string, id: string): void {
  if (parseSecretUri(id) === undefined) {
    throw new TypeError(
      `${fn}: id must be a secret URI like "secret:<id>" (got ${JSON.stringify(String(id).slice(0, 80))})`,
    );
  }
}

function checkText(fn: string, what: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value === '')
    throw new TypeError(`${fn}: ${what} must be a non-empty string`);
  if (value.includes('\0')) throw new TypeError(`${fn}: ${what} must not contain NUL`);
}

/** `--expire` value: a Date as RFC 3339 in UTC to the second, or a checked duration/time string. */
function expireArg(fn: string, expire: Date | string): string {
  if (expire instanceof Date) {
    if (Number.isNaN(expire.getTime())) throw new TypeError(`${fn}: expire is an invalid Date`);
    return `${expire.toISOString().slice(0, 19)}Z`;
  }
  if (typeof expire !== 'string' || !(DURATION.test(expire) || TIME.test(expire))) {
    throw new TypeError(`${fn}: expire must be a Date, a duration like "24h" or an RFC 3339 time`);
  }
  return expire;
}

/** The metadata flags of secret-add/secret-set, in `--flag=value` form so a value may start with "-". */
export function metadataArgs(fn: string, options: SecretAddOptions & SecretSetOptions): string[] {
  const args: string[] = [];
  if (options.label !== undefined) {
    checkText(fn, 'label', options.label);
    args.push(`--label=${options.label}`);
  }
  if (options.description !== undefined) {
    if (typeof options.description !== 'string') throw new TypeError(`${fn}: description must be a string`);
    args.push(`--description=${options.description}`);
  }
  if (options.expire !== undefined) args.push(`--expire=${expireArg(fn, options.expire)}`);
  if (options.rotate !== undefined) {
    if (!ROTATE.has(options.rotate))
      throw new TypeError(`${fn}: rotate must be one of ${[...ROTATE].join(', ')}`);
    args.push(`--rotate=${options.rotate}`);
  }
  if (options.owner !== undefined) {
    if (options.owner !== 'application' && options.owner !== 'unit') {
      throw new TypeError(`${fn}: owner must be "application" or "unit"`);
    }
    args.push(`--owner=${options.owner}`);
  }
  return args;
}

/** Checks secret content: keys as Juju requires (lower case, digits, "-", 3+), string values. */
export function checkContent(fn: string, content: Readonly<Record<string, string>>): [string, string][] {
  if (content === null || typeof content !== 'object' || Array.isArray(content)) {
    throw new TypeError(`${fn}: content must be an object of strings`);
  }
  const entries = Object.entries(content);
  if (entries.length === 0) throw new TypeError(`${fn}: content must have at least one key`);
  for (const [key, value] of entries) {
    if (!KEY.test(key)) {
      throw new TypeError(
        `${fn}: content key ${JSON.stringify(key.slice(0, 64))} must be lower-case letters, digits and "-", at least 3 characters, starting with a letter`,
      );
    }
    if (typeof value !== 'string') throw new TypeError(`${fn}: the value of "${key}" must be a string`);
  }
  return entries;
}

/**
 * Writes each value to its own file, mode 0600 (O_EXCL), in a fresh 0700 directory, runs `fn` with
 * the `key#file=PATH` arguments, and removes the directory afterwards, also when `fn` fails. This is
 * how ops keeps secret content out of argv.
 */
export async function withContentFiles<T>(
  entries: readonly [string, string][],
  fn: (args: string[]) => Promise<T>,
  dir: string = tmpdir(),
): Promise<T> {
  // mkdtemp creates the directory 0700, so no other user can even list the file names.
  const temp = await mkdtemp(join(dir, 'hookenv-secret-'));
  try {
    const args: string[] = [];
    for (const [key, value] of entries) {
      const path = join(temp, key);
      const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      try {
        await handle.writeFile(value, 'utf8');
      } finally {
        await handle.close();
      }
      args.push(`${key}#file=${path}`);
    }
    return await fn(args);
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/** Thrown by the parsers below; HookTools turns it into ERR_HOOKENV_BAD_OUTPUT. */
export class SecretShapeError extends Error {}

function optionalString(data: Record<string, unknown>, key: string): string | undefined {
  const value = data[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new SecretShapeError(`"${key}" is not a string`);
  return value;
}

function optionalDate(data: Record<string, unknown>, key: string): Date | undefined {
  const text = optionalString(data, key);
  if (text === undefined) return undefined;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new SecretShapeError(`"${key}" is not a time`);
  return date;
}

/** `secret-info-get --format=json`: `{"<id>": {revision, label, owner, expiry, rotation, rotates, …}}`. */
export function parseSecretInfo(value: unknown): SecretInfo {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new SecretShapeError('expected a JSON object keyed by the secret id');
  }
  const entries = Object.entries(value);
  if (entries.length !== 1) throw new SecretShapeError(`expected one secret, got ${entries.length}`);
  const [id, raw] = entries[0]!;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new SecretShapeError('the secret info is not an object');
  }
  const data = raw as Record<string, unknown>;
  if (!Number.isInteger(data.revision)) throw new SecretShapeError('"revision" is not an integer');
  const owner = optionalString(data, 'owner');
  if (owner !== undefined && owner !== 'application' && owner !== 'unit') {
    throw new SecretShapeError('"owner" is not "application" or "unit"');
  }
  const rotation = optionalString(data, 'rotation');
  if (rotation !== undefined && !ROTATE.has(rotation))
    throw new SecretShapeError('"rotation" is not a policy');
  return {
    id,
    revision: data.revision as number,
    label: optionalString(data, 'label'),
    description: optionalString(data, 'description'),
    owner,
    expiry: optionalDate(data, 'expiry'),
    rotation: rotation as SecretRotatePolicy | undefined,
    rotates: optionalDate(data, 'rotates'),
  };
}
