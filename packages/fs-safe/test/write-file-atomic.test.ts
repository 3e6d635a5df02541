import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { cleanStaleTempFiles, FsSafeError, writeFileAtomic } from '../src/index.js';
import {
  deadPid,
  distEntry,
  dropPrivileges,
  mountTmpfs,
  removeTempDirs,
  requireMount,
  requireRoot,
  runNode,
  tempDir,
  tempFilesIn,
} from './helpers.js';

afterAll(removeTempDirs);

const modeOf = (path: string) => statSync(path).mode & 0o7777;

async function rejection(promise: Promise<unknown>): Promise<FsSafeError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(FsSafeError);
    return error as FsSafeError;
  }
  throw new Error('expected a FsSafeError');
}

describe('writeFileAtomic', () => {
  const savedUmask = process.umask();
  afterEach(() => {
    process.umask(savedUmask);
  });

  it.each([0o000, 0o022, 0o077, 0o777])(
    'creates the file with exactly the requested mode under umask %o',
    async (umask) => {
      const dir = tempDir();
      process.umask(umask);
      for (const mode of [0o600, 0o640, 0o644, 0o400]) {
        const path = join(dir, `f${mode.toString(8)}`);
        const result = await writeFileAtomic(path, 'data\n', { mode });
        expect(result).toMatchObject({ path, realPath: path, action: 'created', mode });
        expect(modeOf(path)).toBe(mode);
        expect(readFileSync(path, 'utf8')).toBe('data\n');
      }
      expect(tempFilesIn(dir)).toEqual([]);
    },
  );

  it('defaults to mode 0600 and returns the sha256, uid and gid', async () => {
    const path = join(tempDir(), 'f');
    const result = await writeFileAtomic(path, new Uint8Array([104, 105]));
    expect(result.mode).toBe(0o600);
    expect(result.sha256).toBe('8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4');
    expect(result.uid).toBe(process.getuid?.());
    expect(result.gid).toBe(process.getgid?.());
  });

  it('creates missing parents with dirMode exactly and leaves existing directories alone', async () => {
    const dir = tempDir();
    chmodSync(dir, 0o751);
    process.umask(0o077);
    const path = join(dir, 'a', 'b', 'f.pem');
    await writeFileAtomic(path, 'x', { dirMode: 0o755 });
    expect(modeOf(join(dir, 'a'))).toBe(0o755);
    expect(modeOf(join(dir, 'a', 'b'))).toBe(0o755);
    expect(modeOf(dir)).toBe(0o751);
    mkdirSync(join(dir, 'c'), { mode: 0o700 });
    await writeFileAtomic(join(dir, 'c', 'd', 'f'), 'x', { dirMode: 0o710 });
    expect(modeOf(join(dir, 'c'))).toBe(0o700);
    expect(modeOf(join(dir, 'c', 'd'))).toBe(0o710);
  });

  it('reports unchanged and touches nothing when content, mode and owner match', async () => {
    const path = join(tempDir(), 'f');
    await writeFileAtomic(path, 'same', { mode: 0o644 });
    const before = statSync(path);
    const result = await writeFileAtomic(path, 'same', { mode: 0o644 });
    expect(result.action).toBe('unchanged');
    const after = statSync(path);
    expect([after.ino, after.mtimeMs, after.ctimeMs]).toEqual([before.ino, before.mtimeMs, before.ctimeMs]);
  });

  it('repairs a drifted mode in place without rewriting', async () => {
    const path = join(tempDir(), 'f');
    await writeFileAtomic(path, 'same', { mode: 0o600 });
    chmodSync(path, 0o666);
    const inode = statSync(path).ino;
    const result = await writeFileAtomic(path, 'same', { mode: 0o600 });
    expect(result).toMatchObject({ action: 'repaired', mode: 0o600 });
    expect(statSync(path).ino).toBe(inode);
    expect(modeOf(path)).toBe(0o600);
  });

  it('replaces changed content with a new inode and the requested mode, whatever the old mode', async () => {
    const path = join(tempDir(), 'f');
    writeFileSync(path, 'old');
    chmodSync(path, 0o666);
    const inode = statSync(path).ino;
    const result = await writeFileAtomic(path, 'new', { mode: 0o600 });
    expect(result.action).toBe('updated');
    expect(statSync(path).ino).not.toBe(inode);
    expect(modeOf(path)).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toBe('new');
  });

  it('sets owner and group by name and by number, and repairs owner drift', async (ctx) => {
    requireRoot(ctx);
    const dir = tempDir();
    const byName = await writeFileAtomic(join(dir, 'a'), 'x', { owner: 'nobody', group: 'nogroup' });
    expect([byName.uid, byName.gid]).toEqual([65534, 65534]);
    expect(statSync(join(dir, 'a')).uid).toBe(65534);
    const byNumber = await writeFileAtomic(join(dir, 'b'), 'x', { owner: 1234, group: 2345 });
    expect([byNumber.uid, byNumber.gid]).toEqual([1234, 2345]);
    const byNumericString = await writeFileAtomic(join(dir, 'c'), 'x', { owner: '4321', group: '0' });
    expect([byNumericString.uid, byNumericString.gid]).toEqual([4321, 0]);
    chownSync(join(dir, 'a'), 0, 0);
    const repaired = await writeFileAtomic(join(dir, 'a'), 'x', { owner: 'nobody', group: 65534 });
    expect(repaired).toMatchObject({ action: 'repaired', uid: 65534, gid: 65534 });
  });

  it('keeps the existing owner and group on rewrite when none is given', async (ctx) => {
    requireRoot(ctx);
    const path = join(tempDir(), 'f');
    writeFileSync(path, 'old');
    chownSync(path, 1111, 2222);
    const result = await writeFileAtomic(path, 'new');
    expect(result).toMatchObject({ action: 'updated', uid: 1111, gid: 2222 });
  });

  it('rejects an unknown owner or group with a typed error and writes nothing', async () => {
    const dir = tempDir();
    const user = await rejection(writeFileAtomic(join(dir, 'f'), 'x', { owner: 'no-such-user-cw' }));
    expect(user.code).toBe('ERR_FS_SAFE_UNKNOWN_USER');
    expect(user.message).toContain('no-such-user-cw');
    const group = await rejection(writeFileAtomic(join(dir, 'f'), 'x', { group: 'no-such-group-cw' }));
    expect(group.code).toBe('ERR_FS_SAFE_UNKNOWN_GROUP');
    expect(() => lstatSync(join(dir, 'f'))).toThrow();
  });

  it.each([
    ['a setuid mode', { mode: 0o4755 }],
    ['a negative mode', { mode: -1 }],
    ['a fractional dirMode', { dirMode: 1.5 }],
    ['an unknown symlink policy', { followSymlinks: 'sometimes' }],
    ['a negative owner', { owner: -5 }],
  ])('throws TypeError for %s', async (_name, options) => {
    await expect(writeFileAtomic(join(tempDir(), 'f'), 'x', options as never)).rejects.toThrow(TypeError);
  });

  it('throws TypeError for a path that is empty or names a directory', async () => {
    await expect(writeFileAtomic('', 'x')).rejects.toThrow(TypeError);
    await expect(writeFileAtomic(`${tempDir()}/`, 'x')).rejects.toThrow(TypeError);
  });

  it('refuses a target that is a directory', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'd'));
    const error = await rejection(writeFileAtomic(join(dir, 'd'), 'x'));
    expect(error.code).toBe('ERR_FS_SAFE_NOT_A_FILE');
    expect(error.path).toBe(join(dir, 'd'));
  });

  it('replaces a hard-linked target instead of writing through the other name', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'other'), 'same');
    linkSync(join(dir, 'other'), join(dir, 'f'));
    chmodSync(join(dir, 'f'), 0o644);
    const result = await writeFileAtomic(join(dir, 'f'), 'same', { mode: 0o600 });
    expect(result.action).toBe('updated');
    expect(modeOf(join(dir, 'other'))).toBe(0o644);
    expect(statSync(join(dir, 'f')).nlink).toBe(1);
  });
});

describe('writeFileAtomic symlink policy', () => {
  it('writes through a symlink that stays in its directory, keeping the link', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'real.pem'), 'old');
    symlinkSync('real.pem', join(dir, 'link.pem'));
    const result = await writeFileAtomic(join(dir, 'link.pem'), 'new');
    expect(result).toMatchObject({ action: 'updated', realPath: join(dir, 'real.pem') });
    expect(readlinkSync(join(dir, 'link.pem'))).toBe('real.pem');
    expect(readFileSync(join(dir, 'real.pem'), 'utf8')).toBe('new');
  });

  it('creates the target of a dangling symlink inside the directory', async () => {
    const dir = tempDir();
    symlinkSync('missing.pem', join(dir, 'link.pem'));
    const result = await writeFileAtomic(join(dir, 'link.pem'), 'new');
    expect(result).toMatchObject({ action: 'created', realPath: join(dir, 'missing.pem') });
    expect(lstatSync(join(dir, 'link.pem')).isSymbolicLink()).toBe(true);
  });

  it('refuses a symlink that leads out of its directory and leaves its target intact', async () => {
    const dir = tempDir();
    const outside = tempDir();
    writeFileSync(join(outside, 'victim'), 'precious');
    symlinkSync(join(outside, 'victim'), join(dir, 'key.pem'));
    const error = await rejection(writeFileAtomic(join(dir, 'key.pem'), 'new'));
    expect(error.code).toBe('ERR_FS_SAFE_UNSAFE_PATH');
    expect(error.path).toBe(join(dir, 'key.pem'));
    expect(readFileSync(join(outside, 'victim'), 'utf8')).toBe('precious');
    symlinkSync('../x/../../etc/passwd', join(dir, 'sneaky.pem'));
    expect((await rejection(writeFileAtomic(join(dir, 'sneaky.pem'), 'x'))).code).toBe(
      'ERR_FS_SAFE_UNSAFE_PATH',
    );
  });

  it("refuses any symlink with followSymlinks: 'never'", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'real.pem'), 'old');
    symlinkSync('real.pem', join(dir, 'link.pem'));
    const error = await rejection(writeFileAtomic(join(dir, 'link.pem'), 'new', { followSymlinks: 'never' }));
    expect(error.code).toBe('ERR_FS_SAFE_UNSAFE_PATH');
    expect(readFileSync(join(dir, 'real.pem'), 'utf8')).toBe('old');
  });

  it("writes through a symlink anywhere with followSymlinks: 'always'", async () => {
    const dir = tempDir();
    const outside = tempDir();
    symlinkSync(join(outside, 'sub', 'real.pem'), join(dir, 'link.pem'));
    const result = await writeFileAtomic(join(dir, 'link.pem'), 'new', { followSymlinks: 'always' });
    expect(result.realPath).toBe(join(outside, 'sub', 'real.pem'));
    expect(readFileSync(join(outside, 'sub', 'real.pem'), 'utf8')).toBe('new');
  });

  it('refuses a symlink loop', async () => {
    const dir = tempDir();
    symlinkSync('b', join(dir, 'a'));
    symlinkSync('a', join(dir, 'b'));
    expect((await rejection(writeFileAtomic(join(dir, 'a'), 'x', { followSymlinks: 'always' }))).code).toBe(
      'ERR_FS_SAFE_UNSAFE_PATH',
    );
  });

  it('removes a symlink planted at a temp-like name without following it', async () => {
    // Temp names are random and opened O_CREAT|O_EXCL|O_NOFOLLOW, so a planted link is never opened;
    // one with a stale-looking name is unlinked (the link, not its target) by the cleanup.
    const dir = tempDir();
    const outside = tempDir();
    writeFileSync(join(outside, 'victim'), 'precious');
    symlinkSync(join(outside, 'victim'), join(dir, `.f.${process.pid}.0000000000000000.tls-client-tmp`));
    await writeFileAtomic(join(dir, 'f'), 'new');
    expect(readFileSync(join(outside, 'victim'), 'utf8')).toBe('precious');
  });
});

describe('cleanStaleTempFiles', () => {
  it('removes temp files of dead writers on the next write, and keeps live ones', async () => {
    const dir = tempDir();
    const dead = `.cert.pem.${deadPid()}.0123456789abcdef.tls-client-tmp`;
    const ownStale = `.cert.pem.${process.pid}.fedcba9876543210.tls-client-tmp`;
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const live = `.cert.pem.${sleeper.pid}.00112233445566ff.tls-client-tmp`;
      for (const name of [dead, ownStale, live, 'unrelated.tmp']) writeFileSync(join(dir, name), 'partial');
      await writeFileAtomic(join(dir, 'other.pem'), 'x');
      expect(tempFilesIn(dir)).toEqual([live]);
      expect(lstatSync(join(dir, 'unrelated.tmp')).isFile()).toBe(true);
    } finally {
      sleeper.kill('SIGKILL');
    }
  });

  it('removes temp files older than an hour even when their pid is in use', async () => {
    const dir = tempDir();
    const name = `.cert.pem.${process.ppid}.0123456789abcdef.tls-client-tmp`;
    writeFileSync(join(dir, name), 'partial');
    expect(await cleanStaleTempFiles(dir)).toEqual([]);
    const old = new Date(Date.now() - 2 * 3600_000);
    const { utimesSync } = await import('node:fs');
    utimesSync(join(dir, name), old, old);
    expect(await cleanStaleTempFiles(dir)).toEqual([join(dir, name)]);
  });
});

describe('writeFileAtomic faults', () => {
  it('fails with ERR_FS_SAFE_PERMISSION in an immutable directory and keeps the old file', async (ctx) => {
    requireRoot(ctx);
    const dir = tempDir();
    writeFileSync(join(dir, 'f'), 'old', { mode: 0o644 });
    const chattr = spawnSync('chattr', ['+i', dir], { encoding: 'utf8' });
    // Not every file system supports the immutable attribute (tmpfs, some overlayfs).
    if (chattr.status !== 0) ctx.skip(`chattr +i is not supported on ${dir}: ${chattr.stderr.trim()}`);
    try {
      const error = await rejection(writeFileAtomic(join(dir, 'f'), 'new'));
      expect(error.code).toBe('ERR_FS_SAFE_PERMISSION');
      expect(error.path).toBe(join(dir, 'f'));
      expect(readFileSync(join(dir, 'f'), 'utf8')).toBe('old');
    } finally {
      spawnSync('chattr', ['-i', dir]);
    }
    expect(tempFilesIn(dir)).toEqual([]);
  });

  it('fails with ERR_FS_SAFE_PERMISSION for an unprivileged user, in a read-only dir and a missing parent', (ctx) => {
    requireRoot(ctx);
    const entry = distEntry();
    const dir = tempDir();
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'f'), 'old', { mode: 0o644 });
    const code = `
        const { writeFileAtomic } = await import(${JSON.stringify(entry)});
        ${dropPrivileges(65534, 65534)}
        const out = [];
        for (const path of [${JSON.stringify(join(dir, 'f'))}, ${JSON.stringify(join(dir, 'missing', 'sub', 'f'))}]) {
          try { await writeFileAtomic(path, 'new'); out.push('written'); }
          catch (e) { out.push({ code: e.code, path: e.path, syscall: e.syscallCode }); }
        }
        console.log(JSON.stringify(out));`;
    const run = runNode(code);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual([
      { code: 'ERR_FS_SAFE_PERMISSION', path: join(dir, 'f'), syscall: 'EACCES' },
      { code: 'ERR_FS_SAFE_PERMISSION', path: join(dir, 'missing'), syscall: 'EACCES' },
    ]);
    expect(readFileSync(join(dir, 'f'), 'utf8')).toBe('old');
    expect(tempFilesIn(dir)).toEqual([]);
  });

  it('fails with ERR_FS_SAFE_READ_ONLY on a read-only mount and keeps the old file', async (ctx) => {
    requireMount(ctx);
    const { dir, unmount } = mountTmpfs('256k');
    try {
      await writeFileAtomic(join(dir, 'f'), 'old', { mode: 0o644 });
      expect(spawnSync('mount', ['-o', 'remount,ro', dir]).status).toBe(0);
      const error = await rejection(writeFileAtomic(join(dir, 'f'), 'new', { mode: 0o644 }));
      expect(error.code).toBe('ERR_FS_SAFE_READ_ONLY');
      expect(readFileSync(join(dir, 'f'), 'utf8')).toBe('old');
      // Same content on a read-only mount is not an error: nothing needs writing.
      expect((await writeFileAtomic(join(dir, 'f'), 'old', { mode: 0o644 })).action).toBe('unchanged');
    } finally {
      unmount();
    }
  });

  it('fails with ERR_FS_SAFE_NO_SPACE on a full file system and keeps the old file', async (ctx) => {
    requireMount(ctx);
    const { dir, unmount } = mountTmpfs('64k');
    try {
      await writeFileAtomic(join(dir, 'f'), 'old', { mode: 0o644 });
      fill(dir);
      const error = await rejection(writeFileAtomic(join(dir, 'f'), 'n'.repeat(32 * 1024), { mode: 0o644 }));
      expect(error.code).toBe('ERR_FS_SAFE_NO_SPACE');
      expect(readFileSync(join(dir, 'f'), 'utf8')).toBe('old');
      expect(tempFilesIn(dir)).toEqual([]);
    } finally {
      unmount();
    }
  });
});

/** Fills a file system until ENOSPC. */
function fill(dir: string): void {
  const chunk = Buffer.alloc(4096, 1);
  for (let i = 0; ; i++) {
    try {
      writeFileSync(join(dir, `filler-${i}`), chunk);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOSPC') return;
      throw error;
    }
  }
}
