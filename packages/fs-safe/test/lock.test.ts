import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireLock, acquireLockSync, FsSafeError, isProcessGone, processStartTime } from '../src/index.js';
import { deadPid, removeTempDirs, tempDir } from './helpers.js';

afterAll(removeTempDirs);

const writeLock = (path: string, owner: object) =>
  writeFileSync(path, JSON.stringify(owner), { mode: 0o600 });

async function rejection(promise: Promise<unknown>): Promise<FsSafeError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(FsSafeError);
    return error as FsSafeError;
  }
  throw new Error('expected an FsSafeError');
}

describe('acquireLock and acquireLockSync', () => {
  it('take a free lock, record this process, and release it', async () => {
    const path = join(tempDir(), 'state.lock');
    const lock = await acquireLock(path, 1_000);
    const owner = JSON.parse(readFileSync(path, 'utf8'));
    expect(owner).toEqual({ pid: process.pid, start: processStartTime('self'), host: hostname() });
    expect(lock.stillHeld()).toBe(true);
    lock.release();
    expect(existsSync(path)).toBe(false);
    const again = acquireLockSync(path, 1_000);
    expect(again.stillHeld()).toBe(true);
    again.release();
    expect(existsSync(path)).toBe(false);
  });

  it('wait for a live holder and time out with ERR_FS_SAFE_LOCK_TIMEOUT naming its pid', async () => {
    const path = join(tempDir(), 'state.lock');
    const held = acquireLockSync(path, 1_000);
    try {
      const error = await rejection(acquireLock(path, 150));
      expect(error.code).toBe('ERR_FS_SAFE_LOCK_TIMEOUT');
      expect(error.message).toContain(`pid ${process.pid}`);
      expect(() => acquireLockSync(path, 50)).toThrow(
        expect.objectContaining({ code: 'ERR_FS_SAFE_LOCK_TIMEOUT' }),
      );
    } finally {
      held.release();
    }
  });

  it('get the lock as soon as a holder in another process releases it', async () => {
    const path = join(tempDir(), 'state.lock');
    const entry = new URL('../dist/index.js', import.meta.url).pathname;
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { acquireLockSync } = await import(${JSON.stringify(entry)});
         const lock = acquireLockSync(${JSON.stringify(path)}, 5000);
         console.log('held'); setTimeout(() => { lock.release(); }, 300);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    const started = Date.now();
    const lock = await acquireLock(path, 5_000);
    expect(Date.now() - started).toBeGreaterThan(100);
    lock.release();
    await exited;
  });

  it('break a lock whose holder is gone, or whose pid now belongs to a newer process', async () => {
    const path = join(tempDir(), 'state.lock');
    writeLock(path, { pid: deadPid(), start: null, host: hostname() });
    (await acquireLock(path, 1_000)).release();
    // Our own pid, but a start time that is not ours: the recorded process is gone.
    writeLock(path, { pid: process.pid, start: '1', host: hostname() });
    acquireLockSync(path, 1_000).release();
    writeFileSync(path, 'not json');
    (await acquireLock(path, 1_000)).release();
  });

  it('never break a lock held on another host', async () => {
    const path = join(tempDir(), 'state.lock');
    writeLock(path, { pid: deadPid(), start: null, host: 'some-other-host' });
    expect((await rejection(acquireLock(path, 100))).code).toBe('ERR_FS_SAFE_LOCK_TIMEOUT');
  });

  it('fail with ERR_FS_SAFE_LOCK_UNUSABLE when a directory sits at the lock path or the dir is missing', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'state.lock'));
    expect((await rejection(acquireLock(join(dir, 'state.lock'), 100))).code).toBe(
      'ERR_FS_SAFE_LOCK_UNUSABLE',
    );
    expect((await rejection(acquireLock(join(dir, 'missing', 'state.lock'), 100))).code).toBe(
      'ERR_FS_SAFE_LOCK_UNUSABLE',
    );
  });

  it('throw TypeError for a bad path or timeout', async () => {
    await expect(acquireLock('', 10)).rejects.toThrow(TypeError);
    expect(() => acquireLockSync('/tmp/x.lock', -1)).toThrow(TypeError);
  });
});

describe('isProcessGone', () => {
  it('tells a dead pid, a live one, a reused one and another host apart', () => {
    expect(isProcessGone({ pid: deadPid() })).toBe(true);
    expect(isProcessGone({ pid: process.pid })).toBe(false);
    expect(isProcessGone({ pid: process.pid, start: processStartTime('self') })).toBe(false);
    expect(isProcessGone({ pid: process.pid, start: '1' })).toBe(true);
    expect(isProcessGone({ pid: deadPid(), host: 'some-other-host' })).toBe(false);
  });
});
