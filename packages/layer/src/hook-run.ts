import { createHash } from 'node:crypto';
import { Dispatcher, type FlagStore } from '@tls-client/flags';
import { type HookContext, type HookTools, RelationDataView } from '@tls-client/hookenv';
import type { CertType } from '@tls-client/protocol';
import { decodeProviderAppData, detectDialect } from '@tls-client/protocol/v4';
import { makeChanges } from './changes.js';
import { type CheckedView, checkCaBundle, type RawProblem } from './check-provider-data.js';
import { classifyProblem } from './classify-problems.js';
import { type Dialect, legacyDialect } from './dialect.js';
import { clearEndpointFlags, updateEndpointFlags } from './endpoint-flags.js';
import { LayerError, MODEL_PROBLEM_CODES, wrapError } from './errors.js';
import { SAVED_FLAGS_CLEARED_ON_UPGRADE } from './flag-names.js';
import { databagsNeeded, readRelations, relationHint } from './read-relations.js';
import { applyRequest, type PendingRequest } from './request-registry.js';
import {
  emptyState,
  type LayerState,
  PATHS_KEY,
  type Problem,
  REQUESTS_KEY,
  type RelationDialect,
  STATE_KEY,
  type StoredRequest,
  V4_KEY,
} from './state.js';
import { testKillPoint } from './test-kill-point.js';
import type { CertificateInfo, HandlerRegistration, ResolvedOptions, RunResult } from './tls-client.js';
import { forgetAppCertificates, runAppCertificates } from './v4-app-certificate.js';
import { settleDialect } from './v4-dialect.js';
import { RENEWAL_SECRET_PREFIX, V4Run } from './v4-run.js';
import {
  finishInterruptedWrites,
  type OutputContext,
  settleCaRetirement,
  withdraw,
  writeCa,
  writeCertificates,
  writeDeprecated,
} from './write-outputs.js';

/** Same problem, for "log it only when it is new". */
function problemKey(p: Problem | RawProblem): string {
  return JSON.stringify([p.code, p.key ?? null, p.commonName ?? null, p.type ?? null, p.message]);
}

/** `server/cn` → `{ type, commonName }`. */
function splitId(id: string): { type: CertType; commonName: string } {
  const slash = id.indexOf('/');
  return { type: id.slice(0, slash) as CertType, commonName: id.slice(slash + 1) };
}

/** One hook's work. Kept apart from TlsClient so that nothing leaks between hooks. */
export class HookRun {
  /** Classified at the end of the hook, when every request (also from handlers) is known. */
  problems: Problem[] = [];
  readonly #rawProblems: RawProblem[] = [];
  #caChanged = false;
  #relationSets = 0;
  #connected = false;
  /** The first relation's dialect in this hook (what is published and read). */
  #relationDialect: RelationDialect | undefined;
  #v4: V4Run | undefined;
  readonly #view: RelationDataView;
  /** The outputs' state: what this hook wrote, against the state the last successful hook committed. */
  readonly #out: OutputContext;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly env: NodeJS.ProcessEnv,
    private readonly ctx: HookContext,
    private readonly store: FlagStore,
    private readonly tools: HookTools,
    private readonly pending: Map<string, PendingRequest>,
    private readonly handlers: readonly HandlerRegistration[],
    private readonly dialect: Dialect = legacyDialect,
    private readonly rotateKeys: ReadonlySet<string> = new Set(),
  ) {
    this.#view = new RelationDataView(tools, { localUnit: ctx.unitName });
    const previous = store.getValue<LayerState>(STATE_KEY);
    const committed =
      previous?.version === 1 ? previous : emptyState(options.endpoint, ctx.appName, ctx.unitName);
    this.#out = {
      store,
      options,
      env,
      appName: ctx.appName,
      state: structuredClone(committed),
      committed,
      filesWritten: [],
      warnings: [],
      changed: [],
      caInstalled: false,
    };
  }

  result(): RunResult {
    const now = Date.now();
    const certificates: CertificateInfo[] = Object.values(this.#out.state.certificates)
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
      filesWritten: [...this.#out.filesWritten],
      caInstalled: this.#out.caInstalled,
      relationSets: this.#relationSets,
      problems: this.problems.map((p) => ({ ...p })),
      changes: makeChanges(this.#out.changed, this.#caChanged),
      certificates,
      dialects: Object.fromEntries(
        Object.entries(this.#out.state.relations ?? {}).map(([id, r]) => [id, r.dialect]),
      ),
      renewed: (this.#v4?.renewed ?? []).map(splitId),
      rotated: (this.#v4?.rotated ?? []).map(splitId),
    };
  }

  async execute(): Promise<void> {
    const { store, ctx } = this;
    for (const entry of this.pending.values()) applyRequest(store, entry);
    this.pending.clear();
    // A pair write a crash interrupted is finished first, so nothing below sees a torn pair.
    await finishInterruptedWrites(this.#out);

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
            // A relation settled on legacy stays legacy until it is broken: its provider's app
            // databag, where v4 answers live, need not be read. One settled on v4 needs only that
            // databag, not the provider units' (one hook-tool call fewer in a steady hook, each).
            needs: (id) =>
              databagsNeeded(this.options.protocol, this.#out.committed.relations?.[id]?.dialect),
          },
          relationHint(ctx, this.options.endpoint, this.#out.committed),
        );
        relations = read;
        published = read.published;
        this.#connected = relations.ids.length > 0;
        if (relations.ids.length === 0) await withdraw(this.#out);
        const first = read.ids[0];
        if (first === undefined) {
          if (this.options.protocol !== 'legacy') {
            const v4 = this.#v4Run();
            await v4.removeRenewalSecrets(v4.forgetCsrs());
            // APP mode: the application CSR's bookkeeping goes too; the key stays in its secret.
            forgetAppCertificates(this.store);
          }
          this.#out.state.relations = {};
        }
        if (read.units.length === 0) {
          clearEndpointFlags(store, this.options.endpoint);
          return;
        }
        let dialect: RelationDialect = 'legacy';
        // Read with the relations (read.app), when the dialect may be v4.
        const appData = read.app;
        const recorded = this.#out.committed.relations?.[first ?? '']?.dialect;
        if (first !== undefined && databagsNeeded(this.options.protocol, recorded).app) {
          dialect = settleDialect({
            protocol: this.options.protocol,
            recorded,
            // Under a dialect settled on v4 the units' data was not read: settleDialect keeps v4.
            detected: detectDialect({
              units: read.units.filter((u) => u.relationId === first),
              app: appData,
            }),
          });
        }
        this.#relationDialect = dialect;
        if (first !== undefined) this.#out.state.relations = { [first]: { dialect } };
        if (dialect === 'v4') {
          const v4 = this.#v4Run();
          const view = await v4.answers(first!, decodeProviderAppData(appData));
          this.#rawProblems.push(...v4.problems);
          // Hook point (v4 APP mode): the application certificate comes from v4-app-certificate.ts.
          await this.#applicationCertificates(read, view);
          checked = view;
          this.#caChanged = updateEndpointFlags(store, this.options.endpoint, view).caChanged;
          await writeCa(this.#out, view.ca);
          await writeCertificates(this.#out, view);
          await settleCaRetirement(this.#out);
          testKillPoint(this.env, 'after-writes');
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
        // Hook point (v4 APP mode): `auto` before the provider answered publishes the app CSR too.
        if (dialect === 'unknown') await this.#applicationCertificates(read, view);
        this.#caChanged = updateEndpointFlags(store, this.options.endpoint, view).caChanged;
        await writeCa(this.#out, view.ca);
        await writeCertificates(this.#out, view);
        await writeDeprecated(this.#out, view);
        // Once, after every certificate file of this hook: the trust store changes at most once.
        await settleCaRetirement(this.#out);
        testKillPoint(this.env, 'after-writes');
      },
      'tls-client:update',
    );
    for (const h of this.handlers) dispatcher[h.kind](h.flags, h.handler, h.name);

    const pathsBefore = JSON.stringify(store.getValue(PATHS_KEY) ?? null);
    await dispatcher.run();
    // A handler that requested new paths gets its files in this hook, not the next one.
    if (checked !== undefined && JSON.stringify(store.getValue(PATHS_KEY) ?? null) !== pathsBefore) {
      await writeCertificates(this.#out, checked);
      await settleCaRetirement(this.#out);
    }

    const first = relations.ids[0];
    if (first !== undefined) await this.#publish(first, published);
    if (this.#v4 !== undefined) {
      this.#out.state.renewalTrigger = await this.#v4.scheduleRenewals();
    }
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
      ...this.#out.state,
      endpoint: this.options.endpoint,
      application: ctx.appName,
      unit: ctx.unitName,
      relationIds: relations.ids,
      remoteUnits: relations.units.map((u) => u.unit),
      problems: this.problems,
      warnings: this.#out.warnings,
    };
    // Stamp and store only when something changed, so an idle hook does not rewrite the state file.
    const comparable = (state: LayerState) => JSON.stringify({ ...state, lastHook: '', lastRun: '' });
    if (comparable(next) !== comparable(this.#out.committed)) {
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
    const seen = new Set(this.#out.committed.problems.map(problemKey));
    const lines: [string, 'ERROR' | 'WARNING'][] = [];
    for (const problem of this.problems) {
      if (seen.has(problemKey(problem))) continue;
      // Name the relation key (never the value) even when the message from the codec does not.
      const key = problem.key === undefined ? '' : `relation key "${problem.key}"`;
      const where = key !== '' && !problem.message.includes(key) ? `${key}: ` : '';
      const what = MODEL_PROBLEM_CODES.has(problem.code)
        ? 'not possible on this model'
        : problem.requested
          ? 'skipped provider data'
          : 'ignored provider data we did not request';
      lines.push([
        `tls-client: ${what}: ${where}${problem.code}: ${problem.message}`,
        problem.severity === 'error' ? 'ERROR' : 'WARNING',
      ]);
    }
    const warned = new Set(this.#out.committed.warnings);
    for (const warning of this.#out.warnings) {
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

  /**
   * v4 APP mode: the application certificate, shared by the units through an application secret
   * and published by the leader in the application databag (v4-app-certificate.ts), goes into the
   * view the writers read, with its CA when the unit certificates brought none.
   */
  async #applicationCertificates(
    read: { ids: string[]; units: { relationId: string; unit: string }[] },
    view: CheckedView,
  ): Promise<void> {
    const relationId = read.ids[0];
    const provider = read.units.find((u) => u.relationId === relationId);
    if (relationId === undefined || provider === undefined) return;
    const requests = (this.store.getValue<StoredRequest[]>(REQUESTS_KEY) ?? []).filter(
      (r) => r.type === 'application',
    );
    const app = await runAppCertificates({
      tools: this.tools,
      view: this.#view,
      store: this.store,
      endpoint: this.options.endpoint,
      relationId,
      remoteApp: provider.unit.slice(0, provider.unit.indexOf('/')),
      appName: this.ctx.appName,
      requests,
      verifyChain: this.options.verifyChain,
      renewAt: this.options.renewAt,
      keyType: this.options.keyType,
      rotateKeyOnRenewal: this.options.rotateKeyOnRenewal,
      // The same test clock as the unit-mode renewal (TLS_CLIENT_TEST_NOW, see v4Run).
      now: this.env.TLS_CLIENT_TEST_NOW ? new Date(this.env.TLS_CLIENT_TEST_NOW) : new Date(),
      tool: (fn) => this.#tool(fn),
    });
    this.#rawProblems.push(...app.problems);
    view.application = app.checked;
    if (view.ca === undefined && app.ca !== undefined) {
      const ca = checkCaBundle(app.ca);
      if (ca.ok) view.ca = ca.pem;
    }
  }

  /** The v4 dialect's work for this hook, made once. */
  #v4Run(): V4Run {
    const label = this.ctx.hookName === 'secret-expired' ? this.ctx.secretLabel : undefined;
    const expired =
      label?.startsWith(RENEWAL_SECRET_PREFIX) === true
        ? Object.keys(this.store.getValue<Record<string, unknown>>(V4_KEY) ?? {}).find((id) =>
            label.endsWith(createHash('sha256').update(id).digest('hex').slice(0, 32)),
          )
        : undefined;
    const fake = this.env.TLS_CLIENT_TEST_NOW;
    this.#v4 ??= new V4Run({
      store: this.store,
      tools: this.tools,
      state: this.#out.state,
      committed: this.#out.committed,
      now: fake === undefined || fake === '' ? new Date() : new Date(fake),
      options: this.options,
      rotateKeys: this.rotateKeys,
      expired,
      tool: (fn) => this.#tool(fn),
      env: this.env,
    });
    return this.#v4;
  }

  async #publish(relationId: string, published: Readonly<Record<string, string>>): Promise<void> {
    const requests = this.store.getValue<StoredRequest[]>(REQUESTS_KEY) ?? [];
    const dialect =
      this.#relationDialect ??
      settleDialect({
        protocol: this.options.protocol,
        recorded: this.#out.committed.relations?.[relationId]?.dialect,
        detected: 'unknown',
      });
    if (this.#relationDialect === undefined) this.#out.state.relations = { [relationId]: { dialect } };
    const data: Record<string, string | null> = {};
    if (dialect === 'v4' || dialect === 'unknown') {
      const v4 = await this.#v4Run().publish(requests, published, relationId);
      if (v4 !== undefined) {
        Object.assign(data, v4.set);
        for (const key of v4.deleted) data[key] = null;
      }
    }
    // Legacy keys go when the relation speaks v4 (the key-level diff deletes only what is there).
    const legacy = this.dialect.requestChanges({
      unitName: this.ctx.unitName,
      requests: dialect === 'v4' ? [] : requests,
      published,
    });
    if (legacy !== undefined) {
      Object.assign(data, legacy.set);
      for (const key of legacy.deleted) data[key] = null;
    }
    if (dialect === 'legacy' && published.certificate_signing_requests !== undefined) {
      data.certificate_signing_requests = null;
    }
    if (Object.keys(data).length > 0) await this.#tool(() => this.#view.set(relationId, data));
  }
}
