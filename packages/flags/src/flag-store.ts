import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { lstat, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  acquireLock as acquireFsLock,
  FsSafeError,
  type LockHandle,
  writeFileAtomic,
} from '@tls-client/fs-safe';
import { dataHash } from './data-hash.js';
import { FlagsError } from './errors.js';
import {
  cloneState,
  currentSignature,
  emptyState,
  readStateFileWithSignature,
  recoveryName,
  resolveStatePath,
  type State,
  type StateLocationOptions,
  serializeState,
} from './state-file.js';

/** Options of {@link FlagStore.open}. */
export interface FlagStoreOptions extends StateLocationOptions {
  /** How long `commit` waits for another live process's lock. Default 10 000 ms. */
  lockTimeoutMs?: number;
}

/**
 * A trigger, as charms.reactive's `register_trigger`: when flag `when` becomes set (or `whenNot`
 * becomes cleared), also set `set`, clear `clear` and call `callback`, in that order.
 */
export interface FlagTrigger {
  when?: string;
  whenNot?: string;
  set?: string;
  clear?: string;
  callback?: () => void;
}

const STATE_FILE_MODE = 0o600;
const STATE_DIR_MODE = 0o700;
const MAX_TRIGGER_DEPTH = 64;
const DEFAULT_LOCK_TIMEOUT_MS = 10_000;

function checkName(what: string, name: unknown): asserts name is string {
  if (typeof name !== 'string' || name === '') throw new TypeError(`${what} must be a non-empty string`);
}

// Values are state the façade remembers between hooks: plain JSON only.
function checkJsonValue(value: unknown, path: string, depth = 0): void {
  if (depth > 100) throw new TypeError(`value ${path} is nested too deeply`);
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`value ${path} must be a finite number`);
    return;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) checkJsonValue(value[i], `${path}[${i}]`, depth + 1);
    return;
  }
  if (typeof value === 'object') {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null)
      throw new TypeError(`value ${path} must be a plain object`);
    for (const [k, v] of Object.entries(value)) checkJsonValue(v, `${path}.${k}`, depth + 1);
    return;
  }
  throw new TypeError(`value ${path} is ${typeof value}, which the flag store cannot persist`);
}

const PRIVATE_KEY_MARK = /PRIVATE KEY-----/;

/**
 * A unit's flags, values and data-changed hashes, persisted in one 0600 JSON file.
 *
 * Changes are visible at once in this process and reach the disk only on {@link FlagStore.commit};
 * {@link FlagStore.rollback} drops them. A commit takes a lock, re-reads the file and applies only
 * what this transaction changed, so another process's committed changes are kept.
 *
 * @example
 * const store = FlagStore.open(); // $JUJU_CHARM_DIR/.tls-client/flags.json
 * if (store.dataChanged('certificates.ca', ca)) store.set('tls_client.ca.changed');
 * await store.commit();
 */
export class FlagStore {
  /** Absolute path of the state file. */
  readonly path: string;
  readonly #ownDir: boolean;
  readonly #lockTimeoutMs: number;
  #base: State;
  // Signature of the file version #base came from; a commit skips the re-read while it still matches.
  #baseSignature: string | undefined;
  #current: State;
  #touched = { flags: new Set<string>(), values: new Set<string>(), hashes: new Set<string>() };
  #revision = 0;
  // Revision at which each flag last changed here; a rollback or commit may change any flag.
  readonly #changedAt = new Map<string, number>();
  #resetAt = 0;
  #triggerDepth = 0;
  #committing: Promise<void> = Promise.resolve();
  readonly #setTriggers = new Map<string, FlagTrigger[]>();
  readonly #clearTriggers = new Map<string, FlagTrigger[]>();

  private constructor(
    path: string,
    ownDir: boolean,
    lockTimeoutMs: number,
    state: State,
    signature: string | undefined,
  ) {
    this.path = path;
    this.#baseSignature = signature;
    this.#ownDir = ownDir;
    this.#lockTimeoutMs = lockTimeoutMs;
    this.#base = state;
    this.#current = cloneState(state);
  }

  /**
   * Opens the store, loading the committed state synchronously. A missing file is an empty store.
   * Location: `path`, else `stateDir`, else `$TLS_CLIENT_STATE_DIR`, else
   * `<charmDir | $JUJU_CHARM_DIR | $CHARM_DIR>/.tls-client`, with the file name `flags.json`.
   * @throws FlagsError `ERR_FLAGS_NO_STATE_DIR`, `ERR_FLAGS_UNREADABLE`, `ERR_FLAGS_CORRUPT`,
   *   `ERR_FLAGS_UNSUPPORTED_VERSION`.
   */
  static open(options: FlagStoreOptions = {}): FlagStore {
    const { path, ownDir } = resolveStatePath(options);
    const timeout = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
    if (!Number.isFinite(timeout) || timeout < 0) throw new TypeError('lockTimeoutMs must be a number >= 0');
    const { state, signature } = readStateFileWithSignature(path);
    return new FlagStore(path, ownDir, timeout, state ?? emptyState(), signature);
  }

  /**
   * The state file path {@link FlagStore.open} would use for these options, without reading it.
   * @throws FlagsError `ERR_FLAGS_NO_STATE_DIR`.
   */
  static resolvePath(options: StateLocationOptions = {}): string {
    return resolveStatePath(options).path;
  }

  /**
   * Moves a bad state file aside (under the lock) so the next `open` starts empty. A person's
   * decision, never automatic: starting empty re-fires every handler.
   * @returns the new name, `<file>.bad-<UTC time>-<pid>`.
   * @throws FlagsError `ERR_FLAGS_NOT_FOUND`, `ERR_FLAGS_NOT_WRITABLE`, `ERR_FLAGS_LOCK_TIMEOUT`.
   */
  static async recover(path: string, options: { lockTimeoutMs?: number } = {}): Promise<string> {
    checkName('path', path);
    if (
      !(await lstat(path).then(
        () => true,
        () => false,
      ))
    ) {
      throw new FlagsError('ERR_FLAGS_NOT_FOUND', `no flag state file at ${path} to recover`, { path });
    }
    const lock = await acquireLock(`${path}.lock`, options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS);
    try {
      const target = recoveryName(path);
      try {
        await rename(path, target);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
          throw new FlagsError('ERR_FLAGS_NOT_FOUND', `no flag state file at ${path} to recover`, { path });
        }
        throw new FlagsError('ERR_FLAGS_NOT_WRITABLE', `cannot move ${path} aside: ${code}`, {
          path,
          cause: error,
        });
      }
      return target;
    } finally {
      lock.release();
    }
  }

  /** Increases whenever the set of flags changes in this process (set, clear, rollback, commit). */
  get revision(): number {
    return this.#revision;
  }

  /** The {@link FlagStore.revision} at which `flag` last changed in this process (0: not since open). */
  changedAt(flag: string): number {
    return Math.max(this.#changedAt.get(flag) ?? 0, this.#resetAt);
  }

  /** True when there are changes not yet committed (a flag set and cleared again is no change). */
  get dirty(): boolean {
    const { flags, values, hashes } = this.#touched;
    const base = this.#base;
    const current = this.#current;
    for (const f of flags) if (base.flags.has(f) !== current.flags.has(f)) return true;
    for (const k of values) if (base.values.get(k) !== current.values.get(k)) return true;
    for (const k of hashes) if (base.hashes.get(k) !== current.hashes.get(k)) return true;
    return false;
  }

  /** Whether `flag` is set. */
  isSet(flag: string): boolean {
    return this.#current.flags.has(flag);
  }

  /** Whether every one of `flags` is set (true for none). */
  allSet(...flags: string[]): boolean {
    return flags.every((f) => this.#current.flags.has(f));
  }

  /** Whether at least one of `flags` is set (false for none). */
  anySet(...flags: string[]): boolean {
    return flags.some((f) => this.#current.flags.has(f));
  }

  /** The set flags, sorted, optionally only those starting with `prefix`. */
  list(prefix?: string): string[] {
    const all = [...this.#current.flags];
    return (prefix ? all.filter((f) => f.startsWith(prefix)) : all).sort();
  }

  /**
   * Sets a flag. Setting a set flag is not a transition and fires no trigger.
   * @throws FlagsError `ERR_FLAGS_TRIGGER_LOOP` when triggers recurse without end.
   */
  set(flag: string): void {
    checkName('flag', flag);
    if (this.#current.flags.has(flag)) return;
    this.#current.flags.add(flag);
    this.#touched.flags.add(flag);
    this.#changedAt.set(flag, ++this.#revision);
    this.#fire(this.#setTriggers.get(flag), flag);
  }

  /**
   * Clears a flag. Clearing a clear flag is not a transition and fires no trigger.
   * @throws FlagsError `ERR_FLAGS_TRIGGER_LOOP` when triggers recurse without end.
   */
  clear(flag: string): void {
    checkName('flag', flag);
    if (!this.#current.flags.has(flag)) return;
    this.#current.flags.delete(flag);
    this.#touched.flags.add(flag);
    this.#changedAt.set(flag, ++this.#revision);
    this.#fire(this.#clearTriggers.get(flag), flag);
  }

  /** Sets the flag when `on` is true, clears it when false, flips it when `on` is omitted. */
  toggle(flag: string, on?: boolean): void {
    if (on ?? !this.isSet(flag)) this.set(flag);
    else this.clear(flag);
  }

  /** A copy of the value stored under `key`, or undefined. */
  getValue<T = unknown>(key: string): T | undefined {
    const text = this.#current.values.get(key);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }

  /**
   * Stores a plain JSON value under `key` (a copy; later changes to `value` are not seen).
   * @throws TypeError for values JSON cannot hold, and for anything holding a PEM private key:
   *   the state file must never contain secrets.
   */
  setValue(key: string, value: unknown): void {
    checkName('key', key);
    if (value === undefined) throw new TypeError(`value for "${key}" is undefined; use deleteValue`);
    checkJsonValue(value, JSON.stringify(key));
    const text = JSON.stringify(value);
    if (PRIVATE_KEY_MARK.test(text)) {
      throw new TypeError(
        `value for "${key}" holds a PEM private key; the flag store must never persist secrets`,
      );
    }
    if (this.#current.values.get(key) === text) return;
    this.#current.values.set(key, text);
    this.#touched.values.add(key);
  }

  /** Removes the value under `key`, if any. */
  deleteValue(key: string): void {
    checkName('key', key);
    if (!this.#current.values.delete(key)) return;
    this.#touched.values.add(key);
  }

  /** The stored value keys, sorted, optionally only those starting with `prefix`. */
  listValues(prefix?: string): string[] {
    const all = [...this.#current.values.keys()];
    return (prefix ? all.filter((k) => k.startsWith(prefix)) : all).sort();
  }

  /**
   * True when `value` differs from the last value passed under `key` (true the first time), as
   * the reactive `data_changed`: compares the md5 of Python `json.dumps(value, sort_keys=True)`.
   * Stores the new hash (never the value, which may be a private key) unconditionally.
   * @throws TypeError when the value cannot be encoded as JSON.
   */
  dataChanged(key: string, value: unknown): boolean {
    checkName('key', key);
    const hash = dataHash(value);
    const previous = this.#current.hashes.get(key);
    if (previous !== hash) {
      this.#current.hashes.set(key, hash);
      this.#touched.hashes.add(key);
    }
    return previous !== hash;
  }

  /** As {@link FlagStore.dataChanged}, without storing the hash. */
  isDataChanged(key: string, value: unknown): boolean {
    checkName('key', key);
    return this.#current.hashes.get(key) !== dataHash(value);
  }

  /** Forgets the hash stored under `key`, so the next `dataChanged` for it returns true. */
  forgetData(key: string): void {
    checkName('key', key);
    if (this.#current.hashes.delete(key)) this.#touched.hashes.add(key);
  }

  /**
   * Registers a trigger for the life of this store object (triggers are code, not state: they are
   * not persisted and survive rollback). Exactly one of `when` and `whenNot`.
   */
  registerTrigger(trigger: FlagTrigger): void {
    const { when, whenNot, set, clear, callback } = trigger;
    if ((when === undefined) === (whenNot === undefined)) {
      throw new TypeError('registerTrigger needs exactly one of when and whenNot');
    }
    if (set === undefined && clear === undefined && callback === undefined) {
      throw new TypeError('registerTrigger needs at least one of set, clear and callback');
    }
    if (set !== undefined) checkName('set', set);
    if (clear !== undefined) checkName('clear', clear);
    if (callback !== undefined && typeof callback !== 'function')
      throw new TypeError('callback must be a function');
    const flag = when ?? whenNot;
    checkName(when !== undefined ? 'when' : 'whenNot', flag);
    const table = when !== undefined ? this.#setTriggers : this.#clearTriggers;
    const list = table.get(flag) ?? [];
    list.push({ ...trigger });
    table.set(flag, list);
  }

  #fire(triggers: FlagTrigger[] | undefined, flag: string): void {
    if (triggers === undefined) return;
    if (this.#triggerDepth >= MAX_TRIGGER_DEPTH) {
      throw new FlagsError(
        'ERR_FLAGS_TRIGGER_LOOP',
        `flag triggers recursed more than ${MAX_TRIGGER_DEPTH} levels deep at flag "${flag}"; check the triggers on it`,
        { names: [flag] },
      );
    }
    this.#triggerDepth++;
    try {
      for (const t of [...triggers]) {
        if (t.set !== undefined) this.set(t.set);
        if (t.clear !== undefined) this.clear(t.clear);
        t.callback?.();
      }
    } finally {
      this.#triggerDepth--;
    }
  }

  /** Drops every uncommitted change: flags, values and hashes return to the last commit. */
  rollback(): void {
    if (!this.dirty) return;
    this.#current = cloneState(this.#base);
    this.#touched = { flags: new Set(), values: new Set(), hashes: new Set() };
    this.#resetAt = ++this.#revision;
  }

  /**
   * Writes this transaction's changes: takes the lock, re-reads the file, applies only the keys
   * this transaction changed (the last committer wins per key; other keys are kept), writes a
   * 0600 temp file, fsyncs and renames it over the state file. Does nothing when nothing changed.
   * @throws FlagsError `ERR_FLAGS_NOT_WRITABLE`, `ERR_FLAGS_LOCK_TIMEOUT`, `ERR_FLAGS_LOCK_LOST`,
   *   and the read errors of {@link FlagStore.open} if the file went bad meanwhile.
   */
  commit(): Promise<void> {
    // One commit at a time per store: a second call waits for the first, then writes what is left.
    const next = this.#committing.then(
      () => this.#commitNow(),
      () => this.#commitNow(),
    );
    this.#committing = next.catch(() => undefined);
    return next;
  }

  async #commitNow(): Promise<void> {
    if (!this.dirty) {
      this.#touched = { flags: new Set(), values: new Set(), hashes: new Set() };
      return;
    }
    const touched = this.#touched;
    this.#touched = { flags: new Set(), values: new Set(), hashes: new Set() };
    // Keys changed while this commit awaits stay pending for the next one.
    const snapshot = cloneState(this.#current);
    try {
      this.#ensureDir();
      const lock = await acquireLock(`${this.path}.lock`, this.#lockTimeoutMs);
      let merged: State;
      // True when the file is still the version #base was read from (no other commit since).
      let same = false;
      try {
        const signature = currentSignature(this.path);
        same = signature !== undefined && signature === this.#baseSignature;
        if (same) {
          // Every change touches its key, so base plus the net changes is exactly the snapshot.
          merged = snapshot;
        } else {
          merged = readStateFileWithSignature(this.path).state ?? emptyState();
          applyChanges(merged, this.#base, snapshot, touched);
        }
        if (!lock.stillHeld()) {
          throw new FlagsError(
            'ERR_FLAGS_LOCK_LOST',
            `the lock ${lock.path} was removed by someone else during the commit; nothing was written`,
            { path: lock.path },
          );
        }
        await this.#write(serializeState(merged));
        // Still under the lock, so this is the version just written.
        this.#baseSignature = currentSignature(this.path);
      } finally {
        lock.release();
      }
      this.#base = merged;
      if (!same) {
        // Other processes' commits come into view, under the changes made while this one ran.
        const current = cloneState(merged);
        applyChanges(current, snapshot, this.#current, this.#touched);
        this.#current = current;
        this.#resetAt = ++this.#revision;
      }
    } catch (error) {
      for (const kind of ['flags', 'values', 'hashes'] as const) {
        for (const key of this.#touched[kind]) touched[kind].add(key);
      }
      this.#touched = touched;
      throw error;
    }
  }

  #ensureDir(): void {
    const dir = dirname(this.path);
    try {
      mkdirSync(dir, { recursive: true, mode: STATE_DIR_MODE });
      // Our own .tls-client directory is kept at 0700; a directory the caller chose is theirs.
      if (this.#ownDir && (statSync(dir).mode & 0o077) !== 0) chmodSync(dir, STATE_DIR_MODE);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new FlagsError(
        'ERR_FLAGS_NOT_WRITABLE',
        `cannot create the flag state directory ${dir}: ${code}`,
        {
          path: dir,
          cause: error,
        },
      );
    }
  }

  async #write(text: string): Promise<void> {
    try {
      await writeFileAtomic(this.path, text, {
        mode: STATE_FILE_MODE,
        dirMode: STATE_DIR_MODE,
        followSymlinks: 'never',
      });
    } catch (error) {
      // FsSafeError carries the errno as syscallCode, a plain system error as code.
      const { code, syscallCode } = error as { code?: unknown; syscallCode?: unknown };
      const why = typeof syscallCode === 'string' ? syscallCode : typeof code === 'string' ? code : 'error';
      throw new FlagsError(
        'ERR_FLAGS_NOT_WRITABLE',
        `cannot write the flag state file ${this.path}: ${why}`,
        { path: this.path, cause: error },
      );
    }
  }
}

/** Takes the commit lock; the lock's errors become `ERR_FLAGS_LOCK_TIMEOUT` / `ERR_FLAGS_NOT_WRITABLE`. */
async function acquireLock(path: string, timeoutMs: number): Promise<LockHandle> {
  try {
    return await acquireFsLock(path, timeoutMs);
  } catch (error) {
    if (!(error instanceof FsSafeError)) throw error;
    const code =
      error.code === 'ERR_FS_SAFE_LOCK_TIMEOUT' ? 'ERR_FLAGS_LOCK_TIMEOUT' : 'ERR_FLAGS_NOT_WRITABLE';
    throw new FlagsError(code, error.message, { path, cause: error });
  }
}

/** Applies to `target` each touched key whose value in `to` differs from `from` (net changes only). */
function applyChanges(
  target: State,
  from: State,
  to: State,
  touched: { flags: Set<string>; values: Set<string>; hashes: Set<string> },
): void {
  for (const flag of touched.flags) {
    const on = to.flags.has(flag);
    if (on === from.flags.has(flag)) continue;
    if (on) target.flags.add(flag);
    else target.flags.delete(flag);
  }
  for (const key of touched.values) {
    const text = to.values.get(key);
    if (text === from.values.get(key)) continue;
    if (text === undefined) target.values.delete(key);
    else target.values.set(key, text);
  }
  for (const key of touched.hashes) {
    const hash = to.hashes.get(key);
    if (hash === from.hashes.get(key)) continue;
    if (hash === undefined) target.hashes.delete(key);
    else target.hashes.set(key, hash);
  }
}
