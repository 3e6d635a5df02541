import {
  type BigIntStats,
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readFileSync,
} from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { FlagsError } from './errors.js';

/** The format version this release writes. Files of an older version are migrated on load. */
export const STATE_FILE_VERSION = 1;

/** The state file's name inside the state directory. */
export const STATE_FILE_NAME = 'flags.json';

/** The directory created under the charm directory when no other location is given. */
export const DEFAULT_STATE_SUBDIR = '.tls-client';

/** Where the state lives; see {@link resolveStatePath}. */
export interface StateLocationOptions {
  /** Full path of the state file. Wins over everything else. */
  path?: string;
  /** Directory of the state file (file name `flags.json`). Wins over `TLS_CLIENT_STATE_DIR`. */
  stateDir?: string;
  /** The charm directory; the state goes to `<charmDir>/.tls-client/flags.json`. */
  charmDir?: string;
  /** Environment to read `TLS_CLIENT_STATE_DIR`, `JUJU_CHARM_DIR` and `CHARM_DIR` from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** In-memory state. Values are kept as their JSON text, so copies and comparisons are cheap. */
export interface State {
  flags: Set<string>;
  values: Map<string, string>;
  hashes: Map<string, string>;
}

export function emptyState(): State {
  return { flags: new Set(), values: new Map(), hashes: new Map() };
}

export function cloneState(state: State): State {
  return { flags: new Set(state.flags), values: new Map(state.values), hashes: new Map(state.hashes) };
}

/**
 * Resolves the state file path: `path`, else `<stateDir>/flags.json`, else
 * `$TLS_CLIENT_STATE_DIR/flags.json`, else `<charmDir | $JUJU_CHARM_DIR | $CHARM_DIR>/.tls-client/flags.json`.
 * `ownDir` is true when the directory is the `.tls-client` one this package owns (and keeps at 0700).
 * @throws FlagsError `ERR_FLAGS_NO_STATE_DIR` when none of them is set.
 */
export function resolveStatePath(options: StateLocationOptions = {}): { path: string; ownDir: boolean } {
  const env = options.env ?? process.env;
  const nonEmpty = (value: string | undefined): string | undefined => (value ? value : undefined);
  if (options.path !== undefined) {
    if (typeof options.path !== 'string' || options.path === '')
      throw new TypeError('path must be a non-empty string');
    return { path: resolve(options.path), ownDir: false };
  }
  const stateDir = nonEmpty(options.stateDir) ?? nonEmpty(env.TLS_CLIENT_STATE_DIR);
  if (stateDir !== undefined) return { path: resolve(stateDir, STATE_FILE_NAME), ownDir: false };
  const charmDir = nonEmpty(options.charmDir) ?? nonEmpty(env.JUJU_CHARM_DIR) ?? nonEmpty(env.CHARM_DIR);
  if (charmDir !== undefined) {
    return { path: resolve(charmDir, DEFAULT_STATE_SUBDIR, STATE_FILE_NAME), ownDir: true };
  }
  throw new FlagsError(
    'ERR_FLAGS_NO_STATE_DIR',
    'no location for the flag state: pass path, stateDir or charmDir, or set TLS_CLIENT_STATE_DIR, JUJU_CHARM_DIR or CHARM_DIR',
  );
}

/**
 * Migrations from older format versions, keyed by the version they read. Each returns a document of
 * the next version. Empty while only version 1 exists; the load path already runs through it.
 */
const MIGRATIONS: ReadonlyMap<number, (doc: Record<string, unknown>) => Record<string, unknown>> = new Map();

const describe = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;

/** Identity of a file version: every writer replaces the file by rename, so any change shows here. */
export function signatureOf(st: BigIntStats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

/** The current signature of the file at `path`, `absent` when there is none, or undefined when unknown. */
export function currentSignature(path: string): string | undefined {
  try {
    return signatureOf(lstatSync(path, { bigint: true }));
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'absent' : undefined;
  }
}

/**
 * Reads and validates the state file, with the signature of the version read. `state` is undefined
 * (and `signature` is `absent`) when the file does not exist (a unit's first hook). Never returns an
 * empty state for a file that exists but is bad.
 * @throws FlagsError `ERR_FLAGS_UNREADABLE`, `ERR_FLAGS_CORRUPT` or `ERR_FLAGS_UNSUPPORTED_VERSION`.
 */
export function readStateFileWithSignature(path: string): { state: State | undefined; signature: string } {
  let text: string;
  let fd: number;
  let signature: string;
  try {
    // O_NOFOLLOW: the state file is always a regular file we renamed into place, never a symlink.
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { state: undefined, signature: 'absent' };
    const why =
      code === 'ELOOP'
        ? 'it is a symbolic link'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code;
    throw new FlagsError('ERR_FLAGS_UNREADABLE', `flag state file ${path} cannot be read: ${why}`, {
      path,
      cause: error,
    });
  }
  try {
    const st = fstatSync(fd, { bigint: true });
    signature = signatureOf(st);
    if (!st.isFile()) {
      throw new FlagsError('ERR_FLAGS_UNREADABLE', `flag state file ${path} is not a regular file`, { path });
    }
    text = readFileSync(fd, 'utf8');
  } catch (error) {
    if (error instanceof FlagsError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'I/O error';
    throw new FlagsError('ERR_FLAGS_UNREADABLE', `flag state file ${path} cannot be read: ${code}`, {
      path,
      cause: error,
    });
  } finally {
    closeSync(fd);
  }
  return { state: parseStateText(text, path), signature };
}

/** Parses the text of a state file; `path` is only for messages. */
export function parseStateText(text: string, path: string): State {
  const corrupt = (what: string, cause?: unknown): FlagsError =>
    new FlagsError(
      'ERR_FLAGS_CORRUPT',
      `flag state file ${path} is corrupt: ${what}; move it aside with FlagStore.recover() to start empty`,
      { path, cause },
    );
  if (text.length === 0) throw corrupt('it is empty');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    // The JSON error text may quote file content, so it stays in `cause` only.
    throw corrupt(`not valid JSON (${text.length} bytes, possibly truncated)`, error);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw corrupt(`expected a JSON object, got ${describe(doc)}`);
  }
  let record = doc as Record<string, unknown>;
  let version = record.version;
  while (typeof version === 'number' && version !== STATE_FILE_VERSION) {
    const migrate = MIGRATIONS.get(version);
    if (migrate === undefined) break;
    record = migrate(record);
    version = record.version;
  }
  if (version !== STATE_FILE_VERSION) {
    const newer = typeof version === 'number' && version > STATE_FILE_VERSION;
    const shown = typeof version === 'number' ? String(version) : describe(version);
    throw new FlagsError(
      'ERR_FLAGS_UNSUPPORTED_VERSION',
      `flag state file ${path} has format version ${shown}; this release of @tls-client/flags reads version ${STATE_FILE_VERSION}${newer ? ' (the file was written by a newer release; upgrade instead of overwriting it)' : ''}`,
      { path },
    );
  }
  const { flags, values, hashes } = record;
  if (!Array.isArray(flags)) throw corrupt(`"flags" must be an array, got ${describe(flags)}`);
  if (typeof values !== 'object' || values === null || Array.isArray(values)) {
    throw corrupt(`"values" must be an object, got ${describe(values)}`);
  }
  if (typeof hashes !== 'object' || hashes === null || Array.isArray(hashes)) {
    throw corrupt(`"hashes" must be an object, got ${describe(hashes)}`);
  }
  const state = emptyState();
  for (let i = 0; i < flags.length; i++) {
    const flag: unknown = flags[i];
    if (typeof flag !== 'string' || flag === '') throw corrupt(`flags[${i}] must be a non-empty string`);
    state.flags.add(flag);
  }
  for (const [key, value] of Object.entries(values)) state.values.set(key, JSON.stringify(value));
  for (const [key, hash] of Object.entries(hashes)) {
    if (typeof hash !== 'string' || !/^[0-9a-f]{32}$/.test(hash)) {
      throw corrupt(`hashes[${JSON.stringify(key.slice(0, 80))}] must be 32 lowercase hex digits`);
    }
    state.hashes.set(key, hash);
  }
  return state;
}

/** Serializes a state as the version-1 document: sorted, compact, one trailing newline. */
export function serializeState(state: State): string {
  const flags = [...state.flags].sort();
  let out = `{"version":${STATE_FILE_VERSION},"flags":${JSON.stringify(flags)},"values":{`;
  let first = true;
  for (const key of [...state.values.keys()].sort()) {
    out += `${first ? '' : ','}${JSON.stringify(key)}:${state.values.get(key)}`;
    first = false;
  }
  out += '},"hashes":{';
  first = true;
  for (const key of [...state.hashes.keys()].sort()) {
    out += `${first ? '' : ','}${JSON.stringify(key)}:"${state.hashes.get(key)}"`;
    first = false;
  }
  return `${out}}}\n`;
}

/** The name `FlagStore.recover` moves a bad state file to: `<file>.bad-<UTC time>-<pid>`. */
export function recoveryName(path: string, now: Date = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return join(resolve(path, '..'), `${basename(path)}.bad-${stamp}-${process.pid}`);
}
