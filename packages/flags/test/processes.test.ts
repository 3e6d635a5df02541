import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlagStore, FlagsError } from '../src/index.js';
import { buildForChildren, childScript, tempDir } from './helpers.js';
import { ModeWatcher } from './mode-watcher.js';

const NOBODY = 65534;
let built: { dir: string; cleanup: () => void };
let temp: { dir: string; cleanup: () => void };
beforeAll(() => {
  built = buildForChildren();
  temp = tempDir('flags-proc-');
  // Children running as nobody must reach their directories.
  chmodSync(temp.dir, 0o755);
});
afterAll(() => {
  built?.cleanup();
  temp?.cleanup();
});

interface ChildResult {
  ok: boolean;
  code?: string;
  path?: string;
  message?: string;
  flags?: string[];
  start?: number;
  end?: number;
}

/**
 * Runs the child fixture and returns its last JSON line. `onReady` runs when it reports ready
 * (the concurrent mode then waits for a line on stdin).
 */
function runChild(
  path: string,
  mode: string,
  args: string[] = [],
  options: { uid?: number; onReady?: (go: () => void) => void } = {},
): Promise<ChildResult> {
  return new Promise((resolveRun, reject) => {
    const { uid, onReady } = options;
    const child = spawn(process.execPath, [childScript, built.dir, path, mode, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(uid === undefined ? {} : { env: { ...process.env, TLS_CLIENT_TEST_DROP_UID: String(uid) } }),
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      const before = out;
      out += c.toString();
      if (onReady && !before.includes('"ready"') && out.includes('"ready"'))
        onReady(() => child.stdin.end('go\n'));
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => {
      const last = out.trim().split('\n').pop();
      if (code !== 0 || !last) reject(new Error(`child ${mode} exited ${code}: ${err}`));
      else resolveRun(JSON.parse(last) as ChildResult);
    });
  });
}

function laneDir(name: string, mode = 0o700): string {
  const dir = join(temp.dir, name);
  mkdirSync(dir, { mode });
  chmodSync(dir, mode);
  return dir;
}

describe('concurrent commits from several processes', () => {
  it('loses no committed change, and no file is ever wider than 0600', { timeout: 90_000 }, async () => {
    const dir = laneDir('concurrent');
    const path = join(dir, 'flags.json');
    const watcher = new ModeWatcher([dir]);
    const count = 120;
    try {
      // All three load first, then start together, so their commit loops overlap.
      const gates: (() => void)[] = [];
      const ready = (go: () => void): void => {
        gates.push(go);
        if (gates.length === 3) for (const g of gates) g();
      };
      const results = await Promise.all(
        ['1', '2', '3'].map((id) => runChild(path, 'concurrent', [id, String(count)], { onReady: ready })),
      );
      expect(results.every((r) => r.ok)).toBe(true);
      // The three commit loops overlapped in time.
      expect(Math.max(...results.map((r) => r.start ?? 0))).toBeLessThan(
        Math.min(...results.map((r) => r.end ?? 0)),
      );
    } finally {
      watcher.stop();
    }
    const store = FlagStore.open({ path });
    for (const id of ['1', '2', '3']) {
      const mine = store.list(`p${id}.`);
      expect(mine).toHaveLength(count);
      expect(store.getValue(`last.${id}`)).toBe(count - 1);
    }
    // 360 toggles of one shared flag, each a committed change: an even number leaves it clear.
    expect(store.isSet('shared')).toBe(false);
    expect(readdirSync(dir)).toEqual(['flags.json']);
    expect(watcher.seen).toBeGreaterThan(0);
    expect(watcher.violations).toEqual([]);
  });
});

describe('permissions and read-only storage', () => {
  it('reports ERR_FLAGS_UNREADABLE when the file is not readable by the process', async () => {
    const dir = laneDir('unreadable', 0o755);
    const path = join(dir, 'flags.json');
    const store = FlagStore.open({ path });
    store.set('secret.state');
    await store.commit();
    // The state file is root's and 0600: `nobody` may not read it (root would bypass the mode).
    const result = await runChild(path, 'open', [], { uid: NOBODY });
    expect(result).toMatchObject({ ok: false, code: 'ERR_FLAGS_UNREADABLE', path });
    expect(result.message).toContain('permission denied');
  });

  it('reports ERR_FLAGS_NOT_WRITABLE when the directory is read-only for the process', async () => {
    const dir = laneDir('read-only-dir', 0o755);
    const path = join(dir, 'flags.json');
    const store = FlagStore.open({ path });
    store.set('before');
    await store.commit();
    chownSync(path, NOBODY, NOBODY); // readable by nobody, in a directory it cannot write
    const result = await runChild(path, 'commit', [], { uid: NOBODY });
    expect(result).toMatchObject({ ok: false, code: 'ERR_FLAGS_NOT_WRITABLE' });
    expect(result.path?.startsWith(dir)).toBe(true);
    expect(result.message).toContain('EACCES');
    expect(FlagStore.open({ path }).list()).toEqual(['before']);
  });

  let canMount = false;
  try {
    const probe = tempDir('flags-mount-probe-');
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe.dir], { stdio: 'ignore' });
      execFileSync('umount', [probe.dir], { stdio: 'ignore' });
      canMount = true;
    } finally {
      probe.cleanup();
    }
  } catch {
    canMount = false;
  }
  const roTitle = 'reports ERR_FLAGS_NOT_WRITABLE on a read-only file system (EROFS), keeping the old file';
  it.skipIf(!canMount)(
    canMount
      ? roTitle
      : `${roTitle} (skipped: mounting a tmpfs needs CAP_SYS_ADMIN, which this runner lacks)`,
    async () => {
      const point = join(temp.dir, 'ro-mount');
      mkdirSync(point);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', point]);
      try {
        const path = join(point, 'flags.json');
        const first = FlagStore.open({ path });
        first.set('before');
        await first.commit();
        execFileSync('mount', ['-o', 'remount,ro', point]);
        const store = FlagStore.open({ path });
        expect(store.list()).toEqual(['before']);
        store.set('after');
        let error: unknown;
        try {
          await store.commit();
        } catch (caught) {
          error = caught;
        }
        expect(error).toBeInstanceOf(FlagsError);
        expect((error as FlagsError).code).toBe('ERR_FLAGS_NOT_WRITABLE');
        expect((error as FlagsError).message).toContain('EROFS');
        expect(FlagStore.open({ path }).list()).toEqual(['before']);
      } finally {
        execFileSync('umount', [point]);
        rmdirSync(point);
      }
    },
  );
});
