import { Dispatcher, type FlagStore } from '@tls-client/flags';
import { type HookContext, type HookTools, RelationDataView } from '@tls-client/hookenv';
import { makeChanges } from './changes.js';
import { type CheckedView, checkCaBundle, type RawProblem } from './check-provider-data.js';
import { classifyProblem } from './classify-problems.js';
import { type Dialect, legacyDialect } from './dialect.js';
import { clearEndpointFlags, updateEndpointFlags } from './endpoint-flags.js';
import { LayerError, wrapError } from './errors.js';
import { SAVED_FLAGS_CLEARED_ON_UPGRADE } from './flag-names.js';
import { readRelations, relationHint } from './read-relations.js';
import { applyRequest, type PendingRequest } from './request-registry.js';
import {
  emptyState,
  type LayerState,
  PATHS_KEY,
  type Problem,
  REQUESTS_KEY,
  STATE_KEY,
  type StoredRequest,
} from './state.js';
import { testKillPoint } from './test-kill-point.js';
import type { CertificateInfo, HandlerRegistration, ResolvedOptions, RunResult } from './tls-client.js';
import { runAppCertificates } from './v4-app-certificate.js';
import {
  type OutputContext,
  withdraw,
  writeCa,
  writeCertificates,
  writeDeprecated,
} from './write-outputs.js';

/** Same problem, for "log it only when it is new". */
function problemKey(p: Problem | RawProblem): string {
  return JSON.stringify([p.code, p.key ?? null, p.commonName ?? null, p.type ?? null, p.message]);
}

/** One hook's work. Kept apart from TlsClient so that nothing leaks between hooks. */
export class HookRun {
  /** Classified at the end of the hook, when every request (also from handlers) is known. */
  problems: Problem[] = [];
  readonly #rawProblems: RawProblem[] = [];
  #caChanged = false;
  #relationSets = 0;
  #connected = false;
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
          relationHint(ctx, this.options.endpoint, this.#out.committed),
        );
        relations = read;
        published = read.published;
        this.#connected = relations.ids.length > 0;
        if (relations.ids.length === 0) await withdraw(this.#out);
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
        // Hook point (v4 APP mode): the application certificate comes from v4-app-certificate.ts.
        if (this.options.protocol === 'v4') await this.#applicationCertificates(read, view);
        this.#caChanged = updateEndpointFlags(store, this.options.endpoint, view).caChanged;
        await writeCa(this.#out, view.ca);
        await writeCertificates(this.#out, view);
        await writeDeprecated(this.#out, view);
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
      const what = problem.requested ? 'skipped provider data' : 'ignored provider data we did not request';
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
      now: new Date(),
      tool: (fn) => this.#tool(fn),
    });
    this.#rawProblems.push(...app.problems);
    view.application = app.checked;
    if (view.ca === undefined && app.ca !== undefined) {
      const ca = checkCaBundle(app.ca);
      if (ca.ok) view.ca = ca.pem;
    }
  }

  async #publish(relationId: string, published: Readonly<Record<string, string>>): Promise<void> {
    const all = this.store.getValue<StoredRequest[]>(REQUESTS_KEY) ?? [];
    const changes = this.dialect.requestChanges({
      unitName: this.ctx.unitName,
      // Hook point (v4 APP mode): application requests go to the application databag instead.
      requests: this.options.protocol === 'v4' ? all.filter((r) => r.type !== 'application') : all,
      published,
    });
    if (changes === undefined) return;
    const data: Record<string, string | null> = { ...changes.set };
    for (const key of changes.deleted) data[key] = null;
    await this.#tool(() => this.#view.set(relationId, data));
  }
}
