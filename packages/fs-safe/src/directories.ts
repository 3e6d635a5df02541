import { constants } from 'node:fs';
import { type FileHandle, mkdir, open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { errnoOf, FsSafeError, toFsError } from './errors.js';

/**
 * fsync of a directory makes a rename or a new entry in it durable. File systems that refuse it
 * (EINVAL, ENOTSUP) are taken as having nothing to sync.
 * @throws {FsSafeError} for any other failure.
 */
export async function fsyncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    await handle.sync();
  } catch (error) {
    const code = errnoOf(error);
    if (code !== 'EINVAL' && code !== 'ENOTSUP') throw toFsError(error, dir, 'sync directory');
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Creates the missing directories of `dir` with exactly `dirMode` (umask-independent, set through an
 * fd that never follows a link), owned by `uid`/`gid` when given (-1: unchanged). Existing
 * directories are never touched; one another process creates first is left as it made it.
 *
 * @throws {FsSafeError} `ERR_FS_SAFE_NOT_A_FILE` when a component is not a directory, and the errno codes.
 * @example await ensureDir('/etc/app/tls', 0o750)
 */
export async function ensureDir(dir: string, dirMode: number, uid = -1, gid = -1): Promise<void> {
  const missing: string[] = [];
  for (let current = dir; ; current = dirname(current)) {
    try {
      const st = await stat(current);
      if (!st.isDirectory()) {
        throw new FsSafeError('ERR_FS_SAFE_NOT_A_FILE', `"${current}" exists and is not a directory`, {
          path: current,
        });
      }
      break;
    } catch (error) {
      if (errnoOf(error) !== 'ENOENT' || dirname(current) === current)
        throw toFsError(error, current, 'inspect');
      missing.unshift(current);
    }
  }
  for (const d of missing) {
    try {
      await mkdir(d, { mode: dirMode });
    } catch (error) {
      // Another writer created it first: it is theirs, so its mode is left alone.
      if (errnoOf(error) === 'EEXIST' && (await stat(d)).isDirectory()) continue;
      throw toFsError(error, d, 'create directory');
    }
    let handle: FileHandle | undefined;
    try {
      handle = await open(d, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
      if (uid !== -1 || gid !== -1) await handle.chown(uid, gid);
      await handle.chmod(dirMode);
    } catch (error) {
      throw toFsError(error, d, 'set the mode of directory');
    } finally {
      await handle?.close().catch(() => undefined);
    }
    await fsyncDir(dirname(d));
  }
}
