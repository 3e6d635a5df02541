import { createHash, X509Certificate } from 'node:crypto';
import { lstat, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { writeFileAtomic } from '@tls-client/fs-safe';
import { extractPemBlocks } from '@tls-client/protocol';
import { anchorStem, isFileOf, splitFileNames } from './anchor-name.js';
import { DISTRO_FAMILIES, type DistroFamily, detectDistro, distroLayout, isDistroFamily } from './distro.js';
import { CaInstallerError, ioError } from './errors.js';
import {
  type InstallRecord,
  type OwedUpdate,
  type RecordEntry,
  readRecord,
  writeRecord,
} from './install-record.js';
import { parseCaBundle } from './parse-ca-bundle.js';
import { runUpdateCommand } from './run-update-command.js';

/** Options of {@link CaInstaller}. */
export interface CaInstallerOptions {
  /**
   * Directory every system path is mapped under (tests, the demo). Default: `TLS_CLIENT_TRUST_ROOT`
   * from `env`, else `/`. With Debian's tool the update command is pointed at the same directory.
   */
  root?: string;
  /** Distribution family. Default: `TLS_CLIENT_DISTRO` from `env`, else detected from `<root>/etc/os-release`. */
  distro?: DistroFamily;
  /** Accept certificates without the CA basic constraint. Default false. */
  allowNonCa?: boolean;
  /** Timeout of the update command in milliseconds. Default 120 000. */
  timeoutMs?: number;
  /** The record of what was installed. Default `<root>/var/lib/tls-client/ca-installer.json`. */
  recordPath?: string;
  /** Environment for `TLS_CLIENT_*`, `PATH` lookup and the update command. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /**
   * Program to run instead of the family's (`update-ca-certificates` or `update-ca-trust`): a path,
   * or a name looked up on `PATH`. The family's arguments are kept. For stubs and wrappers.
   */
  updateCommand?: string;
}

/** Outcome of {@link CaInstaller.install}. */
export interface InstallResult {
  name: string;
  /** The anchor files holding the name's certificates now (absolute, root included). */
  files: string[];
  /** True when an anchor file was created, replaced or removed. */
  changed: boolean;
  /** True when the update command ran (because of a change, or one owed by an earlier failure). */
  updateRan: boolean;
  /** SHA-256 fingerprints of the installed certificates, in order (duplicates dropped). */
  fingerprints: string[];
}

/** Outcome of {@link CaInstaller.uninstall}. */
export interface UninstallResult {
  name: string;
  /** Anchor files that were removed. */
  removed: string[];
  updateRan: boolean;
}

/** One name in the record, as {@link CaInstaller.list} returns it. */
export interface InstalledCa {
  name: string;
  files: string[];
  /** sha256 (hex) of the name's canonical PEM, all certificates concatenated in order. */
  sha256: string;
  fingerprints: string[];
}

/** Default timeout of the update command: `update-ca-certificates` with a Java hook can take a while. */
export const DEFAULT_UPDATE_TIMEOUT_MS = 120_000;

const RECORD_PATH = 'var/lib/tls-client/ca-installer.json';
const OWED_ORDER: readonly OwedUpdate[] = ['none', 'update', 'fresh'];

function moreOwed(a: OwedUpdate, b: OwedUpdate): OwedUpdate {
  return OWED_ORDER.indexOf(a) >= OWED_ORDER.indexOf(b) ? a : b;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

async function readIfPresent(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined;
    throw ioError(error, path, 'read anchor file');
  }
}

/** True when a directory entry exists at `path` (a dangling symlink counts: it is still ours to remove). */
async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return false;
    throw ioError(error, path, 'inspect');
  }
}

async function removeFile(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return false;
    throw ioError(error, path, 'remove anchor file');
  }
}

function sameEntry(a: RecordEntry | undefined, b: RecordEntry): boolean {
  if (a === undefined || a.sha256 !== b.sha256 || a.distro !== b.distro) return false;
  if (a.files.length !== b.files.length) return false;
  return a.files.every((file, i) => file.path === b.files[i]?.path && file.sha256 === b.files[i]?.sha256);
}

/** SHA-256 fingerprints of the certificates in a file's bytes; unparsable blocks are skipped. */
function fingerprintsOf(bytes: Buffer | undefined): string[] {
  if (bytes === undefined) return [];
  const out: string[] = [];
  for (const block of extractPemBlocks(bytes.toString('utf8'))) {
    if (block.kind !== 'certificate') continue;
    try {
      out.push(new X509Certificate(block.pem).fingerprint256);
    } catch {
      // Not a certificate we could have trusted: nothing to withdraw.
    }
  }
  return out;
}

/**
 * Notes the outgoing certificates that no recorded name still installs, so the Debian bundle check
 * can take them out if the tool leaves them behind. Call after the record's entries are updated.
 */
function withdraw(record: InstallRecord, outgoing: Iterable<string>): void {
  const kept = new Set<string>();
  for (const entry of record.entries.values()) for (const f of entry.fingerprints) kept.add(f);
  const gone = [...outgoing].filter((f) => !kept.has(f));
  if (gone.length > 0) record.withdrawn = [...new Set([...record.withdrawn, ...gone])];
}

function checkName(name: unknown): asserts name is string {
  if (typeof name !== 'string') throw new TypeError('name must be a string');
}

/**
 * Installs CA certificates into the system trust store under a name, on Debian/Ubuntu, Alpine, the
 * RHEL family and SUSE. It validates before writing, writes anchor files atomically (mode 0644),
 * runs the distribution's update command only when an anchor changed (or an earlier run failed), and
 * keeps a record so rotated and unwanted CAs are removed. Calls on one instance run one at a time.
 *
 * @example
 * const installer = new CaInstaller();            // TLS_CLIENT_TRUST_ROOT / TLS_CLIENT_DISTRO honoured
 * const r = await installer.install('my-app', caPem);
 * if (r.updateRan) console.log(`trusted ${r.fingerprints.length} CA(s) in ${r.files.join(', ')}`);
 */
export class CaInstaller {
  /** The directory system paths are mapped under (`/` on a real system). */
  readonly root: string;
  /** The record file's path. */
  readonly recordPath: string;
  readonly #env: NodeJS.ProcessEnv;
  readonly #distroOption: DistroFamily | undefined;
  readonly #allowNonCa: boolean;
  readonly #timeoutMs: number;
  readonly #updateCommand: string | undefined;
  #family: DistroFamily | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  /**
   * @throws {TypeError} for a relative `root`/`recordPath`, an unknown `distro` or a bad `timeoutMs`.
   * @throws {CaInstallerError} `ERR_CA_INSTALLER_INVALID_ROOT` when `TLS_CLIENT_TRUST_ROOT` is relative.
   */
  constructor(options: CaInstallerOptions = {}) {
    this.#env = options.env ?? process.env;
    if (options.root !== undefined) {
      if (typeof options.root !== 'string' || !isAbsolute(options.root)) {
        throw new TypeError('root must be an absolute path');
      }
      this.root = resolve(options.root);
    } else {
      const fromEnv = this.#env.TLS_CLIENT_TRUST_ROOT;
      if (fromEnv !== undefined && fromEnv !== '' && !isAbsolute(fromEnv)) {
        throw new CaInstallerError(
          'ERR_CA_INSTALLER_INVALID_ROOT',
          `TLS_CLIENT_TRUST_ROOT must be an absolute path (got ${JSON.stringify(fromEnv.slice(0, 100))})`,
        );
      }
      this.root = fromEnv ? resolve(fromEnv) : '/';
    }
    if (options.distro !== undefined && !isDistroFamily(options.distro)) {
      throw new TypeError(`distro must be one of ${DISTRO_FAMILIES.join(', ')}`);
    }
    this.#distroOption = options.distro;
    this.#allowNonCa = options.allowNonCa === true;
    const timeoutMs = options.timeoutMs ?? DEFAULT_UPDATE_TIMEOUT_MS;
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > 2 ** 31 - 1) {
      throw new TypeError('timeoutMs must be a positive integer number of milliseconds');
    }
    this.#timeoutMs = timeoutMs;
    if (
      options.recordPath !== undefined &&
      (typeof options.recordPath !== 'string' || !isAbsolute(options.recordPath))
    ) {
      throw new TypeError('recordPath must be an absolute path');
    }
    this.recordPath = options.recordPath ?? join(this.root, RECORD_PATH);
    if (
      options.updateCommand !== undefined &&
      (typeof options.updateCommand !== 'string' || options.updateCommand === '')
    ) {
      throw new TypeError('updateCommand must be a non-empty string');
    }
    this.#updateCommand = options.updateCommand;
  }

  /**
   * The distribution family in use: the `distro` option, else `TLS_CLIENT_DISTRO`, else detected.
   *
   * @throws {CaInstallerError} `ERR_CA_INSTALLER_UNKNOWN_DISTRO`
   */
  distro(): DistroFamily {
    if (this.#family !== undefined) return this.#family;
    let family = this.#distroOption;
    const fromEnv = this.#env.TLS_CLIENT_DISTRO;
    if (family === undefined && fromEnv !== undefined && fromEnv !== '') {
      if (!isDistroFamily(fromEnv)) {
        throw new CaInstallerError(
          'ERR_CA_INSTALLER_UNKNOWN_DISTRO',
          `TLS_CLIENT_DISTRO must be one of ${DISTRO_FAMILIES.join(', ')} (got ${JSON.stringify(fromEnv.slice(0, 40))})`,
        );
      }
      family = fromEnv;
    }
    this.#family = family ?? detectDistro(this.root);
    return this.#family;
  }

  /**
   * Trusts the CA certificate(s) in `pem` under `name`, replacing what was installed under that name
   * before. Validates everything first; writes and updates only when an anchor file's bytes differ,
   * or when an earlier update failed.
   *
   * @throws {CaInstallerError} `ERR_CA_INSTALLER_INVALID_NAME`, `_INVALID_PEM`, `_PRIVATE_KEY`,
   *   `_INVALID_CERTIFICATE`, `_NOT_CA` (nothing written); `_UNKNOWN_DISTRO`; `_UPDATE_FAILED`,
   *   `_UPDATE_NOT_FOUND`, `_UPDATE_TIMEOUT` (files written, update owed); `_RECORD_CORRUPT`; `_IO`.
   * @example await new CaInstaller().install('my-app', relationCa)
   */
  async install(name: string, pem: string): Promise<InstallResult> {
    checkName(name);
    if (typeof pem !== 'string') throw new TypeError('pem must be a string');
    const stem = anchorStem(name);
    const certificates = parseCaBundle(pem, { allowNonCa: this.#allowNonCa });
    return this.#serial(async () => {
      const family = this.distro();
      const layout = distroLayout(family);
      const dir = this.#mapped(layout.anchorDir);
      const desired = layout.splitBundles
        ? splitFileNames(stem, certificates.length).map((file, i) => ({
            path: join(dir, file),
            content: certificates[i]?.pem ?? '',
          }))
        : [{ path: join(dir, `${stem}.crt`), content: certificates.map((c) => c.pem).join('') }];
      const record = await readRecord(this.recordPath);
      const previous = record.entries.get(name);
      const wanted = new Set(desired.map((d) => d.path));
      const candidates = new Set([...this.#recordedFiles(previous, stem), ...(await this.#leftovers(stem))]);
      const stale: string[] = [];
      for (const path of candidates) if (!wanted.has(path) && (await exists(path))) stale.push(path);

      // Certificates in files about to be replaced or removed, whether we recorded them or not.
      const outgoing = new Set(previous?.fingerprints ?? []);
      for (const path of stale) {
        for (const f of fingerprintsOf(await readIfPresent(path).catch(() => undefined))) outgoing.add(f);
      }
      let replaced = stale.length > 0;
      let differs = stale.length > 0;
      for (const file of desired) {
        const current = await readIfPresent(file.path);
        if (current === undefined) differs = true;
        else if (!current.equals(Buffer.from(file.content))) {
          differs = true;
          replaced = true;
          for (const f of fingerprintsOf(current)) outgoing.add(f);
        }
      }
      const entry: RecordEntry = {
        files: desired.map((d) => ({ path: d.path, sha256: sha256(d.content) })),
        sha256: sha256(certificates.map((c) => c.pem).join('')),
        fingerprints: certificates.map((c) => c.fingerprint256),
        distro: family,
        installedAt: differs || previous === undefined ? new Date().toISOString() : previous.installedAt,
      };
      if (differs) {
        // The record says "update owed" before any anchor changes, so a crash from here on is
        // repaired by the next call instead of leaving files the trust store never saw.
        record.entries.set(name, entry);
        withdraw(record, outgoing);
        record.owed = moreOwed(record.owed, replaced ? 'fresh' : 'update');
        await writeRecord(this.recordPath, record);
      } else if (!sameEntry(previous, entry)) {
        record.entries.set(name, entry);
        await writeRecord(this.recordPath, record);
      }
      // Also run when unchanged: writeFileAtomic fixes a drifted mode without touching the bytes.
      for (const file of desired) {
        try {
          await writeFileAtomic(file.path, file.content, { mode: 0o644, dirMode: 0o755 });
        } catch (error) {
          throw ioError(error, file.path, 'write anchor file');
        }
      }
      for (const path of stale) await removeFile(path);
      const updateRan = await this.#applyOwed(record);
      return {
        name,
        files: desired.map((d) => d.path),
        changed: differs,
        updateRan,
        fingerprints: entry.fingerprints,
      };
    });
  }

  /**
   * Removes what was installed under `name` (its recorded files, and any file of that name in the
   * anchor directory, such as the one the original layer wrote) and updates the trust store.
   * Without anything to remove and nothing owed, the update command does not run.
   *
   * @throws {CaInstallerError} `ERR_CA_INSTALLER_INVALID_NAME`, `_UNKNOWN_DISTRO`, `_UPDATE_*`,
   *   `_RECORD_CORRUPT`, `_IO`.
   */
  async uninstall(name: string): Promise<UninstallResult> {
    checkName(name);
    const stem = anchorStem(name);
    return this.#serial(async () => {
      const record = await readRecord(this.recordPath);
      const removed = await this.#removeNames(record, [[name, stem]]);
      const updateRan = await this.#applyOwed(record);
      return { name, removed, updateRan };
    });
  }

  /**
   * Uninstalls every recorded name not in `keep`, with one update at most, and returns those names.
   * Charms sharing a machine share the record: pass every name still wanted, or give each its own
   * `recordPath`.
   *
   * @throws {CaInstallerError} as {@link CaInstaller.uninstall}.
   */
  async prune(keep: readonly string[]): Promise<string[]> {
    if (!Array.isArray(keep) || !keep.every((k) => typeof k === 'string')) {
      throw new TypeError('keep must be an array of strings');
    }
    const kept = new Set(keep);
    return this.#serial(async () => {
      const record = await readRecord(this.recordPath);
      const names = [...record.entries.keys()].filter((n) => !kept.has(n)).sort();
      await this.#removeNames(
        record,
        names.map((n) => [n, anchorStem(n)]),
      );
      await this.#applyOwed(record);
      return names;
    });
  }

  /**
   * Lists what the record says is installed, sorted by name.
   *
   * @throws {CaInstallerError} `ERR_CA_INSTALLER_RECORD_CORRUPT`, `_IO`.
   */
  list(): Promise<InstalledCa[]> {
    return this.#serial(async () => {
      const record = await readRecord(this.recordPath);
      return [...record.entries]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([name, entry]) => ({
          name,
          files: entry.files.map((f) => f.path),
          sha256: entry.sha256,
          fingerprints: [...entry.fingerprints],
        }));
    });
  }

  /**
   * True when `name` is recorded, every one of its anchor files holds the recorded bytes, and no
   * update is owed (so the trust store has seen them).
   *
   * @throws {CaInstallerError} `ERR_CA_INSTALLER_INVALID_NAME`, `_RECORD_CORRUPT`, `_IO`.
   */
  async isTrusted(name: string): Promise<boolean> {
    checkName(name);
    anchorStem(name);
    return this.#serial(async () => {
      const record = await readRecord(this.recordPath);
      const entry = record.entries.get(name);
      if (entry === undefined || record.owed !== 'none') return false;
      for (const file of entry.files) {
        const bytes = await readIfPresent(file.path);
        if (bytes === undefined || createHash('sha256').update(bytes).digest('hex') !== file.sha256)
          return false;
      }
      return true;
    });
  }

  /**
   * True when an earlier update failed and is still owed (the next call of any method runs it).
   *
   * @throws {CaInstallerError} `ERR_CA_INSTALLER_RECORD_CORRUPT`, `_IO`.
   */
  isUpdateOwed(): Promise<boolean> {
    return this.#serial(async () => (await readRecord(this.recordPath)).owed !== 'none');
  }

  /**
   * Runs the update command if one is owed, and says whether it ran.
   *
   * @throws {CaInstallerError} `ERR_CA_INSTALLER_UNKNOWN_DISTRO`, `_UPDATE_*`, `_RECORD_CORRUPT`, `_IO`.
   */
  applyPendingUpdate(): Promise<boolean> {
    return this.#serial(async () => this.#applyOwed(await readRecord(this.recordPath)));
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #mapped(systemPath: string): string {
    return this.root === '/' ? systemPath : join(this.root, systemPath);
  }

  /**
   * The recorded files of an entry that we would have written: in one family's anchor directory
   * under our root, and named as ours for `stem`. Anything else in a (hand-edited) record is never
   * deleted.
   */
  #recordedFiles(entry: RecordEntry | undefined, stem: string): string[] {
    if (entry === undefined) return [];
    const dirs = new Set(DISTRO_FAMILIES.map((family) => this.#mapped(distroLayout(family).anchorDir)));
    return entry.files
      .map((file) => file.path)
      .filter((path) => dirs.has(dirname(path)) && isFileOf(stem, basename(path)));
  }

  /** Files in the current anchor directory named as ours for `stem` (e.g. left by a crash or the original layer). */
  async #leftovers(stem: string): Promise<string[]> {
    const dir = this.#mapped(distroLayout(this.distro()).anchorDir);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') return [];
      throw ioError(error, dir, 'list anchor directory');
    }
    return names.filter((file) => isFileOf(stem, file)).map((file) => join(dir, file));
  }

  async #removeNames(record: InstallRecord, names: readonly [string, string][]): Promise<string[]> {
    const targets: string[] = [];
    const outgoing = new Set<string>();
    let forgotten = false;
    for (const [name, stem] of names) {
      const entry = record.entries.get(name);
      const paths = new Set([...this.#recordedFiles(entry, stem), ...(await this.#leftovers(stem))]);
      for (const path of paths) {
        if (!(await exists(path))) continue;
        targets.push(path);
        for (const f of fingerprintsOf(await readIfPresent(path).catch(() => undefined))) outgoing.add(f);
      }
      if (entry !== undefined) {
        for (const f of entry.fingerprints) outgoing.add(f);
        record.entries.delete(name);
        forgotten = true;
      }
    }
    withdraw(record, outgoing);
    if (targets.length > 0) record.owed = moreOwed(record.owed, 'fresh');
    // Written before any file goes, like install: a crash leaves the update owed, not forgotten.
    if (targets.length > 0 || forgotten) await writeRecord(this.recordPath, record);
    const removed: string[] = [];
    for (const path of targets) if (await removeFile(path)) removed.push(path);
    return removed;
  }

  /** Runs the owed update, if any, then clears it in the record. Returns whether it ran. */
  async #applyOwed(record: InstallRecord): Promise<boolean> {
    if (record.owed === 'none') return false;
    const family = this.distro();
    const layout = distroLayout(family);
    const [program, ...args] = layout.command;
    const argv: [string, ...string[]] = [this.#updateCommand ?? program, ...args];
    const bundle = this.#mapped('/etc/ssl/certs/ca-certificates.crt');
    if (family === 'debian') {
      // After a replaced or removed anchor, a plain run keeps the old hash links (it only looks
      // for new file names), so `-CApath` users would keep the old CA: --fresh rebuilds them.
      if (record.owed === 'fresh') argv.push('--fresh');
      if (this.root !== '/') {
        argv.push(
          '--certsconf',
          this.#mapped('/etc/ca-certificates.conf'),
          '--certsdir',
          this.#mapped('/usr/share/ca-certificates'),
          '--localcertsdir',
          this.#mapped('/usr/local/share/ca-certificates'),
          '--etccertsdir',
          this.#mapped('/etc/ssl/certs'),
          '--hooksdir',
          this.#mapped('/etc/ca-certificates/update.d'),
        );
      }
    }
    const before = family === 'debian' ? await stat(bundle).catch(() => undefined) : undefined;
    await runUpdateCommand(argv, { env: this.#env, timeoutMs: this.#timeoutMs });
    if (family === 'debian' && before !== undefined && record.withdrawn.length > 0) {
      await this.#dropStaleFromBundle(bundle, before.ino, record.withdrawn);
    }
    record.owed = 'none';
    record.withdrawn = [];
    await writeRecord(this.recordPath, record);
    return true;
  }

  /**
   * Debian's script only replaces the bundle when it added at least one certificate, so removing
   * the last local CA on a system with no other certificate leaves it in the bundle, still trusted.
   * When the bundle was not replaced, take our withdrawn certificates out of it ourselves.
   */
  async #dropStaleFromBundle(bundle: string, inoBefore: number, withdrawn: readonly string[]): Promise<void> {
    const now = await stat(bundle).catch(() => undefined);
    if (now === undefined || now.ino !== inoBefore) return;
    const gone = new Set(withdrawn);
    let text: string;
    try {
      text = await readFile(bundle, 'utf8');
    } catch (error) {
      throw ioError(error, bundle, 'read the CA bundle');
    }
    const blocks = extractPemBlocks(text);
    const kept = blocks.filter((block) => {
      try {
        return !gone.has(new X509Certificate(block.pem).fingerprint256);
      } catch {
        return true;
      }
    });
    if (kept.length === blocks.length) return;
    try {
      await writeFileAtomic(bundle, kept.map((b) => b.pem).join(''), { mode: 0o644 });
    } catch (error) {
      throw ioError(error, bundle, 'rewrite the CA bundle');
    }
  }
}
