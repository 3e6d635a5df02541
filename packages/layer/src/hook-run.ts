import { createHash, X509Certificate } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CaInstaller } from '@tls-client/ca-installer';
import {
  type FileResult,
  type ValidatedCertificate,
  validateCertificate,
  writeCaCertificate,
  writeCertificate,
  writeFileAtomic,
} from '@tls-client/cert-writer';
import { Dispatcher, type FlagStore } from '@tls-client/flags';
import { type HookContext, type HookTools, RelationDataView } from '@tls-client/hookenv';
import {
  type CertRequest,
  type CertType,
  compareCodePoints,
  decodeProviderData,
  encodeRequirerData,
  extractPemBlocks,
  type IssuedCertificate,
  joinPem,
  type ProviderUnitData,
  type ProviderView,
} from '@tls-client/protocol';
import { LayerError, wrapError } from './errors.js';
import {
  certChangedFlag,
  certsChangedFlag,
  endpointFlags,
  FLAGS_CLEARED_ON_BROKEN,
  SAVED_FLAGS_CLEARED_ON_UPGRADE,
  TLS_CLIENT_FLAGS,
} from './flag-names.js';
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
import type { HandlerRegistration, ResolvedOptions, RunResult } from './tls-client.js';

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

/** The certificate dict the original hashed for `<endpoint>.servers` and friends. */
function certificateRecord(c: IssuedCertificate): Record<string, string> {
  return { cert: c.cert, cert_type: c.type, common_name: c.commonName, key: c.key };
}

/** One hook's work. Kept apart from TlsClient so that nothing leaks between hooks. */
export class HookRun {
  readonly problems: Problem[] = [];
  readonly #warnings: string[] = [];
  readonly #filesWritten: string[] = [];
  #caInstalled = false;
  #relationSets = 0;
  #connected = false;
  readonly #ep: ReturnType<typeof endpointFlags>;
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
  ) {
    this.#ep = endpointFlags(options.endpoint);
    this.#view = new RelationDataView(tools, { localUnit: ctx.unitName });
    const previous = store.getValue<LayerState>(STATE_KEY);
    this.#committed =
      previous?.version === 1 ? previous : emptyState(options.endpoint, ctx.appName, ctx.unitName);
    this.#state = structuredClone(this.#committed);
  }

  result(): RunResult {
    return {
      hook: this.ctx.hookName,
      connected: this.#connected,
      filesWritten: [...this.#filesWritten],
      caInstalled: this.#caInstalled,
      relationSets: this.#relationSets,
      problems: this.problems.map((p) => ({ ...p })),
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
    let relations: { ids: string[]; units: ProviderUnitData[] } = { ids: [], units: [] };
    let published: Readonly<Record<string, string>> = {};
    dispatcher.hook(
      /^/,
      async () => {
        const read = await this.#readRelations();
        relations = read;
        published = read.published;
        this.#connected = relations.ids.length > 0;
        if (relations.ids.length === 0) await this.#withdraw();
        if (relations.units.length === 0) {
          this.#clearEndpointFlags();
          return;
        }
        const decoded = decodeProviderData({ unitName: ctx.unitName, units: relations.units, published });
        for (const problem of decoded.problems) {
          this.#problem({
            code: problem.code,
            message: problem.message,
            ...(problem.key === undefined ? {} : { key: problem.key }),
            ...(problem.commonName === undefined ? {} : { commonName: problem.commonName }),
          });
        }
        checked = this.#check(decoded);
        this.#setEndpointFlags(checked);
        await this.#writeCa(checked.ca);
        await this.#writeCertificates(checked);
        await this.#writeDeprecated(checked);
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

    for (const problem of this.problems) {
      // Name the relation key (never the value) even when the message from the codec does not.
      const key = problem.key === undefined ? '' : `relation key "${problem.key}"`;
      const where = key !== '' && !problem.message.includes(key) ? `${key}: ` : '';
      await this.#log(
        `tls-client: skipped provider data: ${where}${problem.code}: ${problem.message}`,
        'ERROR',
      );
    }
    for (const warning of this.#warnings) {
      await this.#log(`tls-client: ${warning}`, 'WARNING');
    }

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

  /**
   * Every remote unit's databag on the endpoint, and our own on the first relation. Hook tools are
   * separate processes, so independent reads run at the same time.
   */
  async #readRelations(): Promise<{
    ids: string[];
    units: ProviderUnitData[];
    published: Readonly<Record<string, string>>;
  }> {
    const { ctx } = this;
    const endpoint = this.options.endpoint;
    let ids = await this.#tool(() => this.tools.relationIds(endpoint));
    // In relation-broken the dying relation may still be listed; it is gone for our purposes.
    if (ctx.hookName === `${endpoint}-relation-broken` && ctx.relationId !== undefined) {
      ids = ids.filter((id) => id !== ctx.relationId);
    }
    ids = [...ids].sort(compareCodePoints);
    const first = ids[0];
    const published = this.#tool(async () =>
      first === undefined ? {} : this.#view.get(first, ctx.unitName),
    );
    // Marked handled now: if a remote read fails first, this one must not become an unhandled rejection.
    published.catch(() => undefined);
    const perRelation = await Promise.all(
      ids.map(async (relationId) => {
        let remote = await this.#tool(() => this.tools.relationList(relationId));
        if (ctx.hookName === `${endpoint}-relation-departed` && ctx.relationId === relationId) {
          const departing = ctx.departingUnit ?? ctx.remoteUnit;
          remote = remote.filter((u) => u !== departing);
        }
        return Promise.all(
          [...remote].sort(compareCodePoints).map(async (unit) => ({
            relationId,
            unit,
            data: await this.#tool(() => this.#view.get(relationId, unit)),
          })),
        );
      }),
    );
    return { ids, units: perRelation.flat(), published: await published };
  }

  #problem(problem: Problem): void {
    const clean: Problem = { code: problem.code, message: problem.message };
    if (problem.key !== undefined) clean.key = problem.key;
    if (problem.commonName !== undefined) clean.commonName = problem.commonName;
    if (problem.type !== undefined) clean.type = problem.type;
    this.problems.push(clean);
  }

  /** Validates everything the provider published; what fails becomes a problem and is dropped. */
  #check(view: ProviderView): CheckedView {
    let ca: string | undefined;
    if (view.ca !== undefined && view.ca !== '') {
      const result = checkCertificates(view.ca);
      if (result.ok) ca = result.pem;
      else
        this.#problem({
          code: 'ERR_LAYER_INVALID_CA',
          key: 'ca',
          message: `relation key "ca" ${result.reason}`,
        });
    }
    let chain: string | undefined;
    if (view.chain !== undefined && view.chain !== '') {
      const result = checkCertificates(view.chain);
      if (result.ok) chain = result.pem;
      else {
        this.#problem({
          code: 'ERR_LAYER_INVALID_CHAIN',
          key: 'chain',
          message: `relation key "chain" ${result.reason}; certificates are written without it`,
        });
      }
    }
    const checked = new Map<IssuedCertificate, Checked>();
    const keep = (c: IssuedCertificate): boolean => {
      const result = this.#validate(c, chain);
      if (result !== undefined) checked.set(c, result);
      return result !== undefined;
    };
    let globalClient: Checked | undefined;
    if (view.globalClient !== undefined) {
      const issued: IssuedCertificate = {
        type: 'client',
        commonName: '(global)',
        sourceKey: 'client.cert',
        ...view.globalClient,
      };
      globalClient = this.#validate(issued, chain);
    }
    const pick = (list: IssuedCertificate[]): Checked[] => list.filter(keep).map((c) => checked.get(c)!);
    const application = view.application !== undefined ? this.#validate(view.application, chain) : undefined;
    return {
      ca,
      chain,
      server: pick(view.server),
      client: pick(view.client),
      clientPublished: view.client.length > 0,
      intermediate: pick(view.intermediate),
      application,
      globalClient,
    };
  }

  /** Validates one issued certificate; a failure becomes a problem. A bad chain falls back to none. */
  #validate(issued: IssuedCertificate, chain: string | undefined): Checked | undefined {
    const fail = (error: unknown): undefined => {
      const code = (error as { code?: unknown }).code;
      this.#problem({
        code: typeof code === 'string' ? code : 'ERR_LAYER_INVALID_CERTIFICATE',
        key: issued.sourceKey,
        commonName: issued.commonName,
        type: issued.type,
        message: `the ${issued.type} certificate "${issued.commonName}" from relation key "${issued.sourceKey}" was skipped: ${
          error instanceof Error ? error.message : 'invalid'
        }`,
      });
      return undefined;
    };
    let validated: ValidatedCertificate;
    try {
      validated = validateCertificate({ cert: issued.cert, key: issued.key, allowExpired: true });
    } catch (error) {
      return fail(error);
    }
    if (chain === undefined) return { issued, validated, chain: undefined };
    try {
      return {
        issued,
        validated: validateCertificate({ cert: issued.cert, key: issued.key, chain, allowExpired: true }),
        chain,
      };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      this.#problem({
        code: typeof code === 'string' ? code : 'ERR_LAYER_INVALID_CHAIN',
        key: 'chain',
        commonName: issued.commonName,
        type: issued.type,
        message: `relation key "chain" does not fit the ${issued.type} certificate "${issued.commonName}" (${
          error instanceof Error ? error.message : 'invalid'
        }); it is written without the chain`,
      });
      return { issued, validated, chain: undefined };
    }
  }

  #setEndpointFlags(view: CheckedView): void {
    const { store } = this;
    const ep = this.#ep;
    const name = this.options.endpoint;
    store.set(ep.available);
    store.toggle(ep.caAvailable, view.ca !== undefined);
    if (view.ca !== undefined && store.dataChanged(`${name}.ca`, view.ca)) store.set(ep.caChanged);
    const lists = [
      [view.server, ep.serverCertsAvailable, ep.serverCertsChanged, `${name}.servers`],
      [view.client, ep.clientCertsAvailable, ep.clientCertsChanged, `${name}.clients`],
      [
        view.intermediate,
        ep.intermediateCertsAvailable,
        ep.intermediateCertsChanged,
        `${name}.intermediates`,
      ],
    ] as const;
    let anyAvailable = false;
    let anyChanged = false;
    for (const [certs, available, changed, hashId] of lists) {
      store.toggle(available, certs.length > 0);
      anyAvailable ||= certs.length > 0;
      if (
        certs.length > 0 &&
        store.dataChanged(
          hashId,
          certs.map((c) => certificateRecord(c.issued)),
        )
      ) {
        // Changed flags stay set until the charm clears them.
        store.set(changed);
        anyChanged = true;
      }
    }
    store.toggle(ep.certsAvailable, anyAvailable);
    if (anyChanged) store.set(ep.certsChanged);
    store.toggle(ep.serverCertAvailable, view.server.length > 0);
    store.toggle(ep.batchCertAvailable, view.server.length > 0);
    // Fixes the original's defect: set only when a global client certificate really exists.
    store.toggle(ep.clientCertAvailable, view.globalClient !== undefined);
  }

  #clearEndpointFlags(): void {
    for (const flag of Object.values(this.#ep)) this.store.clear(flag);
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
    const maps: Record<CertType, Map<string, Checked>> = {
      server: new Map(view.server.map((c) => [c.issued.commonName, c])),
      client: new Map(view.client.map((c) => [c.issued.commonName, c])),
      intermediate: new Map(view.intermediate.map((c) => [c.issued.commonName, c])),
      application: new Map(),
    };
    const registered = (type: CertType) => Object.entries(registry[type] ?? {});
    // The reactive requirer reads intermediates and the application cert as `app_data`; with a
    // single request of that type the answer can only be for it.
    const intermediateApp = maps.intermediate.get('app_data');
    const intermediates = registered('intermediate');
    if (intermediateApp !== undefined && intermediates.length === 1)
      maps.intermediate.set(intermediates[0]![0], intermediateApp);
    if (view.application !== undefined) {
      for (const [cn] of registered('application')) maps.application.set(cn, view.application);
    }
    // Global client fallback, as the original, only when no per-unit client certificate is
    // published; and only when both global values exist and are valid (W4).
    if (!view.clientPublished && view.globalClient !== undefined) {
      for (const [cn] of registered('client')) maps.client.set(cn, view.globalClient);
    }

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
        }
      }
    }
    if (anyChanged) store.set(TLS_CLIENT_FLAGS.certsChanged);
    // Toggled rather than only ever set: a new request not yet answered means "not all saved".
    if (anyRegistered) store.toggle(TLS_CLIENT_FLAGS.certsSaved, allReady);
  }

  async #writeOne(
    type: CertType,
    commonName: string,
    paths: StoredPaths,
    checked: Checked,
  ): Promise<boolean> {
    const { issued, validated, chain } = checked;
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
        const result = await writeCertificate({
          cert: issued.cert,
          key: issued.key,
          ...(chain === undefined ? {} : { chain }),
          certPath: paths.crt,
          keyPath: paths.key,
          ...(paths.chain === null ? {} : { chainPath: paths.chain }),
          ...(paths.fullchain === null ? {} : { fullchainPath: paths.fullchain }),
          ...(paths.certMode === null ? {} : { certMode: paths.certMode }),
          ...(paths.keyMode === null ? {} : { keyMode: paths.keyMode }),
          ...owner,
          allowExpired: true,
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
    const requests = (this.store.getValue<StoredRequest[]>(REQUESTS_KEY) ?? []).map(
      (r): CertRequest => ({ type: r.type, commonName: r.commonName, sans: r.sans }),
    );
    const changes = encodeRequirerData({ unitName: this.ctx.unitName, requests, current: published });
    if (!changes.changed) return;
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

interface Checked {
  issued: IssuedCertificate;
  validated: ValidatedCertificate;
  /** The chain to write after the leaf; undefined when none is published or it does not fit. */
  chain: string | undefined;
}

interface CheckedView {
  ca: string | undefined;
  chain: string | undefined;
  server: Checked[];
  client: Checked[];
  intermediate: Checked[];
  application: Checked | undefined;
  globalClient: Checked | undefined;
  /** Whether the provider published per-unit client certificates at all (valid or not). */
  clientPublished: boolean;
}

/** PEM certificates only, each one parseable; normalised. Never echoes the text. */
function checkCertificates(text: string): { ok: true; pem: string } | { ok: false; reason: string } {
  const blocks = extractPemBlocks(text).filter((b) => b.kind === 'certificate');
  if (blocks.length === 0) {
    return { ok: false, reason: `must hold a PEM certificate (got ${text.length} bytes without one)` };
  }
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block.pem);
    } catch {
      return {
        ok: false,
        reason: `holds a PEM certificate that does not parse (block ${i + 1} of ${blocks.length})`,
      };
    }
  }
  return { ok: true, pem: joinPem(...blocks.map((b) => b.pem)) };
}
