import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CaInstaller } from '@tls-client/ca-installer';
import {
  type FileResult,
  finishInterruptedWrite,
  writeCaCertificate,
  writeCertificate,
  writeFileAtomic,
} from '@tls-client/cert-writer';
import type { FlagStore } from '@tls-client/flags';
import type { CertType } from '@tls-client/protocol';
import { type CaIdentity, caIdentity, planCaRetirement, signingCaIds } from './ca-retirement.js';
import {
  type ChangedCertificate,
  type ChangeKind,
  changeKind,
  mergeKinds,
  recordChangeKind,
} from './changes.js';
import type { Checked, CheckedView } from './check-provider-data.js';
import { wrapError } from './errors.js';
import {
  certChangedFlag,
  certsChangedFlag,
  FLAGS_CLEARED_ON_BROKEN,
  TLS_CLIENT_FLAGS,
} from './flag-names.js';
import { matchAnswers } from './match-answers.js';
import {
  certId,
  type LayerState,
  PATHS_KEY,
  type PathRegistry,
  type RecordedCertificate,
  type RecordedFile,
  type StoredPaths,
} from './state.js';
import type { ResolvedOptions } from './tls-client.js';

/**
 * The hook's outputs: the CA copy and trust store, the certificate files, and what they leave in
 * the unit state and the flags. Everything here writes what was validated before (no validation
 * happens here); the hook (`hook-run.ts`) calls it in order.
 */

const CERT_TYPES: readonly CertType[] = ['server', 'client', 'application', 'intermediate'];

/** What the writers read and update; owned by one hook run. Internal. */
export interface OutputContext {
  readonly store: FlagStore;
  readonly options: ResolvedOptions;
  /** The environment the CA installer reads (`TLS_CLIENT_TRUST_ROOT`, `TLS_CLIENT_DISTRO`). */
  readonly env: NodeJS.ProcessEnv;
  readonly appName: string;
  /** The state being built for this hook (mutated). */
  state: LayerState;
  /** The state the last successful hook committed: "changed" is judged against it (W16). */
  readonly committed: LayerState;
  readonly filesWritten: string[];
  readonly warnings: string[];
  readonly changed: ChangedCertificate[];
  caInstalled: boolean;
  /**
   * A CA change whose trust-store work waits until this hook's certificates are written (see
   * {@link settleCaRetirement}); set by {@link writeCa}.
   */
  pendingCa?: { installed: CaIdentity; incoming: CaIdentity } | undefined;
}

/**
 * Completes every certificate/key pair write that a crash interrupted (a journaled write: the paths
 * are in different directories), before anything else of the hook reads or writes the files. A
 * pair without a journal costs one `lstat`.
 */
export async function finishInterruptedWrites(out: OutputContext): Promise<void> {
  const registry = out.store.getValue<PathRegistry>(PATHS_KEY) ?? {};
  const keys = Object.values(registry)
    .flatMap((byCn) => Object.values(byCn ?? {}))
    .filter((p) => p.crt !== null && p.key !== null)
    .map((p) => p.key as string);
  await Promise.all(
    keys.map(async (key) => {
      try {
        await finishInterruptedWrite(key);
      } catch (error) {
        throw wrapError(
          'ERR_LAYER_WRITE_FAILED',
          `cannot finish the interrupted write of ${key}`,
          error,
          key,
        );
      }
    }),
  );
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function isChanged(file: FileResult): boolean {
  return file.action === 'created' || file.action === 'updated';
}

function sameFiles(a: readonly RecordedFile[], b: readonly RecordedFile[]): boolean {
  const key = (files: readonly RecordedFile[]) =>
    files
      .map((f) => `${f.kind}\0${f.path}\0${f.sha256}`)
      .sort()
      .join('\n');
  return key(a) === key(b);
}

export async function writeCa(out: OutputContext, ca: string | undefined): Promise<void> {
  if (ca === undefined) return;
  const { store, options } = out;
  const caSha = sha256(ca);
  const path = options.caCertificatePath || undefined;
  if (path !== undefined) {
    let file: FileResult;
    try {
      file = await writeCaCertificate(path, ca, { mode: 0o644 });
    } catch (error) {
      throw wrapError('ERR_LAYER_WRITE_FAILED', `cannot write the CA certificate to ${path}`, error, path);
    }
    if (isChanged(file)) out.filesWritten.push(path);
    const before = out.committed.ca;
    if (isChanged(file) || before.path !== path || before.sha256 !== caSha)
      store.set(TLS_CLIENT_FLAGS.caWritten);
  }
  // The original set ca.saved only with ca_certificate_path configured; its docs said always.
  store.set(TLS_CLIENT_FLAGS.caSaved);
  out.state.ca.path = path ?? null;

  if (options.installCa) {
    const name = out.appName;
    const installer = trustStore(out);
    const current = out.state.ca.installed && out.state.ca.sha256 === caSha && out.state.ca.name === name;
    const replaced = current ? undefined : await replacedCa(out, installer);
    const incoming = replaced === undefined ? undefined : caIdentity(ca);
    if (replaced !== undefined && incoming !== undefined && replaced.id !== incoming.id) {
      // The old CA may sign certificates this hook does not replace: the trust store is settled
      // once they are written, so that it is trusted without a break, and not a moment longer.
      out.pendingCa = { installed: replaced, incoming };
    } else if (!current || !(await isTrustedNow(installer, name))) {
      await installAs(out, installer, name, ca);
    }
    out.state.ca = { ...out.state.ca, name, installed: true, recordPath: installer.recordPath, pem: ca };
    store.set(TLS_CLIENT_FLAGS.caInstalled);
  }
  out.state.ca.sha256 = caSha;
}

async function isTrustedNow(installer: CaInstaller, name: string): Promise<boolean> {
  try {
    return (await installer.isTrusted(name)) && !(await installer.isUpdateOwed());
  } catch (error) {
    throw wrapError(
      'ERR_LAYER_CA_INSTALL_FAILED',
      `cannot install the CA "${name}" into the system trust store`,
      error,
    );
  }
}

async function installAs(
  out: OutputContext,
  installer: CaInstaller,
  name: string,
  pem: string,
): Promise<void> {
  try {
    const result = await installer.install(name, pem);
    if (result.changed || result.updateRan) out.caInstalled = true;
    out.filesWritten.push(...(result.changed ? result.files : []));
  } catch (error) {
    throw wrapError(
      'ERR_LAYER_CA_INSTALL_FAILED',
      `cannot install the CA "${name}" into the system trust store`,
      error,
    );
  }
}

async function uninstallAs(installer: CaInstaller, name: string): Promise<void> {
  try {
    await installer.uninstall(name);
  } catch (error) {
    throw wrapError(
      'ERR_LAYER_CA_INSTALL_FAILED',
      `cannot withdraw the CA "${name}" from the trust store`,
      error,
    );
  }
}

/**
 * The CA under the application's name that a new one is about to replace. Its PEM is in the state;
 * states written before that have it only in the trust store's anchor files (read only here, on a
 * change). `undefined` when none is installed or it cannot be read (then nothing is retired).
 */
async function replacedCa(out: OutputContext, installer: CaInstaller): Promise<CaIdentity | undefined> {
  const { ca } = out.state;
  if (!ca.installed) return undefined;
  if (ca.pem !== undefined) return caIdentity(ca.pem);
  try {
    const entry = (await installer.list()).find((e) => e.name === ca.name);
    if (entry === undefined) return undefined;
    const texts = await Promise.all(entry.files.map((f) => readFile(f, 'utf8')));
    return caIdentity(texts.join('\n'));
  } catch {
    return undefined;
  }
}

/**
 * Settles the trust store after certificates were written: installs a CA change {@link writeCa}
 * deferred, keeps the replaced CA under its retiring name while a certificate we hold is signed by
 * it, and withdraws the retiring CAs that sign none any more. Without a change or retiring CA it
 * reads nothing and calls nothing.
 */
export async function settleCaRetirement(out: OutputContext): Promise<void> {
  const pending = out.pendingCa;
  const retiring = out.state.ca.retiring ?? [];
  if (pending === undefined && retiring.length === 0) return;
  out.pendingCa = undefined;
  const candidates = [...(pending === undefined ? [] : [pending.installed]), ...retiring];
  const held = await readHeldCertificates(out);
  const plan = planCaRetirement({
    appName: out.appName,
    installed: pending?.installed,
    incoming: pending?.incoming,
    retiring,
    // A certificate file we cannot read might be signed by any of them: keep them all.
    signers: held === undefined ? new Set(candidates.map((c) => c.id)) : signingCaIds(candidates, held),
  });
  const installer = trustStore(out);
  for (const entry of plan.add) await installAs(out, installer, entry.name, entry.pem);
  if (plan.install !== undefined) await installAs(out, installer, out.appName, plan.install.pem);
  for (const entry of plan.withdraw) await uninstallAs(installer, entry.name);
  if (plan.keep.length > 0) out.state.ca.retiring = plan.keep;
  else delete out.state.ca.retiring;
}

/**
 * The certificate files we hold (those the state records, this hook's included), as text; a file
 * that is gone holds nothing. `undefined` when one cannot be read.
 */
async function readHeldCertificates(out: OutputContext): Promise<string[] | undefined> {
  const paths = new Set<string>();
  for (const certificate of Object.values(out.state.certificates)) {
    for (const file of certificate.files) {
      if (file.kind === 'cert' || file.kind === 'chain' || file.kind === 'fullchain') paths.add(file.path);
    }
  }
  const texts: string[] = [];
  for (const path of paths) {
    try {
      texts.push(await readFile(path, 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return undefined;
    }
  }
  return texts;
}

function trustStore(out: OutputContext): CaInstaller {
  // The installer reads TLS_CLIENT_TRUST_ROOT and TLS_CLIENT_DISTRO from the same environment.
  return new CaInstaller({ env: out.env });
}

/** Writes every registered per-CN certificate the provider answered; sets the changed flags. */
export async function writeCertificates(out: OutputContext, view: CheckedView): Promise<void> {
  const { store } = out;
  const registry = store.getValue<PathRegistry>(PATHS_KEY) ?? {};
  let allReady = true;
  let anyRegistered = false;
  const maps = matchAnswers(view, registry);
  const registered = (type: CertType) => Object.entries(registry[type] ?? {});

  let anyChanged = false;
  for (const type of CERT_TYPES) {
    for (const [commonName, paths] of registered(type)) {
      if (paths.crt === null && paths.key === null) continue;
      anyRegistered = true;
      const issued = maps[type].get(commonName);
      if (issued === undefined) {
        // Skipped or not answered: files an earlier hook wrote still count as saved.
        if (out.committed.certificates[certId(type, commonName)] === undefined) allReady = false;
        continue;
      }
      const kind = await writeOne(out, type, commonName, paths, issued);
      if (kind !== undefined) {
        anyChanged = true;
        const change = { type, commonName, kind };
        // Before the flag, which says whether an earlier change is still unacknowledged.
        recordChangeKind(store, change);
        store.set(certChangedFlag(type, commonName));
        store.set(certsChangedFlag(type));
        const earlier = out.changed.findIndex((c) => c.type === type && c.commonName === commonName);
        if (earlier === -1) out.changed.push(change);
        else out.changed[earlier] = { ...change, kind: mergeKinds(out.changed[earlier]?.kind, kind) };
      }
    }
  }
  if (anyChanged) store.set(TLS_CLIENT_FLAGS.certFilesChanged);
  // Toggled rather than only ever set: a new request not yet answered means "not all saved".
  if (anyRegistered) store.toggle(TLS_CLIENT_FLAGS.certsSaved, allReady);
}

async function writeOne(
  out: OutputContext,
  type: CertType,
  commonName: string,
  paths: StoredPaths,
  checked: Checked,
): Promise<ChangeKind | undefined> {
  const { issued, validated } = checked;
  const files: RecordedFile[] = [];
  const record = (kind: RecordedFile['kind'], f: FileResult) => {
    files.push({ kind, path: f.path, sha256: f.sha256, mode: f.mode });
    if (isChanged(f)) out.filesWritten.push(f.path);
  };
  const owner = {
    ...(paths.owner === null ? {} : { owner: paths.owner }),
    ...(paths.group === null ? {} : { group: paths.group }),
  };
  try {
    if (paths.crt !== null && paths.key !== null) {
      // Validated once, in checkProviderData; written as it is (the chain, if any, is in it).
      const result = await writeCertificate({
        validated,
        certPath: paths.crt,
        keyPath: paths.key,
        ...(paths.chain === null ? {} : { chainPath: paths.chain }),
        ...(paths.fullchain === null ? {} : { fullchainPath: paths.fullchain }),
        ...(paths.certMode === null ? {} : { certMode: paths.certMode }),
        ...(paths.keyMode === null ? {} : { keyMode: paths.keyMode }),
        ...owner,
      });
      // By path, not position: cert-writer leaves out a chain file when no chain is published.
      const byPath = new Map<string, RecordedFile['kind']>([
        [resolve(paths.key), 'key'],
        ...(paths.chain === null ? [] : [[resolve(paths.chain), 'chain'] as const]),
        ...(paths.fullchain === null ? [] : [[resolve(paths.fullchain), 'fullchain'] as const]),
      ]);
      for (const f of result.files) record(byPath.get(f.path) ?? 'cert', f);
    } else {
      // Only one of the two paths was requested: write just that one (W3), already validated.
      if (paths.key !== null) {
        record(
          'key',
          await writeFileAtomic(paths.key, validated.keyPem, { ...owner, mode: paths.keyMode ?? 0o600 }),
        );
      }
      if (paths.crt !== null) {
        record(
          'cert',
          await writeFileAtomic(paths.crt, validated.fullchainPem, {
            ...owner,
            mode: paths.certMode ?? 0o644,
          }),
        );
      }
    }
  } catch (error) {
    throw wrapError(
      'ERR_LAYER_WRITE_FAILED',
      `cannot write the ${type} certificate "${commonName}"`,
      error,
      paths.crt ?? paths.key ?? undefined,
    );
  }
  for (const warning of validated.warnings)
    out.warnings.push(`${type} certificate "${commonName}": ${warning}`);
  // Changed relative to the last committed hook, not to the disk: files written by a hook that
  // then failed still count as changed when the retry succeeds (W16).
  const id = certId(type, commonName);
  const previous = out.committed.certificates[id];
  const changed = previous === undefined || !sameFiles(previous.files, files);
  const next: RecordedCertificate = {
    type,
    commonName,
    deprecatedPath: false,
    sourceKey: issued.sourceKey,
    fingerprint256: validated.certificate.fingerprint256,
    notAfter: validated.certificate.notAfter.toISOString(),
    files,
  };
  out.state.certificates[id] = next;
  // The key file's hash when one is written (what the last hook recorded too), else the key's own.
  const keySha = files.find((f) => f.kind === 'key')?.sha256 ?? sha256(validated.keyPem);
  return changed ? changeKind(previous, next, keySha) : undefined;
}

/** The deprecated single server certificate and global client certificate paths. */
export async function writeDeprecated(out: OutputContext, view: CheckedView): Promise<void> {
  const o = out.options;
  const first = view.server[0];
  if (first !== undefined) {
    await writeDeprecatedPair(out, 'server', first, o.serverCertificatePath, o.serverKeyPath, {
      saved: TLS_CLIENT_FLAGS.serverCertificateSaved,
      written: TLS_CLIENT_FLAGS.serverCertificateWritten,
      keySaved: TLS_CLIENT_FLAGS.serverKeySaved,
    });
  }
  // W2: nothing is combined when the global client certificate is absent.
  if (view.globalClient !== undefined) {
    await writeDeprecatedPair(out, 'client', view.globalClient, o.clientCertificatePath, o.clientKeyPath, {
      saved: TLS_CLIENT_FLAGS.clientCertificateSaved,
      written: TLS_CLIENT_FLAGS.clientCertificateWritten,
      keySaved: TLS_CLIENT_FLAGS.clientKeySaved,
    });
  }
}

async function writeDeprecatedPair(
  out: OutputContext,
  type: 'server' | 'client',
  checked: Checked,
  certPath: string | undefined,
  keyPath: string | undefined,
  flags: { saved: string; written: string; keySaved: string },
): Promise<void> {
  if (!certPath && !keyPath) return;
  const { issued, validated } = checked;
  const files: RecordedFile[] = [];
  try {
    // Key first, then the certificate, so a reader never pairs a new cert with an old key for long (W7).
    if (keyPath) {
      const f = await writeFileAtomic(keyPath, validated.keyPem, { mode: 0o600 });
      files.push({ kind: 'key', path: f.path, sha256: f.sha256, mode: f.mode });
      if (isChanged(f)) out.filesWritten.push(f.path);
      out.store.set(flags.keySaved);
    }
    if (certPath) {
      const f = await writeFileAtomic(certPath, validated.fullchainPem, { mode: 0o644 });
      files.push({ kind: 'cert', path: f.path, sha256: f.sha256, mode: f.mode });
      if (isChanged(f)) out.filesWritten.push(f.path);
      const before = out.committed.certificates[`${type}/(deprecated)`]?.files.find((r) => r.kind === 'cert');
      if (isChanged(f) || before?.path !== f.path || before.sha256 !== f.sha256) out.store.set(flags.written);
      out.store.set(flags.saved);
    }
  } catch (error) {
    throw wrapError(
      'ERR_LAYER_WRITE_FAILED',
      `cannot write the deprecated ${type} certificate paths`,
      error,
      certPath || keyPath,
    );
  }
  out.state.certificates[`${type}/(deprecated)`] = {
    type,
    commonName: issued.commonName,
    deprecatedPath: true,
    sourceKey: issued.sourceKey,
    fingerprint256: validated.certificate.fingerprint256,
    notAfter: validated.certificate.notAfter.toISOString(),
    files,
  };
}

/** No relation is left on the endpoint: withdraw the CA (W11), clear our flags, maybe remove files. */
export async function withdraw(out: OutputContext): Promise<void> {
  const { store, options } = out;
  const state = out.state;
  if (options.installCa && !options.keepCaOnBroken) {
    const installer = trustStore(out);
    if (state.ca.installed) await uninstallAs(installer, state.ca.name);
    for (const entry of state.ca.retiring ?? []) await uninstallAs(installer, entry.name);
    const { pem: _pem, retiring: _retiring, ...rest } = state.ca;
    state.ca = { ...rest, installed: false };
  }
  for (const flag of FLAGS_CLEARED_ON_BROKEN) {
    if (flag === TLS_CLIENT_FLAGS.caInstalled && state.ca.installed) continue;
    store.clear(flag);
  }
  if (options.removeFilesOnBroken) {
    const paths = Object.values(state.certificates).flatMap((c) => c.files.map((f) => f.path));
    if (state.ca.path !== null) paths.push(state.ca.path);
    for (const path of paths) {
      try {
        await rm(path, { force: true });
      } catch (error) {
        throw wrapError('ERR_LAYER_WRITE_FAILED', `cannot remove ${path}`, error, path);
      }
    }
    state.certificates = {};
  }
  state.ca.sha256 = null;
}
