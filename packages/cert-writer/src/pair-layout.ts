import { randomBytes } from 'node:crypto';
import { basename, join } from 'node:path';

// The on-disk layout of a pair whose files share one directory D, after Kubernetes' AtomicWriter:
//
//   D/server.key  -> .server.key.tls-pair/server.key      (user-visible names: fixed symlinks)
//   D/server.crt  -> .server.key.tls-pair/server.crt
//   D/.server.key.tls-pair -> .server.key.tls-pair.v<time>-<hex>   (the one link a swap renames)
//   D/.server.key.tls-pair.v<time>-<hex>/{server.key,server.crt,…}  (one directory per version)
//   D/.server.key.tls-pair.lock                                     (serialises writers of the pair)
//   D/.server.key.tls-pair.journal                                  (only for pairs across directories)
//
// The pair is named after its key file, which no two pairs share. Pure names only; no I/O here.

const SUFFIX = '.tls-pair';

/** Names of one pair's bookkeeping entries, all in the key's directory. */
export interface PairNames {
  /** The directory. */
  dir: string;
  /** `.K.tls-pair`: the link to the current version directory (its name, not a path). */
  data: string;
  /** Full path of {@link PairNames.data}. */
  dataPath: string;
  /** Path of the lock file. */
  lock: string;
  /** Path of the journal of a write across directories. */
  journal: string;
}

export function pairNames(keyDir: string, keyPath: string): PairNames {
  const data = `.${basename(keyPath).slice(0, 100)}${SUFFIX}`;
  return {
    dir: keyDir,
    data,
    dataPath: join(keyDir, data),
    lock: join(keyDir, `${data}.lock`),
    journal: join(keyDir, `${data}.journal`),
  };
}

/** A fresh version directory name for a pair. */
export function newVersionName(names: PairNames): string {
  return `${names.data}.v${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** A fresh temp link name for a pair's swap. */
export function newLinkName(names: PairNames): string {
  return `${names.data}.link-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** True for a version directory or temp link of this pair (garbage unless it is the current version). */
export function isPairLeftover(names: PairNames, entry: string): boolean {
  return entry.startsWith(`${names.data}.v`) || entry.startsWith(`${names.data}.link-`);
}

/** The target a user-visible name's symlink has: `.K.tls-pair/<name>`. */
export function managedLinkTarget(names: PairNames, fileName: string): string {
  return `${names.data}/${fileName}`;
}

const MANAGED = /^\.[^/]+\.tls-pair\/[^/]+$/;

/** True when a symlink's target is one this package made (`.K.tls-pair/<name>`). */
export function isManagedLinkTarget(target: string): boolean {
  return MANAGED.test(target);
}
