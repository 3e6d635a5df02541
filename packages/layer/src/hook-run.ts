import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CaInstaller } from '@tls-client/ca-installer';
import {
  type FileResult,
  writeCaCertificate,
  writeCertificate,
  writeFileAtomic,
} from '@tls-client/cert-writer';
import { Dispatcher, type FlagStore } from '@tls-client/flags';
import { type HookContext, type HookTools, RelationDataView } from '@tls-client/hookenv';
import type { CertType } from '@tls-client/protocol';
import { type ChangedCertificate, makeChanges } from './changes.js';
import type { Checked, CheckedView, RawProblem } from './check-provider-data.js';
import { classifyProblem } from './classify-problems.js';
import { type Dialect, legacyDialect } from './dialect.js';
import { clearEndpointFlags, updateEndpointFlags } from './endpoint-flags.js';
import { LayerError, wrapError } from './errors.js';
import {
  certChangedFlag,
  certsChangedFlag,
  FLAGS_CLEARED_ON_BROKEN,
  SAVED_FLAGS_CLEARED_ON_UPGRADE,
  TLS_CLIENT_FLAGS,
} from './flag-names.js';
import { matchAnswers } from './match-answers.js';
import { readRelations, relationHint } from './read-relations.js';
import { applyRequest, type PendingRequest } from './request-registry.js';
import {
  certId,
  emptyState,
  type LayerState,
  PATHS_KEY,
  type PathRegistry,
  type Problem,
  REQUESTS_KEY,
  type RecordedFile,
  STATE_KEY,
  type StoredPaths,
  type StoredRequest,
} from './state.js';
import { testKillPoint } from './test-kill-point.js';
import type { CertificateInfo, HandlerRegistration, ResolvedOptions, RunResult } from './tls-client.js';

const CERT_TYPES: readonly CertType[] = ['server', 'client', 'application', 'intermediate'];

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

/** Same problem, for "log it only when it is new". */
function problemKey(p: Problem | RawProblem): string {
  return JSON.stringify([p.code, p.key ?? null, p.commonName ?? null, p.type ?? null, p.message]);
}

/** One hook's work. Kept apart from TlsClient so that nothing leaks between hooks. */
export class HookRun {
  /** Classified at the end of the hook, when every request (also from handlers) is known. */
  problems: Problem[] = [];
  readonly #rawProblems: RawProblem[] = [];
  readonly #warnings: string[] = [];
  readonly #changedCertificates: ChangedCertificate[] = [];
  #caChanged = false;
  readonly #filesWritten: string[] = [];
  #caInstalled = false;
  #relationSets = 0;
  #connected = false;
  readonly #view: RelationDataView;
  #state: LayerState;
  /** The state as the last successful hook committed it. */
  readonly #committed: LayerState;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly env: NodeJS.ProcessEnv,
    private readonly ctx: HookContext,
    private readonly store: FlagStore,
    private readonly tools: HookTools,
    private readonly pending: Map<string, PendingRequest>,
    private readonly handlers: readonly HandlerRegistration[],
    private readonly dialect: Dialect = legacyDialect,
  ) {
    this.#view = new RelationDataView(tools, { localUnit: ctx.unitName });
    const previous = store.getValue<LayerState>(STATE_KEY);
    this.#committed =
      previous?.version === 1 ? previous : emptyState(options.endpoint, ctx.appName, ctx.unitName);
    this.#state = structuredClone(this.#committed);
  }

  result(): RunResult {
    const now = Date.now();
    const certificates: CertificateInfo[] = Object.values(this.#state.certificates)
      .filter((c) => !c.deprecatedPath)
      .map((c) => ({
        type: c.type,
        commonName: c.commonName,
        notAfter: c.notAfter,
        expired: Date.parse(c.notAfter) <= now,
      }));
    return {
      hook: this.ctx.hookName,
      connected: this.#connected,
      filesWritten: [...this.#filesWritten],
      caInstalled: this.#caInstalled,
      relationSets: this.#relationSets,
      problems: this.problems.map((p) => ({ ...p })),
      changes: makeChanges(this.#changedCertificates, this.#caChanged),
      certificates,
    };
  }

  async execute(): Promise<void> {
    const { store, ctx } = this;
    for (const entry of this.pending.values()) applyRequest(store, entry);
    this.pending.clear();

    // The layer's own work runs as `hook` handlers, before any flag handler of the charm, in the
    // same dispatch and the same transaction.
    const dispatcher = new Dispatcher(store, { hookName: ctx.hookName });
    dispatcher.hook(
      'upgrade-charm',
      () => {
        for (const flag of SAVED_FLAGS_CLEARED_ON_UPGRADE) store.clear(flag);
      },
      'tls-client:remove-states',
    );
    let checked: CheckedView | undefined;
    let relations: { ids: string[]; units: { unit: string }[] } = { ids: [], units: [] };
    let published: Readonly<Record<string, string>> = {};
    dispatcher.hook(
      /^/,
      async () => {
        const read = await readRelations(
          {
            tools: this.tools,
            view: this.#view,
            ctx,
            endpoint: this.options.endpoint,
            tool: (fn) => this.#tool(fn),
          },
          relationHint(ctx, this.options.endpoint, this.#committed),
        );
        relations = read;
        published = read.published;
        this.#connected = relations.ids.length > 0;
        if (relations.ids.length === 0) await this.#withdraw();
        if (read.units.length === 0) {
          clearEndpointFlags(store, this.options.endpoint);
          return;
        }
        // Everything is validated before the first write (the CA copy and the trust store included).
        const result = this.dialect.answers({
          unitName: ctx.unitName,
          units: read.units,
          published,
          verifyChain: this.options.verifyChain,
        });
        this.#rawProblems.push(...result.problems);
        const view = result.checked;
        checked = view;
        this.#caChanged = updateEndpointFlags(store, this.options.endpoint, view).caChanged;
        await this.#writeCa(view.ca);
        await this.#writeCertificates(view);
        await this.#writeDeprecated(view);
        testKillPoint(this.env, 'after-writes');
      },
      'tls-client:update',
    );
    for (const h of this.handlers) dispatcher[h.kind](h.flags, h.handler, h.name);

    const pathsBefore = JSON.stringify(store.getValue(PATHS_KEY) ?? null);
    await dispatcher.run();
    // A handler that requested new paths gets its files in this hook, not the next one.
    if (checked !== undefined && JSON.stringify(store.getValue(PATHS_KEY) ?? null) !== pathsBefore) {
      await this.#writeCertificates(checked);
    }

    const first = relations.ids[0];
    if (first !== undefined) await this.#publish(first, published);
    this.#relationSets = (await this.#tool(() => this.#view.flush())).relationSets;

    const o = this.options;
    const context = {
      unitName: ctx.unitName,
      requests: store.getValue<StoredRequest[]>(REQUESTS_KEY) ?? [],
      globalClientPaths: Boolean(o.clientCertificatePath || o.clientKeyPath),
    };
    this.problems = this.#rawProblems.map((p) => classifyProblem(p, context));
    await this.#logNews();

    const next: LayerState = {
      ...this.#state,
      endpoint: this.options.endpoint,
      application: ctx.appName,
      unit: ctx.unitName,
      relationIds: relations.ids,
      remoteUnits: relations.units.map((u) => u.unit),
      problems: this.problems,
      warnings: this.#warnings,
    };
    // Stamp and store only when something changed, so an idle hook does not rewrite the state file.
    const comparable = (state: LayerState) => JSON.stringify({ ...state, lastHook: '', lastRun: '' });
    if (comparable(next) !== comparable(this.#committed)) {
      store.setValue(STATE_KEY, { ...next, lastHook: ctx.hookName, lastRun: new Date().toISOString() });
    }
    testKillPoint(this.env, 'before-commit');
  }

  /**
   * Logs what is new since the last committed hook: problems (ERROR when about data we depend on,
   * WARNING when about data we never requested) and warnings such as an expired certificate. A
   * steady hook with nothing new makes no `juju-log` call; `tls-client status` shows the rest.
   */
  async #logNews(): Promise<void> {
    const seen = new Set(this.#committed.problems.map(problemKey));
    const lines: [string, 'ERROR' | 'WARNING'][] = [];
    for (const problem of this.problems) {
      if (seen.has(problemKey(problem))) continue;
      // Name the relation key (never the value) even when the message from the codec does not.
      const key = problem.key === undefined ? '' : `relation key "${problem.key}"`;
      const where = key !== '' && !problem.message.includes(key) ? `${key}: ` : '';
      const what = problem.requested ? 'skipped provider data' : 'ignored provider data we did not request';
      lines.push([
        `tls-client: ${what}: ${where}${problem.code}: ${problem.message}`,
        problem.severity === 'error' ? 'ERROR' : 'WARNING',
      ]);
    }
    const warned = new Set(this.#committed.warnings);
    for (const warning of this.#warnings) {
      if (!warned.has(warning)) lines.push([`tls-client: ${warning}`, 'WARNING']);
    }
    // In order: juju-log calls are separate processes, and the unit log should read as it happened.
    for (const [line, level] of lines) await this.#log(line, level);
  }

  /**
   * Logging never fails the hook (as charmhelpers' log): when juju-log itself fails, the line goes to
   * stderr, which Juju also captures into the unit log.
   */
  async #log(message: string, level: 'ERROR' | 'WARNING'): Promise<void> {
    try {
      await this.tools.jujuLog(message, level);
    } catch {
      process.stderr.write(`${level} ${message}\n`);
    }
  }

  async #tool<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof LayerError) throw error;
      throw wrapError('ERR_LAYER_HOOK_TOOL_FAILED', 'a hook tool failed', error);
    }
  }

  async #writeCa(ca: string | undefined): Promise<void> {
    if (ca === undefined) return;
    const { store, options } = this;
    const caSha = sha256(ca);
    const path = options.caCertificatePath || undefined;
    if (path !== undefined) {
      let file: FileResult;
      try {
        file = await writeCaCertificate(path, ca, { mode: 0o644 });
      } catch (error) {
        throw wrapError('ERR_LAYER_WRITE_FAILED', `cannot write the CA certificate to ${path}`, error, path);
      }
      if (isChanged(file)) this.#filesWritten.push(path);
      const before = this.#committed.ca;
      if (isChanged(file) || before.path !== path || before.sha256 !== caSha)
        store.set(TLS_CLIENT_FLAGS.caWritten);
    }
    // The original set ca.saved only with ca_certificate_path configured; its docs said always.
    store.set(TLS_CLIENT_FLAGS.caSaved);
    this.#state.ca.path = path ?? null;

    if (options.installCa) {
      const name = this.ctx.appName;
      const installer = this.#installer();
      try {
        const current =
          this.#state.ca.installed && this.#state.ca.sha256 === caSha && this.#state.ca.name === name;
        if (!current || !(await installer.isTrusted(name)) || (await installer.isUpdateOwed())) {
          const result = await installer.install(name, ca);
          this.#caInstalled = result.changed || result.updateRan;
          this.#filesWritten.push(...(result.changed ? result.files : []));
        }
      } catch (error) {
        throw wrapError(
          'ERR_LAYER_CA_INSTALL_FAILED',
          `cannot install the CA "${name}" into the system trust store`,
          error,
        );
      }
      this.#state.ca = { ...this.#state.ca, name, installed: true };
      store.set(TLS_CLIENT_FLAGS.caInstalled);
    }
    this.#state.ca.sha256 = caSha;
  }

  #installer(): CaInstaller {
    // The installer reads TLS_CLIENT_TRUST_ROOT and TLS_CLIENT_DISTRO from the same environment.
    return new CaInstaller({ env: this.env });
  }

  /** Writes every registered per-CN certificate the provider answered; sets the changed flags. */
  async #writeCertificates(view: CheckedView): Promise<void> {
    const { store } = this;
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
          if (this.#committed.certificates[certId(type, commonName)] === undefined) allReady = false;
          continue;
        }
        const changed = await this.#writeOne(type, commonName, paths, issued);
        if (changed) {
          anyChanged = true;
          store.set(certChangedFlag(type, commonName));
          store.set(certsChangedFlag(type));
          if (!this.#changedCertificates.some((c) => c.type === type && c.commonName === commonName))
            this.#changedCertificates.push({ type, commonName });
        }
      }
    }
    if (anyChanged) store.set(TLS_CLIENT_FLAGS.certFilesChanged);
    // Toggled rather than only ever set: a new request not yet answered means "not all saved".
    if (anyRegistered) store.toggle(TLS_CLIENT_FLAGS.certsSaved, allReady);
  }

  async #writeOne(
    type: CertType,
    commonName: string,
    paths: StoredPaths,
    checked: Checked,
  ): Promise<boolean> {
    const { issued, validated } = checked;
    const files: RecordedFile[] = [];
    const record = (kind: RecordedFile['kind'], f: FileResult) => {
      files.push({ kind, path: f.path, sha256: f.sha256, mode: f.mode });
      if (isChanged(f)) this.#filesWritten.push(f.path);
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
      this.#warnings.push(`${type} certificate "${commonName}": ${warning}`);
    // Changed relative to the last committed hook, not to the disk: files written by a hook that
    // then failed still count as changed when the retry succeeds (W16).
    const id = certId(type, commonName);
    const previous = this.#committed.certificates[id];
    const changed = previous === undefined || !sameFiles(previous.files, files);
    this.#state.certificates[id] = {
      type,
      commonName,
      deprecatedPath: false,
      sourceKey: issued.sourceKey,
      fingerprint256: validated.certificate.fingerprint256,
      notAfter: validated.certificate.notAfter.toISOString(),
      files,
    };
    return changed;
  }

  /** The deprecated single server certificate and global client certificate paths. */
  async #writeDeprecated(view: CheckedView): Promise<void> {
    const o = this.options;
    const first = view.server[0];
    if (first !== undefined) {
      await this.#writeDeprecatedPair('server', first, o.serverCertificatePath, o.serverKeyPath, {
        saved: TLS_CLIENT_FLAGS.serverCertificateSaved,
        written: TLS_CLIENT_FLAGS.serverCertificateWritten,
        keySaved: TLS_CLIENT_FLAGS.serverKeySaved,
      });
    }
    // W2: nothing is combined when the global client certificate is absent.
    if (view.globalClient !== undefined) {
      await this.#writeDeprecatedPair('client', view.globalClient, o.clientCertificatePath, o.clientKeyPath, {
        saved: TLS_CLIENT_FLAGS.clientCertificateSaved,
        written: TLS_CLIENT_FLAGS.clientCertificateWritten,
        keySaved: TLS_CLIENT_FLAGS.clientKeySaved,
      });
    }
  }

  async #writeDeprecatedPair(
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
        if (isChanged(f)) this.#filesWritten.push(f.path);
        this.store.set(flags.keySaved);
      }
      if (certPath) {
        const f = await writeFileAtomic(certPath, validated.fullchainPem, { mode: 0o644 });
        files.push({ kind: 'cert', path: f.path, sha256: f.sha256, mode: f.mode });
        if (isChanged(f)) this.#filesWritten.push(f.path);
        const before = this.#committed.certificates[`${type}/(deprecated)`]?.files.find(
          (r) => r.kind === 'cert',
        );
        if (isChanged(f) || before?.path !== f.path || before.sha256 !== f.sha256)
          this.store.set(flags.written);
        this.store.set(flags.saved);
      }
    } catch (error) {
      throw wrapError(
        'ERR_LAYER_WRITE_FAILED',
        `cannot write the deprecated ${type} certificate paths`,
        error,
        certPath || keyPath,
      );
    }
    this.#state.certificates[`${type}/(deprecated)`] = {
      type,
      commonName: issued.commonName,
      deprecatedPath: true,
      sourceKey: issued.sourceKey,
      fingerprint256: validated.certificate.fingerprint256,
      notAfter: validated.certificate.notAfter.toISOString(),
      files,
    };
  }

  async #publish(relationId: string, published: Readonly<Record<string, string>>): Promise<void> {
    const changes = this.dialect.requestChanges({
      unitName: this.ctx.unitName,
      requests: this.store.getValue<StoredRequest[]>(REQUESTS_KEY) ?? [],
      published,
    });
    if (changes === undefined) return;
    const data: Record<string, string | null> = { ...changes.set };
    for (const key of changes.deleted) data[key] = null;
    await this.#tool(() => this.#view.set(relationId, data));
  }

  /** No relation is left on the endpoint: withdraw the CA (W11), clear our flags, maybe remove files. */
  async #withdraw(): Promise<void> {
    const { store, options } = this;
    const state = this.#state;
    if (state.ca.installed && options.installCa && !options.keepCaOnBroken) {
      try {
        await this.#installer().uninstall(state.ca.name);
      } catch (error) {
        throw wrapError(
          'ERR_LAYER_CA_INSTALL_FAILED',
          `cannot withdraw the CA "${state.ca.name}" from the trust store`,
          error,
        );
      }
      state.ca = { ...state.ca, installed: false };
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
}
