import { constants } from 'node:fs';
import { type FileHandle, open, unlink } from 'node:fs/promises';

/** Mode and owner of a file {@link writeNewFile} creates. */
export interface NewFileOptions {
  /** Permission bits, exact whatever the umask, set before any byte exists. */
  mode: number;
  /** Owner uid, -1 (default) for the writing process. */
  uid?: number | undefined;
  /** Group gid, -1 (default) for the writing process's. */
  gid?: number | undefined;
}

/**
 * Creates a new file at `path` with `O_CREAT|O_EXCL|O_NOFOLLOW` (never opens something planted at
 * that name), sets its exact mode and owner before writing, writes `bytes` and fsyncs it. On any
 * failure the file is removed again. The caller fsyncs the directory when the entry must last.
 *
 * @throws the system error (`EEXIST` when the name is taken); callers map it with `toFsError`.
 */
export async function writeNewFile(path: string, bytes: Uint8Array, options: NewFileOptions): Promise<void> {
  const uid = options.uid ?? -1;
  const gid = options.gid ?? -1;
  const handle: FileHandle = await open(
    path,
    constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW,
    options.mode,
  );
  try {
    // open() applied the umask, which can only narrow; fchmod makes it exact before any byte exists.
    await handle.chmod(options.mode);
    if (uid !== -1 || gid !== -1) {
      const created = await handle.stat();
      if ((uid !== -1 && created.uid !== uid) || (gid !== -1 && created.gid !== gid)) {
        await handle.chown(uid, gid);
      }
    }
    await handle.writeFile(bytes);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(path).catch(() => undefined);
    throw error;
  }
  await handle.close();
}
