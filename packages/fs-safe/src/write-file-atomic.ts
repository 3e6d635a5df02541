import { createHash } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { type FileHandle, lstat, open, readlink, realpath, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ensureDir, fsyncDir } from './directories.js';
import { errnoOf, FsSafeError, toFsError } from './errors.js';
import { writeNewFile } from './new-file.js';
import { resolveOwnerId } from './owner.js';
import { claimTempPath, cleanStaleTempFiles, releaseTempPath } from './temp-files.js';

/** What {@link writeFileAtomic} did to one file. */
export type FileAction = 'created' | 'updated' | 'unchanged' | 'repaired';

/** The outcome for one file: enough for a caller to decide which flags to set. */
export interface FileResult {
  /** The path as given (made absolute). */
  path: string;
  /** The file actually written: differs from `path` only when a symlink was followed. */
  realPath: string;
  /** `created` (was absent), `updated` (content replaced), `unchanged`, or `repaired` (mode/owner fixed in place). */
  action: FileAction;
  /** Hex sha256 of the file's content. */
  sha256: string;
  /** Permission bits of the file now (`0o600`, …). */
  mode: number;
  uid: number;
  gid: number;
}

/** How a symlink at the target path is treated. See the README's symlink policy. */
export type SymlinkPolicy = 'inside-dir' | 'always' | 'never';

/** Options of {@link writeFileAtomic}. */
export interface FileOptions {
  /** Final permission bits, applied to the temp file before any byte is written. Default `0o600`. */
  mode?: number;
  /** Owner by name or uid. Default: kept from the existing file when running as root, else the writing process. */
  owner?: string | number;
  /** Group by name or gid. Default: kept from the existing file, else the writing process's. */
  group?: string | number;
  /** Mode of parent directories that have to be created. Default `0o755`. Existing ones are untouched. */
  dirMode?: number;
  /**
   * A target that is a symlink: `inside-dir` (default) writes through it only when it resolves to a
   * file in the same directory; `always` writes through it wherever it points; `never` refuses it.
   */
  followSymlinks?: SymlinkPolicy;
}

const MAX_LINK_HOPS = 40;

function checkMode(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0o777) {
    throw new TypeError(`${name} must be an integer between 0 and 0o777 (no setuid, setgid or sticky bits)`);
  }
  return value;
}

function checkPath(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '' || value.includes('\0')) {
    throw new TypeError(`${name} must be a non-empty path without NUL bytes`);
  }
  if (value.endsWith('/')) throw new TypeError(`${name} must name a file, not a directory: "${value}"`);
  return resolve(value);
}

function checkPolicy(value: unknown): SymlinkPolicy {
  if (value === undefined) return 'inside-dir';
  if (value === 'inside-dir' || value === 'always' || value === 'never') return value;
  throw new TypeError(`followSymlinks must be 'inside-dir', 'always' or 'never'`);
}

function toBuffer(content: unknown): Buffer {
  if (typeof content === 'string') return Buffer.from(content, 'utf8');
  if (content instanceof Uint8Array)
    return Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  throw new TypeError('content must be a string or a Uint8Array');
}

/** The file a path leads to under a symlink policy, and its directory. */
export interface SymlinkTarget {
  path: string;
  dir: string;
}

/**
 * Applies a symlink policy to `path` (absolute) and returns the file a write replaces: `path` itself,
 * or where its symlink leads when the policy allows following it.
 * @throws {FsSafeError} `ERR_FS_SAFE_UNSAFE_PATH` when the policy refuses the link.
 */
export async function resolveSymlinkTarget(path: string, policy: SymlinkPolicy): Promise<SymlinkTarget> {
  let current = path;
  for (let hop = 0; hop <= MAX_LINK_HOPS; hop++) {
    let st: Stats;
    try {
      st = await lstat(current);
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') break;
      throw toFsError(error, current, 'inspect');
    }
    if (!st.isSymbolicLink()) break;
    if (policy === 'never') {
      throw new FsSafeError(
        'ERR_FS_SAFE_UNSAFE_PATH',
        `"${path}" is a symlink and the policy forbids following it`,
        { path },
      );
    }
    if (hop === MAX_LINK_HOPS) {
      throw new FsSafeError('ERR_FS_SAFE_UNSAFE_PATH', `"${path}" has too many levels of symlinks`, {
        path,
      });
    }
    const link = await readlink(current).catch((error: unknown) => {
      throw toFsError(error, current, 'read the symlink');
    });
    current = resolve(dirname(current), link);
  }
  if (current === path) return { path, dir: dirname(path) };
  if (policy === 'inside-dir') {
    const [linkDir, targetDir] = await Promise.all([
      realpath(dirname(path)),
      realpath(dirname(current)).catch(() => undefined),
    ]);
    if (targetDir !== linkDir) {
      throw new FsSafeError(
        'ERR_FS_SAFE_UNSAFE_PATH',
        `"${path}" is a symlink that leads out of its directory; refusing to write through it`,
        { path },
      );
    }
    const real = join(targetDir, basename(current));
    return { path: real, dir: targetDir };
  }
  return { path: current, dir: dirname(current) };
}

interface Existing {
  st: Stats;
  same: boolean;
}

/** Reads the current target without following a link, and compares it with `bytes`. */
async function readExisting(path: string, bytes: Buffer): Promise<Existing | undefined> {
  let st: Stats;
  try {
    st = await lstat(path);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined;
    throw toFsError(error, path, 'inspect');
  }
  if (!st.isFile()) {
    throw new FsSafeError('ERR_FS_SAFE_NOT_A_FILE', `"${path}" exists and is not a regular file`, {
      path,
    });
  }
  if (st.size !== bytes.length) return { st, same: false };
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const current = await handle.readFile();
    return { st: await handle.stat(), same: current.equals(bytes) };
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined;
    throw toFsError(error, path, 'read');
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * One file's write, split in phases so that several files can be staged (temp files written and
 * fsynced) before any of them replaces its target: {@link planFile}, {@link stageFile},
 * {@link commitFile}, and {@link discardFile} for a plan that will not be committed.
 */
export interface FilePlan {
  path: string;
  target: SymlinkTarget;
  bytes: Buffer;
  sha256: string;
  mode: number;
  uid: number;
  gid: number;
  existing: Existing | undefined;
  step: 'unchanged' | 'repair' | 'replace';
  temp?: string | undefined;
}

/** Checks the options, creates missing parents, applies the symlink policy and compares with the disk. */
export async function planFile(
  path: string,
  content: string | Uint8Array,
  options: FileOptions = {},
): Promise<FilePlan> {
  const absolute = checkPath('path', path);
  const bytes = toBuffer(content);
  const mode = checkMode('mode', options.mode, 0o600);
  const dirMode = checkMode('dirMode', options.dirMode, 0o755);
  const policy = checkPolicy(options.followSymlinks);
  const [uid, gid] = await Promise.all([
    options.owner === undefined ? -1 : resolveOwnerId('user', options.owner),
    options.group === undefined ? -1 : resolveOwnerId('group', options.group),
  ]);

  await ensureDir(dirname(absolute), dirMode, uid, gid);
  const target = await resolveSymlinkTarget(absolute, policy);
  if (target.dir !== dirname(absolute)) await ensureDir(target.dir, dirMode, uid, gid);
  await cleanStaleTempFiles(target.dir);

  const existing = await readExisting(target.path, bytes);
  // Unspecified owner or group: keep what the file has, so a rewrite does not lock a service out.
  // Only root can give a file away; anyone else gets a file of their own, as with any new file.
  const keep = process.geteuid?.() === 0 ? existing?.st : undefined;
  const wantUid = uid !== -1 ? uid : (keep?.uid ?? -1);
  const wantGid = gid !== -1 ? gid : (keep?.gid ?? -1);
  let step: FilePlan['step'] = 'replace';
  // A hard-linked target is replaced rather than repaired, so another name never changes with it.
  if (existing?.same && existing.st.nlink === 1) {
    const st = existing.st;
    const matches =
      (st.mode & 0o7777) === mode &&
      (wantUid === -1 || st.uid === wantUid) &&
      (wantGid === -1 || st.gid === wantGid);
    step = matches ? 'unchanged' : 'repair';
  }
  return {
    path: absolute,
    target,
    bytes,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    mode,
    uid: wantUid,
    gid: wantGid,
    existing,
    step,
  };
}

/** Writes and fsyncs the temp file of a plan that replaces its target. Nothing visible changes. */
export async function stageFile(plan: FilePlan): Promise<void> {
  if (plan.step !== 'replace' || plan.temp !== undefined) return;
  for (let attempt = 0; ; attempt++) {
    // Claimed before it exists, so a concurrent cleanup in this process never takes it for stale.
    const temp = claimTempPath(plan.target.dir, plan.target.path);
    try {
      await writeNewFile(temp, plan.bytes, { mode: plan.mode, uid: plan.uid, gid: plan.gid });
      plan.temp = temp;
      return;
    } catch (error) {
      releaseTempPath(temp);
      if (errnoOf(error) !== 'EEXIST' || attempt >= 4) throw toFsError(error, plan.path, 'write');
    }
  }
}

/** Removes the temp file of a plan that will not be committed. */
export async function discardFile(plan: FilePlan): Promise<void> {
  if (plan.temp === undefined) return;
  await unlink(plan.temp).catch(() => undefined);
  releaseTempPath(plan.temp);
  plan.temp = undefined;
}

/** Fixes mode and owner of a file whose content is already right, without rewriting it. */
async function repair(plan: FilePlan, st: Stats): Promise<Stats> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(plan.target.path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const now = await handle.stat();
    if (now.ino !== st.ino || now.dev !== st.dev)
      throw Object.assign(new Error('replaced'), { code: 'EAGAIN' });
    const narrowing = ((now.mode & 0o777) | plan.mode) === (now.mode & 0o777);
    // Never widen then narrow: when the new mode is a subset, tighten before giving the file away.
    if (narrowing) await handle.chmod(plan.mode);
    if ((plan.uid !== -1 && now.uid !== plan.uid) || (plan.gid !== -1 && now.gid !== plan.gid)) {
      await handle.chown(plan.uid, plan.gid);
    }
    if (!narrowing) await handle.chmod(plan.mode);
    await handle.sync();
    return await handle.stat();
  } catch (error) {
    throw toFsError(error, plan.target.path, 'repair the mode or owner of');
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

function resultOf(plan: FilePlan, action: FileAction, st: Stats): FileResult {
  return {
    path: plan.path,
    realPath: plan.target.path,
    action,
    sha256: plan.sha256,
    mode: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
  };
}

/** Makes a plan visible: rename of the staged temp file plus directory fsync, or an in-place repair. */
export async function commitFile(plan: FilePlan): Promise<FileResult> {
  if (plan.step === 'unchanged' && plan.existing) return resultOf(plan, 'unchanged', plan.existing.st);
  if (plan.step === 'repair' && plan.existing) {
    try {
      return resultOf(plan, 'repaired', await repair(plan, plan.existing.st));
    } catch (error) {
      // Replaced under us between the read and the repair: fall back to a full rewrite.
      if (!(error instanceof FsSafeError) || error.syscallCode !== 'EAGAIN') throw error;
      plan.step = 'replace';
    }
  }
  await stageFile(plan);
  const temp = plan.temp!;
  try {
    // rename(2) is atomic on one file system: a reader opens the old file or the new one, never half.
    await rename(temp, plan.target.path);
  } catch (error) {
    await discardFile(plan);
    throw toFsError(error, plan.path, 'replace');
  }
  releaseTempPath(temp);
  plan.temp = undefined;
  await fsyncDir(plan.target.dir);
  const st = await lstat(plan.target.path).catch((error: unknown) => {
    throw toFsError(error, plan.path, 'inspect');
  });
  return resultOf(plan, plan.existing ? 'updated' : 'created', st);
}

/**
 * Writes one file atomically: a temp file created exclusively in the same directory with its final
 * mode, owner set, content written and fsynced, renamed over the target, directory fsynced. When the
 * content, mode and owner already match, nothing is written (`unchanged`); when only mode or owner
 * drifted, they are fixed in place (`repaired`). Stale temp files of crashed writers in that
 * directory are removed first.
 *
 * @throws {FsSafeError} `ERR_CERT_WRITER_PERMISSION`, `_READ_ONLY`, `_NO_SPACE`, `_UNSAFE_PATH`,
 *   `_NOT_A_FILE`, `_UNKNOWN_USER`, `_UNKNOWN_GROUP`, `_IO`. The old file is intact on any error.
 * @throws {TypeError} for a bad path, mode or option.
 * @example
 * const r = await writeFileAtomic('/etc/app/ca.pem', pem, { mode: 0o644 });
 * if (r.action !== 'unchanged') reload();
 */
export async function writeFileAtomic(
  path: string,
  content: string | Uint8Array,
  options: FileOptions = {},
): Promise<FileResult> {
  const plan = await planFile(path, content, options);
  try {
    return await commitFile(plan);
  } finally {
    await discardFile(plan);
  }
}
