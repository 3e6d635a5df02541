import { stat } from 'node:fs/promises';
import { CaInstaller } from '@tls-client/ca-installer';

/**
 * The CA as the system trust store holds it now, judged against what `@tls-client/ca-installer`
 * recorded when it installed it.
 *
 * - `trusted`: every anchor file is there with the recorded bytes, and no update is owed;
 * - `missing`: an anchor file is gone;
 * - `changed`: an anchor file holds other bytes than the ones installed;
 * - `update-owed`: the files are right but the trust store update failed and has not run since;
 * - `not-recorded`: the installer's record has no CA under this name;
 * - `unreadable`: the record cannot be read (`error` says why).
 */
export interface TrustAnchorStatus {
  state: 'trusted' | 'missing' | 'changed' | 'update-owed' | 'not-recorded' | 'unreadable';
  /** The installer's record file that was read. */
  recordPath: string;
  /** The anchor files the record lists (absolute), and whether each is on disk. */
  files: { path: string; exists: boolean }[];
  /** Why the record could not be read (`unreadable` only). */
  error: { code: string; message: string } | null;
}

/** Where to find the installer's record. */
export interface ReadTrustAnchorOptions {
  /** The record file, when the layer state names it (wins over `trustRoot` and `env`). */
  recordPath?: string | undefined;
  /** A sandbox trust root (as `TLS_CLIENT_TRUST_ROOT`); the record is `<root>/var/lib/tls-client/ca-installer.json`. */
  trustRoot?: string | undefined;
  /** `TLS_CLIENT_TRUST_ROOT` is read from here when neither option is given. */
  env: NodeJS.ProcessEnv;
}

/**
 * Reads the trust anchor of the CA installed as `name`, without writing anything: the installer's
 * record is only read, and the anchor files are only stat'ed and hashed.
 */
export async function readTrustAnchor(
  name: string,
  options: ReadTrustAnchorOptions,
): Promise<TrustAnchorStatus> {
  let installer: CaInstaller;
  try {
    installer = new CaInstaller({
      env: options.env,
      ...(options.trustRoot ? { root: options.trustRoot } : {}),
      ...(options.recordPath ? { recordPath: options.recordPath } : {}),
    });
  } catch (error) {
    return unreadable(options.recordPath ?? '', error);
  }
  const { recordPath } = installer;
  try {
    const entry = (await installer.list()).find((ca) => ca.name === name);
    if (entry === undefined) return { state: 'not-recorded', recordPath, files: [], error: null };
    const files = await Promise.all(entry.files.map(async (path) => ({ path, exists: await isFile(path) })));
    let state: TrustAnchorStatus['state'] = 'trusted';
    if (files.some((f) => !f.exists)) state = 'missing';
    else if (await installer.isUpdateOwed()) state = 'update-owed';
    else if (!(await installer.isTrusted(name))) state = 'changed';
    return { state, recordPath, files, error: null };
  } catch (error) {
    return unreadable(recordPath, error);
  }
}

function unreadable(recordPath: string, error: unknown): TrustAnchorStatus {
  const code = (error as { code?: unknown }).code;
  return {
    state: 'unreadable',
    recordPath,
    files: [],
    error: {
      code: typeof code === 'string' ? code : 'ERR_LAYER_STATE_FAILED',
      message: (error as Error).message,
    },
  };
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
