// The state file: every read-modify-write cycle holds an exclusive lock file, and writes go through
// a temp file and rename(2), so a reader never sees half a file.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { acquireLockSync, FsSafeError, type LockHandle } from '@tls-client/fs-safe';
import { TestingError } from './errors.js';
import type { FakeState } from './state.js';

const LOCK_TIMEOUT_MS = 20_000;

/**
 * The repo's lock (fs-safe): taken atomically with link(2), and broken only when its holder is
 * certainly gone (pid dead, a zombie, or reused by a newer process), so a hook tool killed with
 * SIGKILL never wedges the model, and a slow live holder is never robbed.
 */
function lockState(lockPath: string): LockHandle {
  try {
    return acquireLockSync(lockPath, LOCK_TIMEOUT_MS);
  } catch (error) {
    if (error instanceof FsSafeError && error.code === 'ERR_FS_SAFE_LOCK_TIMEOUT') {
      throw new TestingError(
        'ERR_TESTING_STATE_LOCKED',
        `state lock ${lockPath} held for over ${LOCK_TIMEOUT_MS} ms by a live process`,
        { path: lockPath, cause: error },
      );
    }
    throw error;
  }
}

/** Reads the state file without locking (a rename makes every read see a whole file). */
export function readState(path: string): FakeState {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new TestingError('ERR_TESTING_STATE_CORRUPT', `cannot read fake Juju state file ${path}`, {
      path,
      cause: error,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new TestingError('ERR_TESTING_STATE_CORRUPT', `fake Juju state file ${path} is not valid JSON`, {
      path,
      cause: error,
    });
  }
  if (typeof parsed !== 'object' || parsed === null || (parsed as { version?: unknown }).version !== 1) {
    throw new TestingError('ERR_TESTING_STATE_CORRUPT', `fake Juju state file ${path} has no "version": 1`, {
      path,
    });
  }
  return parsed as FakeState;
}

/** Writes the state atomically: temp file in the same directory, then rename(2). */
export function writeState(path: string, state: FakeState): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(temp, JSON.stringify(state), { mode: 0o600 });
  renameSync(temp, path);
}

/**
 * Runs `fn` on the state under the lock and writes the state back if `fn` returns normally.
 * Synchronous on purpose: hook tools are short-lived processes, and FakeModel's setters are sync.
 */
export function updateState<T>(path: string, fn: (state: FakeState) => T): T {
  const lock = lockState(`${path}.lock`);
  try {
    const state = readState(path);
    const result = fn(state);
    writeState(path, state);
    return result;
  } finally {
    lock.release();
  }
}

/** Creates a fresh state file (no lock needed: nobody else knows the path yet). */
export function initState(path: string, state: FakeState): void {
  writeState(path, state);
}
