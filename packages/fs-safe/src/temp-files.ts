import { randomBytes } from 'node:crypto';
import { lstat, readdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { isProcessGone } from './process-liveness.js';

// Temp names are `.<base>.<pid>.<16 hex>.tls-client-tmp`: the pid tells a cleanup whether the
// writer is gone, the random part makes the name unguessable, the suffix marks it as ours.
const TEMP_SUFFIX = '.tls-client-tmp';
const TEMP_PATTERN = /^\..*\.(\d+)\.[0-9a-f]{16}\.tls-client-tmp$/;
const STALE_AFTER_MS = 60 * 60 * 1000;

// Temp names this process has in use, so a cleanup in this process never takes them for stale.
const inFlight = new Set<string>();

/**
 * A fresh temp name next to `path` (same directory, so a rename over `path` is atomic), registered
 * as in use by this process until {@link releaseTempPath}.
 */
export function claimTempPath(dir: string, path: string): string {
  const base = basename(path).slice(0, 100);
  const name = join(dir, `.${base}.${process.pid}.${randomBytes(8).toString('hex')}${TEMP_SUFFIX}`);
  inFlight.add(name);
  return name;
}

/** Marks a temp name as no longer in use by this process (renamed into place, or removed). */
export function releaseTempPath(name: string): void {
  inFlight.delete(name);
}

/**
 * Removes temp files and directories a crashed writer left in `dir`: ours by name, whose process
 * is gone (or which are over an hour old). Best effort: a failure here never fails a write.
 * @returns the paths removed.
 */
export async function cleanStaleTempFiles(dir: string): Promise<string[]> {
  const removed: string[] = [];
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const match = TEMP_PATTERN.exec(name);
    if (!match) continue;
    const full = join(dir, name);
    const pid = Number(match[1]);
    let stale = pid === process.pid ? !inFlight.has(full) : isProcessGone({ pid });
    if (!stale) {
      const st = await lstat(full).catch(() => undefined);
      stale = st !== undefined && Date.now() - st.mtimeMs > STALE_AFTER_MS;
    }
    if (!stale) continue;
    const gone = await rm(full, { recursive: true, force: false }).then(
      () => true,
      () => false,
    );
    if (gone) removed.push(full);
  }
  return removed;
}
