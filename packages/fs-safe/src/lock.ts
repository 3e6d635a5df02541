import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  linkSync,
  lstatSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FsSafeError } from './errors.js';
import { currentProcess, isProcessGone } from './process-liveness.js';

// The lock is a file made complete first and then hard-linked into place: link(2) fails with EEXIST
// when the name exists, so the lock is taken atomically and is never seen half-written. It records
// pid, process start time and host, so a lock left by a killed process can be told from a live one.

interface LockOwner {
  pid: number;
  start: string | null;
  host: string;
}

/** A held lock. */
export interface LockHandle {
  readonly path: string;
  /** True while the lock file is still the one this handle created. */
  stillHeld(): boolean;
  /** Removes the lock file if it is still ours. Never throws. */
  release(): void;
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    if (
      typeof value.pid === 'number' &&
      Number.isInteger(value.pid) &&
      value.pid > 0 &&
      typeof value.host === 'string'
    ) {
      return {
        pid: value.pid,
        host: value.host,
        start: typeof value.start === 'string' ? value.start : null,
      };
    }
  } catch {
    // unparseable: handled by the caller
  }
  return undefined;
}

/** Reads the current lock file: its owner (undefined if unparseable) and inode, or null if absent. */
function readLock(path: string): { owner: LockOwner | undefined; ino: number } | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw lockProblem(path, error);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw lockProblem(path, undefined);
    const buffer = Buffer.alloc(1024);
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    return { owner: parseOwner(buffer.toString('utf8', 0, length)), ino: st.ino };
  } catch (error) {
    throw error instanceof FsSafeError ? error : lockProblem(path, error);
  } finally {
    closeSync(fd);
  }
}

/** Something other than a lock file sits at the lock path: a person has to look at it. */
function lockProblem(path: string, error: unknown): FsSafeError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const what = code === 'ELOOP' ? 'a symbolic link' : code ? `unreadable (${code})` : 'not a regular file';
  return new FsSafeError('ERR_FS_SAFE_LOCK_UNUSABLE', `the lock path ${path} is ${what}; remove it`, {
    path,
    cause: error,
  });
}

function notWritable(path: string, error: unknown): FsSafeError {
  const code = (error as NodeJS.ErrnoException).code;
  return new FsSafeError(
    'ERR_FS_SAFE_LOCK_UNUSABLE',
    `cannot create the lock file ${path}: ${code ?? 'error'} (the directory ${dirname(path)} must be writable by this process)`,
    { path, syscallCode: code, cause: error },
  );
}

function inodeOf(path: string): number | undefined {
  try {
    return lstatSync(path).ino;
  } catch {
    return undefined;
  }
}

/**
 * Moves a stale lock out of the way. The rename is atomic; if what we moved turns out not to be the
 * stale lock (another process broke it and took the lock in between), it is linked back at once.
 */
function breakStaleLock(path: string, staleIno: number): void {
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw notWritable(path, error);
  }
  if (inodeOf(aside) !== staleIno) {
    try {
      linkSync(aside, path);
    } catch {
      // EEXIST: a third process took the lock meanwhile; the owner we displaced sees it lost.
    }
  }
  try {
    unlinkSync(aside);
  } catch {
    // already gone
  }
}

/** Removes lock temp files and moved-aside locks left by processes that no longer exist. */
function sweepLeftovers(path: string): void {
  const dir = dirname(path);
  const prefix = `${basename(path)}.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const match = /^(?:tmp|stale)-(\d+)-[0-9a-f]+$/.exec(name.slice(prefix.length));
    if (match === null) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || !isProcessGone({ pid })) continue;
    try {
      unlinkSync(join(dir, name));
    } catch {
      // raced with another sweeper
    }
  }
}

interface Attempt {
  handle?: LockHandle;
  holder?: LockOwner;
}

class LockAttempt {
  readonly #path: string;
  readonly #temp: string;

  constructor(path: string) {
    this.#path = path;
    this.#temp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    const owner: LockOwner = currentProcess();
    try {
      writeFileSync(this.#temp, `${JSON.stringify(owner)}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      throw notWritable(path, error);
    }
  }

  try(): Attempt {
    const path = this.#path;
    try {
      linkSync(this.#temp, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        this.dispose();
        throw notWritable(path, error);
      }
      const current = readLock(path);
      if (current === null) return {};
      // An unparseable lock cannot come from us (it is complete before it is linked): treat as stale.
      if (current.owner === undefined || isProcessGone(current.owner)) {
        breakStaleLock(path, current.ino);
        return {};
      }
      return { holder: current.owner };
    }
    const ino = inodeOf(this.#temp);
    this.dispose();
    sweepLeftovers(path);
    const handle: LockHandle = {
      path,
      stillHeld: () => ino !== undefined && inodeOf(path) === ino,
      release: () => {
        try {
          if (handle.stillHeld()) unlinkSync(path);
        } catch {
          // gone already
        }
      },
    };
    return { handle };
  }

  dispose(): void {
    try {
      unlinkSync(this.#temp);
    } catch {
      // already removed
    }
  }
}

function timeoutError(path: string, timeoutMs: number, holder: LockOwner | undefined): FsSafeError {
  const who = holder ? ` held by pid ${holder.pid} on ${holder.host}` : '';
  return new FsSafeError(
    'ERR_FS_SAFE_LOCK_TIMEOUT',
    `timed out after ${timeoutMs} ms waiting for the lock ${path}${who}; if no such process is running, remove the lock file`,
    { path },
  );
}

const backoff = (attempt: number): number => Math.min(50, 1 + attempt * 2) * (0.5 + Math.random());

/**
 * The one retry loop of both forms: yields how long to wait before the next try, returns the
 * handle, or throws the timeout error. The sync and async forms differ only in how they wait.
 */
function* lockAttempts(path: string, timeoutMs: number): Generator<number, LockHandle, void> {
  checkLockArgs(path, timeoutMs);
  const attempt = new LockAttempt(path);
  const deadline = Date.now() + timeoutMs;
  let holder: LockOwner | undefined;
  try {
    for (let i = 0; ; i++) {
      const result = attempt.try();
      if (result.handle) return result.handle;
      holder = result.holder ?? holder;
      if (Date.now() >= deadline) throw timeoutError(path, timeoutMs, holder);
      yield backoff(i);
    }
  } finally {
    attempt.dispose();
  }
}

function checkLockArgs(path: unknown, timeoutMs: unknown): void {
  if (typeof path !== 'string' || path === '') throw new TypeError('lock path must be a non-empty string');
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 0) {
    throw new TypeError('timeoutMs must be a number >= 0');
  }
}

/**
 * Takes the lock file at `path`, waiting up to `timeoutMs` for a live holder and breaking one left
 * by a dead process (pid gone, a zombie, or the pid reused by a newer process).
 * @throws {FsSafeError} `ERR_FS_SAFE_LOCK_TIMEOUT` or `ERR_FS_SAFE_LOCK_UNUSABLE`.
 * @example
 * const lock = await acquireLock('/var/lib/app/state.json.lock', 10_000);
 * try { ... } finally { lock.release(); }
 */
export async function acquireLock(path: string, timeoutMs: number): Promise<LockHandle> {
  const attempts = lockAttempts(path, timeoutMs);
  for (let step = attempts.next(); ; step = attempts.next()) {
    if (step.done) return step.value;
    await sleep(step.value);
  }
}

/**
 * The synchronous form of {@link acquireLock}, for short-lived tool processes whose callers are
 * synchronous (it blocks the thread while it waits).
 * @throws {FsSafeError} `ERR_FS_SAFE_LOCK_TIMEOUT` or `ERR_FS_SAFE_LOCK_UNUSABLE`.
 */
export function acquireLockSync(path: string, timeoutMs: number): LockHandle {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const attempts = lockAttempts(path, timeoutMs);
  for (let step = attempts.next(); ; step = attempts.next()) {
    if (step.done) return step.value;
    Atomics.wait(cell, 0, 0, step.value);
  }
}
