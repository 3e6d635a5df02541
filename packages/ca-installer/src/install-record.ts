import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@tls-client/fs-safe';
import { anchorStem } from './anchor-name.js';
import type { DistroFamily } from './distro.js';
import { isDistroFamily } from './distro.js';
import { CaInstallerError, ioError } from './errors.js';

/** One anchor file as installed: where, and the sha256 of the bytes written. */
export interface RecordedFile {
  path: string;
  sha256: string;
}

/** What was installed under one name. */
export interface RecordEntry {
  /** Anchor files, in certificate order. Absolute paths as written (the root included). */
  files: RecordedFile[];
  /** sha256 of the canonical PEM of all the name's certificates, concatenated in order. */
  sha256: string;
  /** SHA-256 fingerprints of the certificates, in order. */
  fingerprints: string[];
  distro: DistroFamily;
  installedAt: string;
}

/**
 * The update still owed to the trust store: `none`, a plain `update`, or `fresh` (Debian's
 * `--fresh`, needed after an anchor file was replaced or removed).
 */
export type OwedUpdate = 'none' | 'update' | 'fresh';

/** The record file: what this package installed, and whether an update is owed. */
export interface InstallRecord {
  version: 1;
  owed: OwedUpdate;
  /** By install name. A Map, so a name such as `__proto__` is just a name. */
  entries: Map<string, RecordEntry>;
  /**
   * Fingerprints of certificates removed from the anchors whose removal no update has confirmed yet
   * (Debian's bundle check uses them).
   */
  withdrawn: string[];
}

/** A record with nothing installed and nothing owed. */
export function emptyRecord(): InstallRecord {
  return { version: 1, owed: 'none', entries: new Map(), withdrawn: [] };
}

const HEX64 = /^[0-9a-f]{64}$/;

function isValidName(name: string): boolean {
  try {
    anchorStem(name);
    return true;
  } catch {
    return false;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkEntry(value: unknown): RecordEntry | undefined {
  if (!isObject(value)) return undefined;
  const { files, sha256, fingerprints, distro, installedAt } = value;
  if (!Array.isArray(files) || typeof sha256 !== 'string' || !HEX64.test(sha256)) return undefined;
  if (!Array.isArray(fingerprints) || !fingerprints.every((f) => typeof f === 'string')) return undefined;
  if (!isDistroFamily(distro) || typeof installedAt !== 'string') return undefined;
  const checked: RecordedFile[] = [];
  for (const file of files) {
    if (!isObject(file) || typeof file.path !== 'string' || !file.path.startsWith('/')) return undefined;
    if (typeof file.sha256 !== 'string' || !HEX64.test(file.sha256)) return undefined;
    checked.push({ path: file.path, sha256: file.sha256 });
  }
  return { files: checked, sha256, fingerprints: fingerprints as string[], distro, installedAt };
}

/** Parses a record file's text; throws `ERR_CA_INSTALLER_RECORD_CORRUPT` naming the path otherwise. */
export function parseRecord(text: string, path: string): InstallRecord {
  const corrupt = (why: string, cause?: unknown): never => {
    throw new CaInstallerError(
      'ERR_CA_INSTALLER_RECORD_CORRUPT',
      `record file "${path}" ${why}; move it aside to start afresh (files it listed are then forgotten)`,
      { path, cause },
    );
  };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return corrupt(`is not JSON (${Buffer.byteLength(text)} bytes)`, error);
  }
  if (!isObject(data) || data.version !== 1) return corrupt('is not a version 1 record');
  const owed = data.owed;
  if (owed !== 'none' && owed !== 'update' && owed !== 'fresh') return corrupt('has an invalid "owed" field');
  if (!isObject(data.entries)) return corrupt('has no "entries" object');
  const entries = new Map<string, RecordEntry>();
  for (const [name, value] of Object.entries(data.entries)) {
    const entry = checkEntry(value);
    if (entry === undefined || !isValidName(name)) {
      return corrupt(`has an invalid entry (${JSON.stringify(name.slice(0, 40))})`);
    }
    entries.set(name, entry);
  }
  const withdrawn = data.withdrawn ?? [];
  if (!Array.isArray(withdrawn) || !withdrawn.every((f) => typeof f === 'string')) {
    return corrupt('has an invalid "withdrawn" field');
  }
  return { version: 1, owed, entries, withdrawn: withdrawn as string[] };
}

/** Reads the record; a missing file is an empty record. */
export async function readRecord(path: string): Promise<InstallRecord> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyRecord();
    throw ioError(error, path, 'read the record file');
  }
  return parseRecord(text, path);
}

/** Writes the record atomically (mode 0644: it holds paths and hashes, nothing secret). */
export async function writeRecord(path: string, record: InstallRecord): Promise<void> {
  // fromEntries defines own properties, so `__proto__` round-trips like any other name.
  const sorted = Object.fromEntries([...record.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const text = `${JSON.stringify({ version: 1, owed: record.owed, entries: sorted, withdrawn: record.withdrawn }, null, 2)}\n`;
  try {
    await writeFileAtomic(path, text, { mode: 0o644, dirMode: 0o755 });
  } catch (error) {
    throw ioError(error, path, 'write the record file');
  }
}
