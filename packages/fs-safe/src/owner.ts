import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { FsSafeError } from './errors.js';

const MAX_ID = 0xfffffffe; // (uid_t)-1 means "unchanged" to chown(2), so it is never a real id

/** Which database an owner is looked up in. */
export type OwnerKind = 'user' | 'group';
const cache = new Map<string, number>();

/** Checks a numeric owner or group given by the caller. */
function checkId(kind: OwnerKind, id: number): number {
  if (!Number.isInteger(id) || id < 0 || id > MAX_ID) {
    throw new TypeError(`${kind === 'user' ? 'owner' : 'group'} must be a name or an integer id, got ${id}`);
  }
  return id;
}

// Fixed locations rather than $PATH: a hook's PATH must not choose what resolves our owners.
let getentPath: string | null | undefined;

function getent(database: 'passwd' | 'group', name: string): Promise<string | null | undefined> {
  getentPath ??= ['/usr/bin/getent', '/bin/getent'].find((p) => existsSync(p)) ?? null;
  const GETENT = getentPath;
  if (GETENT === null) return Promise.resolve(undefined);
  // argv array, no shell: the name never reaches a command line parser.
  return new Promise((resolve) => {
    execFile(GETENT, [database, name], { timeout: 10_000, encoding: 'utf8' }, (error, stdout) => {
      if (!error) return resolve(stdout);
      const code = (error as NodeJS.ErrnoException).code;
      // getent exits 2 when the name is unknown; undefined means "getent unavailable, try the files".
      resolve(code === 'ENOENT' ? undefined : null);
    });
  });
}

async function fromFile(database: 'passwd' | 'group', name: string): Promise<string | null> {
  const text = await readFile(`/etc/${database}`, 'utf8').catch(() => '');
  return text.split('\n').find((line) => line.split(':')[0] === name) ?? null;
}

/**
 * Resolves an owner or group (name or number) to a numeric id, through NSS (`getent`) with a
 * fallback to /etc/passwd and /etc/group. A string of digits that is not a known name is taken as a
 * number, as chown(1) does.
 */
export async function resolveOwnerId(kind: OwnerKind, value: string | number): Promise<number> {
  if (typeof value === 'number') return checkId(kind, value);
  if (typeof value !== 'string' || value === '' || value.includes(':') || value.includes('\n')) {
    throw new TypeError(`${kind === 'user' ? 'owner' : 'group'} must be a non-empty name or an integer id`);
  }
  const cacheKey = `${kind}:${value}`;
  const cached = cache.get(cacheKey);
  if (cached !== undefined) return cached;
  const database = kind === 'user' ? 'passwd' : 'group';
  let line = await getent(database, value);
  if (line === undefined) line = await fromFile(database, value);
  const field = line?.trim().split(':')[2];
  let id: number | undefined = field !== undefined && /^\d+$/.test(field) ? Number(field) : undefined;
  if (id === undefined && /^\d+$/.test(value)) id = checkId(kind, Number(value));
  if (id === undefined) {
    throw new FsSafeError(
      kind === 'user' ? 'ERR_FS_SAFE_UNKNOWN_USER' : 'ERR_FS_SAFE_UNKNOWN_GROUP',
      `${kind} "${value.slice(0, 64)}" does not exist on this host`,
    );
  }
  // Names are stable for the life of a hook process; the cache spares a subprocess per file.
  cache.set(cacheKey, id);
  return id;
}
