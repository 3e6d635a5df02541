// Test helpers: temp directories, child processes as another user, and a probe for what this
// machine lets us do (tmpfs mounts, chattr).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dirs: string[] = [];

/** A fresh temp directory, removed by {@link removeTempDirs}. */
export function tempDir(prefix = 'fs-safe-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** Removes every temp directory made by {@link tempDir} (un-chattring as needed). */
export function removeTempDirs(): void {
  for (const dir of dirs.splice(0)) {
    spawnSync('chattr', ['-R', '-i', dir], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  }
}

/** True when this process may mount a tmpfs (root with CAP_SYS_ADMIN, not in a locked container). */
export function canMount(): boolean {
  if (process.getuid?.() !== 0) return false;
  const dir = mkdtempSync(join(tmpdir(), 'fs-safe-mount-probe-'));
  try {
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]).status !== 0) return false;
    spawnSync('umount', [dir]);
    return true;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Mounts a tmpfs of `size` on a fresh temp dir; returns the dir and an unmount function. */
export function mountTmpfs(size: string): { dir: string; unmount: () => void } {
  const dir = tempDir('fs-safe-tmpfs-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir]);
  return { dir, unmount: () => void spawnSync('umount', ['-l', dir]) };
}

/** The built package, for child processes (which cannot load TypeScript). CI builds before testing. */
export function distEntry(): string {
  const entry = new URL('../dist/index.js', import.meta.url).pathname;
  if (!existsSync(entry)) {
    throw new Error(
      `${entry} is missing: run \`pnpm --filter @tls-client/fs-safe build\` before these tests`,
    );
  }
  return entry;
}

/**
 * Code for a child snippet that becomes another user once its imports are loaded, so the child can
 * load the package from a checkout that user cannot read.
 */
export function dropPrivileges(uid: number, gid: number): string {
  return `process.setgroups([${gid}]); process.setgid(${gid}); process.setuid(${uid});`;
}

/** Runs an ES module snippet in a child node; returns its exit and output. */
export function runNode(
  code: string,
  options: { timeoutMs?: number } = {},
): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd: '/',
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 30_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Names in `dir` that look like our temp files. */
export function tempFilesIn(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.endsWith('.tls-client-tmp'));
}

/** The pid of a process that has exited. */
export function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  return Number(child.stdout.trim());
}

const mountableCache: { value?: boolean } = {};

/** Skips the test unless running as root, saying why. */
export function requireRoot(ctx: { skip: (note?: string) => never }): void {
  if (process.getuid?.() !== 0)
    ctx.skip('needs root: changes owners to other users and runs children as nobody');
}

/** Skips the test unless a tmpfs can be mounted, saying why. */
export function requireMount(ctx: { skip: (note?: string) => never }): void {
  mountableCache.value ??= canMount();
  if (!mountableCache.value) {
    ctx.skip(
      'cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN): read-only and disk-full cases not run',
    );
  }
}
