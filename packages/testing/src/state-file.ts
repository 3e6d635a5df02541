// The state file: every read-modify-write cycle holds an exclusive lock file, and writes go through
// a temp file and rename(2), so a reader never sees half a file.
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { TestingError } from './errors.js';
import type { FakeState } from './state.js';

const LOCK_TIMEOUT_MS = 20_000;
const STALE_LOCK_MS = 30_000;
const sleepCell = new Int32Array(new SharedArrayBuffer(4));

function sleepSync(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function acquireLock(lockPath: string): void {
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  let delay = 1;
  for (;;) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600);
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    // A holder that died (killed hook tool) leaves its lock behind: break it when its pid is gone
    // or it is very old.
    try {
      const holder = Number.parseInt(readFileSync(lockPath, 'utf8'), 10);
      const age = Date.now() - statSync(lockPath).mtimeMs;
      if ((Number.isInteger(holder) && holder > 0 && !isProcessAlive(holder)) || age > STALE_LOCK_MS) {
        unlinkSync(lockPath);
        continue;
      }
    } catch {
      // The holder released it between our open and read: retry at once.
      continue;
    }
    if (Date.now() > deadline) {
      throw new TestingError(
        'ERR_TESTING_STATE_LOCKED',
        `state lock ${lockPath} held for over ${LOCK_TIMEOUT_MS} ms`,
        {
          path: lockPath,
        },
      );
    }
    sleepSync(delay);
    delay = Math.min(delay * 2, 20);
  }
}

function releaseLock(lockPath: string): void {
  try {
    unlinkSync(lockPath);
  } catch {
    // Already broken by another process as stale; nothing to release.
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
  const lockPath = `${path}.lock`;
  acquireLock(lockPath);
  try {
    const state = readState(path);
    const result = fn(state);
    writeState(path, state);
    return result;
  } finally {
    releaseLock(lockPath);
  }
}

/** Creates a fresh state file (no lock needed: nobody else knows the path yet). */
export function initState(path: string, state: FakeState): void {
  writeState(path, state);
}
