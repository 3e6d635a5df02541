import { createHash, randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import {
  chmod,
  chown,
  type FileHandle,
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  readlink,
  realpath,
  rename,
  rm,
  stat,
  symlink,
  unlink,
} from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import {
  acquireLock,
  claimTempPath,
  cleanStaleTempFiles,
  ensureDir,
  type FileAction,
  type FileResult,
  FsSafeError,
  fsyncDir,
  type LockHandle,
  releaseTempPath,
  resolveOwnerId,
  type SymlinkPolicy,
  writeFileAtomic,
  writeNewFile,
} from '@tls-client/fs-safe';
import { CertWriterError, toFsError } from './errors.js';
import {
  isManagedLinkTarget,
  isPairLeftover,
  managedLinkTarget,
  newLinkName,
  newVersionName,
  type PairNames,
  pairNames,
} from './pair-layout.js';

/** One file of a pair: where, what, and how. The first file of a pair is its key. */
export interface PairFile {
  /** Absolute path as the caller gave it. */
  path: string;
  bytes: Buffer;
  mode: number;
  /** Mode of missing parent directories. */
  dirMode: number;
  policy: SymlinkPolicy;
}

/**
 * How a pair write reached the disk: `none` (nothing differed: no write at all), `repair` (only
 * modes or owners fixed in place), `swap` (one atomic symlink rename, the files sharing a
 * directory) or `journal` (files in different directories: journaled renames).
 */
export type PairCommit = 'none' | 'repair' | 'swap' | 'journal';

const LOCK_TIMEOUT_MS = 30_000;
const VERSION_DIR_MODE = 0o755;
const MAX_LINK_HOPS = 40;
const STAGED = '.tls-pair-staged-';

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** What is at a user-visible name now. */
interface Current {
  /** `managed`: our symlink into this pair's data link. `foreign`: our kind of link, another pair's. */
  kind: 'absent' | 'regular' | 'managed' | 'foreign';
  /** Content as a reader sees it (undefined when a reader finds no file). */
  bytes: Buffer | undefined;
  /** stat as a reader sees it (links followed). */
  st: Stats | undefined;
}

/** A file resolved to the entry this package manages, with what is there now and what is wanted. */
interface Resolved extends PairFile {
  /** The entry we replace: `<real dir>/<name>`. */
  entry: string;
  dir: string;
  name: string;
  current: Current;
  uid: number;
  gid: number;
  sha256: string;
  action: FileAction;
}

/**
 * Follows a caller's own symlinks under the policy, but stops at a link this package made: that
 * link is the user-visible name we manage. Returns the path of the entry to manage.
 */
async function resolveUserPath(path: string, policy: SymlinkPolicy): Promise<string> {
  let current = path;
  for (let hop = 0; ; hop++) {
    let st: Stats;
    try {
      st = await lstat(current);
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') break;
      throw toFsError(error, current, 'inspect');
    }
    if (!st.isSymbolicLink()) break;
    const target = await readlink(current).catch((error: unknown) => {
      throw toFsError(error, current, 'read the symlink');
    });
    if (isManagedLinkTarget(target)) break;
    if (policy === 'never') {
      throw new CertWriterError(
        'ERR_CERT_WRITER_UNSAFE_PATH',
        `"${path}" is a symlink and the policy forbids following it`,
        {
          path,
        },
      );
    }
    if (hop === MAX_LINK_HOPS) {
      throw new CertWriterError('ERR_CERT_WRITER_UNSAFE_PATH', `"${path}" has too many levels of symlinks`, {
        path,
      });
    }
    current = resolve(dirname(current), target);
  }
  if (current !== path && policy === 'inside-dir') {
    const [linkDir, targetDir] = await Promise.all([
      realpath(dirname(path)),
      realpath(dirname(current)).catch(() => undefined),
    ]);
    if (targetDir !== linkDir) {
      throw new CertWriterError(
        'ERR_CERT_WRITER_UNSAFE_PATH',
        `"${path}" is a symlink that leads out of its directory; refusing to write through it`,
        { path },
      );
    }
  }
  return current;
}

async function readCurrent(entry: string, names: PairNames | undefined): Promise<Current> {
  let lst: Stats;
  try {
    lst = await lstat(entry);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return { kind: 'absent', bytes: undefined, st: undefined };
    throw toFsError(error, entry, 'inspect');
  }
  let kind: Current['kind'];
  if (lst.isSymbolicLink()) {
    const target = await readlink(entry);
    kind =
      names !== undefined && target === managedLinkTarget(names, basename(entry)) ? 'managed' : 'foreign';
  } else if (lst.isFile()) {
    kind = 'regular';
  } else {
    throw new CertWriterError('ERR_CERT_WRITER_NOT_A_FILE', `"${entry}" exists and is not a regular file`, {
      path: entry,
    });
  }
  let handle: FileHandle | undefined;
  try {
    // A regular file is opened without following; our links are followed into the version directory.
    handle = await open(
      entry,
      constants.O_RDONLY | constants.O_NONBLOCK | (kind === 'regular' ? constants.O_NOFOLLOW : 0),
    );
    const st = await handle.stat();
    if (!st.isFile()) {
      throw new CertWriterError('ERR_CERT_WRITER_NOT_A_FILE', `"${entry}" is not a regular file`, {
        path: entry,
      });
    }
    return { kind, bytes: await handle.readFile(), st };
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return { kind, bytes: undefined, st: undefined };
    throw toFsError(error, entry, 'read');
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

function isRoot(): boolean {
  return process.geteuid?.() === 0;
}

/** Decides one file's action against what is there. */
function decide(file: Resolved): void {
  const { current } = file;
  if (current.bytes === undefined || current.st === undefined) {
    file.action = 'created';
    return;
  }
  if (!current.bytes.equals(file.bytes)) {
    file.action = 'updated';
    return;
  }
  const st = current.st;
  const matches =
    (st.mode & 0o7777) === file.mode &&
    (file.uid === -1 || st.uid === file.uid) &&
    (file.gid === -1 || st.gid === file.gid);
  // A hard-linked file is rewritten rather than repaired, so another name never changes with it.
  file.action = matches ? 'unchanged' : st.nlink > 1 && current.kind === 'regular' ? 'updated' : 'repaired';
}

/** Fixes mode and owner in place; never widens before narrowing. */
async function repairInPlace(file: Resolved): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(file.entry, constants.O_RDONLY | constants.O_NONBLOCK);
    const now = await handle.stat();
    const narrowing = ((now.mode & 0o777) | file.mode) === (now.mode & 0o777);
    if (narrowing) await handle.chmod(file.mode);
    if ((file.uid !== -1 && now.uid !== file.uid) || (file.gid !== -1 && now.gid !== file.gid)) {
      await handle.chown(file.uid, file.gid);
    }
    if (!narrowing) await handle.chmod(file.mode);
    await handle.sync();
  } catch (error) {
    throw toFsError(error, file.path, 'repair the mode or owner of');
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** Writes a version directory holding `contents` (name, bytes, mode, uid, gid), fsynced, not yet linked. */
async function writeVersion(
  names: PairNames,
  contents: readonly { name: string; bytes: Buffer; mode: number; uid: number; gid: number }[],
  owner: { uid: number; gid: number },
): Promise<string> {
  const version = newVersionName(names);
  const dir = join(names.dir, version);
  try {
    // 0700 while it fills; opened up only once complete (files carry their own final modes).
    await mkdir(dir, { mode: 0o700 });
    for (const c of contents)
      await writeNewFile(join(dir, c.name), c.bytes, { mode: c.mode, uid: c.uid, gid: c.gid });
    if (owner.uid !== -1 || owner.gid !== -1) await chown(dir, owner.uid, owner.gid);
    await chmod(dir, VERSION_DIR_MODE);
    await fsyncDir(dir);
  } catch (error) {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    throw toFsError(error, dir, 'write the new version of');
  }
  return version;
}

/** Points the pair's data link at `version`: one rename, the commit point. */
async function swapData(names: PairNames, version: string): Promise<void> {
  const temp = join(names.dir, newLinkName(names));
  try {
    await symlink(version, temp);
    await rename(temp, names.dataPath);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw toFsError(error, names.dataPath, 'switch');
  }
  await fsyncDir(names.dir);
}

/** Makes `entry` our symlink `.K.tls-pair/<name>`, replacing what is there by one rename. */
async function linkName(names: PairNames, entry: string): Promise<void> {
  const temp = claimTempPath(names.dir, entry);
  try {
    await symlink(managedLinkTarget(names, basename(entry)), temp);
    await rename(temp, entry);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw toFsError(error, entry, 'link');
  } finally {
    releaseTempPath(temp);
  }
}

/**
 * Removes what no reader can reach any more (under the lock): version directories other than the
 * current one, swap links left by a crash, and our links to files the current version lacks.
 */
async function collectGarbage(names: PairNames, keep: string, present: ReadonlySet<string>): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(names.dir);
  } catch {
    return;
  }
  for (const entry of entries) {
    const full = join(names.dir, entry);
    if (isPairLeftover(names, entry) && entry !== keep) {
      await rm(full, { recursive: true, force: true }).catch(() => undefined);
      continue;
    }
    if (present.has(entry)) continue;
    const target = await readlink(full).catch(() => undefined);
    if (target !== undefined && target === managedLinkTarget(names, entry))
      await unlink(full).catch(() => undefined);
  }
}

/** Files of one directory: an atomic swap through the pair's data link. */
async function commitSwap(
  names: PairNames,
  files: Resolved[],
  owner: { uid: number; gid: number },
): Promise<void> {
  // A name that is not our link yet but shows content (a user's regular file, or another pair's
  // link) is first moved behind a version holding what it shows now: from then on every name reads
  // through the data link, and a crash anywhere leaves the old pair whole.
  const migrate = files.filter((f) => f.current.kind !== 'managed' && f.current.bytes !== undefined);
  if (migrate.length > 0) {
    const keepUid = isRoot();
    const old = files
      .filter((f) => f.current.bytes !== undefined && f.current.st !== undefined)
      .map((f) => ({
        name: f.name,
        bytes: f.current.bytes as Buffer,
        mode: (f.current.st as Stats).mode & 0o777,
        uid: keepUid ? (f.current.st as Stats).uid : -1,
        gid: keepUid ? (f.current.st as Stats).gid : -1,
      }));
    await swapData(names, await writeVersion(names, old, owner));
    for (const f of migrate) await linkName(names, f.entry);
    await fsyncDir(names.dir);
  }
  const version = await writeVersion(
    names,
    files.map((f) => ({ name: f.name, bytes: f.bytes, mode: f.mode, uid: f.uid, gid: f.gid })),
    owner,
  );
  // Names still missing get their link before the swap: it dangles (no file, as before) until the
  // swap makes every file appear at once.
  for (const f of files)
    if (f.current.kind !== 'managed' && f.current.bytes === undefined) await linkName(names, f.entry);
  if (files.some((f) => f.current.kind !== 'managed' && f.current.bytes === undefined))
    await fsyncDir(names.dir);
  await swapData(names, version);
  await collectGarbage(names, version, new Set(files.map((f) => f.name)));
}

interface Journal {
  version: 1;
  renames: { from: string; to: string }[];
}

function parseJournal(text: string): Journal | undefined {
  try {
    const value = JSON.parse(text) as Partial<Journal>;
    if (value.version !== 1 || !Array.isArray(value.renames)) return undefined;
    const ok = value.renames.every(
      (r) => typeof r?.from === 'string' && typeof r.to === 'string' && dirname(r.from) === dirname(r.to),
    );
    return ok ? (value as Journal) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Under the pair's lock: completes a journaled write a crash interrupted (renames every staged file
 * still waiting, in order), then removes the journal. Without a journal, staged files of the pair
 * are leftovers of a crash before the journal existed: removed. Returns true when a write was finished.
 */
async function finishJournal(
  names: PairNames,
  stagedDirs: readonly { dir: string; name: string }[],
): Promise<boolean> {
  let text: string | undefined;
  try {
    text = await readFile(names.journal, 'utf8');
  } catch (error) {
    if (errnoOf(error) !== 'ENOENT') throw toFsError(error, names.journal, 'read the journal');
  }
  const journal = text === undefined ? undefined : parseJournal(text);
  if (journal !== undefined) {
    for (const { from, to } of journal.renames) {
      try {
        await rename(from, to);
        await fsyncDir(dirname(to));
      } catch (error) {
        // Already renamed before the crash.
        if (errnoOf(error) !== 'ENOENT') throw toFsError(error, to, 'finish the interrupted write of');
      }
    }
  }
  if (text !== undefined) {
    await unlink(names.journal).catch(() => undefined);
    await fsyncDir(names.dir);
  }
  for (const { dir, name } of stagedDirs) {
    const entries = await readdir(dir).catch(() => [] as string[]);
    for (const entry of entries) {
      if (entry.startsWith(`.${name}${STAGED}`)) await unlink(join(dir, entry)).catch(() => undefined);
    }
  }
  return journal !== undefined;
}

/** Files in different directories: every file staged, a journal, then the renames (key first). */
async function commitJournaled(names: PairNames, files: Resolved[]): Promise<void> {
  const renames: { from: string; to: string; file: Resolved }[] = [];
  try {
    for (const file of files) {
      if (file.action === 'unchanged' || file.action === 'repaired') continue;
      const from = join(file.dir, `.${file.name}${STAGED}${randomBytes(6).toString('hex')}`);
      await writeNewFile(from, file.bytes, { mode: file.mode, uid: file.uid, gid: file.gid }).catch(
        (error: unknown) => {
          throw toFsError(error, file.path, 'write');
        },
      );
      renames.push({ from, to: file.entry, file });
    }
    for (const dir of new Set(renames.map((r) => r.file.dir))) await fsyncDir(dir);
    const journal: Journal = { version: 1, renames: renames.map(({ from, to }) => ({ from, to })) };
    // Durable before the first rename: from here on, the next start finishes the write.
    await writeFileAtomic(names.journal, `${JSON.stringify(journal)}\n`, {
      mode: 0o600,
      followSymlinks: 'never',
    });
  } catch (error) {
    for (const r of renames) await unlink(r.from).catch(() => undefined);
    throw toFsError(error, names.journal, 'write');
  }
  for (const { from, to } of renames) {
    await rename(from, to).catch((error: unknown) => {
      throw toFsError(error, to, 'replace');
    });
    await fsyncDir(dirname(to));
  }
  await unlink(names.journal).catch(() => undefined);
  await fsyncDir(names.dir);
  for (const file of files) if (file.action === 'repaired') await repairInPlace(file);
}

/** Takes the pair's lock; a failure to create it is reported for the key, classified by its errno. */
async function lockPair(names: PairNames, keyPath: string): Promise<LockHandle> {
  try {
    return await acquireLock(names.lock, LOCK_TIMEOUT_MS);
  } catch (error) {
    const unusable =
      error instanceof FsSafeError && error.code === 'ERR_FS_SAFE_LOCK_UNUSABLE' && error.syscallCode;
    throw toFsError(unusable ? error.cause : error, keyPath, 'write');
  }
}

async function resultOf(file: Resolved): Promise<FileResult> {
  const st = await stat(file.entry).catch((error: unknown) => {
    throw toFsError(error, file.path, 'inspect');
  });
  return {
    path: file.path,
    realPath: file.entry,
    action: file.action,
    sha256: file.sha256,
    mode: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
  };
}

/**
 * Writes the files of one certificate/key pair so that a reader, and a process killed at any
 * moment, sees either every old file or every new one. See the README ("Pairs are atomic").
 * `files[0]` is the key. Validation is the caller's; this is I/O only.
 */
export async function writePair(
  files: readonly PairFile[],
  options: { owner?: string | number | undefined; group?: string | number | undefined },
): Promise<{ files: FileResult[]; commit: PairCommit }> {
  const owner = {
    uid: options.owner === undefined ? -1 : await resolveOwnerId('user', options.owner).catch(rethrow),
    gid: options.group === undefined ? -1 : await resolveOwnerId('group', options.group).catch(rethrow),
  };
  // Parents first, key first, so a directory the key shares gets the key's mode.
  const entries: { file: PairFile; entry: string; dir: string }[] = [];
  for (const file of files) {
    await ensureDir(dirname(file.path), file.dirMode, owner.uid, owner.gid).catch(rethrow);
    const path = await resolveUserPath(file.path, file.policy);
    if (dirname(path) !== dirname(file.path)) {
      await ensureDir(dirname(path), file.dirMode, owner.uid, owner.gid).catch(rethrow);
    }
    const dir = await realpath(dirname(path)).catch((error: unknown) => {
      throw toFsError(error, dirname(path), 'inspect');
    });
    entries.push({ file, entry: join(dir, basename(path)), dir });
  }
  if (new Set(entries.map((e) => e.entry)).size !== entries.length) {
    throw new CertWriterError(
      'ERR_CERT_WRITER_UNSAFE_PATH',
      'two of the requested paths lead to the same file through symlinks',
      {
        path: files[0]?.path,
      },
    );
  }
  const key = entries[0]!;
  const names = pairNames(key.dir, key.entry);
  const together = entries.every((e) => e.dir === key.dir);
  const inspect = async (): Promise<Resolved[]> => {
    const resolved: Resolved[] = [];
    for (const { file, entry, dir } of entries) {
      const current = await readCurrent(entry, together ? names : undefined);
      // Unspecified owner or group: keep what the file has (root only can give a file away).
      const keep = isRoot() ? current.st : undefined;
      const r: Resolved = {
        ...file,
        entry,
        dir,
        name: basename(entry),
        current,
        uid: owner.uid !== -1 ? owner.uid : (keep?.uid ?? -1),
        gid: owner.gid !== -1 ? owner.gid : (keep?.gid ?? -1),
        sha256: createHash('sha256').update(file.bytes).digest('hex'),
        action: 'unchanged',
      };
      decide(r);
      resolved.push(r);
    }
    return resolved;
  };
  // No change = no write: an unchanged pair with no interrupted write is answered without even
  // taking the lock (a read-only mount, a full disk, a busy writer do not matter then).
  const before = await inspect();
  const journalExists = await lstat(names.journal).then(
    () => true,
    () => false,
  );
  if (!journalExists && before.every((f) => f.action === 'unchanged')) {
    const results: FileResult[] = [];
    for (const f of before) results.push(await resultOf(f));
    return { files: results, commit: 'none' };
  }
  const lock = await lockPair(names, files[0]!.path);
  try {
    await cleanStaleTempFiles(key.dir);
    await finishJournal(
      names,
      entries.map((e) => ({ dir: e.dir, name: basename(e.entry) })),
    );
    // Again under the lock: another writer may have changed the pair since.
    const resolved = await inspect();
    let commit: PairCommit = 'none';
    const changed = resolved.some((f) => f.action === 'created' || f.action === 'updated');
    if (!changed) {
      for (const f of resolved) if (f.action === 'repaired') await repairInPlace(f);
      if (resolved.some((f) => f.action === 'repaired')) commit = 'repair';
    } else if (together) {
      await commitSwap(names, resolved, owner);
      commit = 'swap';
    } else {
      await commitJournaled(names, resolved);
      commit = 'journal';
    }
    const results: FileResult[] = [];
    for (const f of resolved) results.push(await resultOf(f));
    return { files: results, commit };
  } finally {
    lock.release();
  }
}

/**
 * Finishes a write of the pair whose key is at `keyPath` that a crash interrupted between its
 * first and last rename (files in different directories), and removes its leftovers. Every
 * `writeCertificate` of the pair does this first; call it at start-up to repair the pair before
 * anything reads it. Returns true when an interrupted write was completed.
 *
 * @throws {CertWriterError} file codes (`ERR_CERT_WRITER_PERMISSION`, …).
 */
export async function finishInterruptedWrite(keyPath: string): Promise<boolean> {
  if (typeof keyPath !== 'string' || keyPath === '') throw new TypeError('keyPath must be a path');
  const absolute = resolve(keyPath);
  const dir = await realpath(dirname(absolute)).catch(() => undefined);
  if (dir === undefined) return false;
  const names = pairNames(dir, join(dir, basename(absolute)));
  const journalExists = await lstat(names.journal).then(
    () => true,
    () => false,
  );
  if (!journalExists) return false;
  const lock = await lockPair(names, absolute);
  try {
    return await finishJournal(names, []);
  } finally {
    lock.release();
  }
}

function rethrow(error: unknown): never {
  if (error instanceof TypeError) throw error;
  throw toFsError(error, '', 'write');
}
