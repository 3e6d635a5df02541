import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyConfig, loadConfigOptions } from './charm-config.js';
import { TestingError } from './errors.js';
import { openHookContext } from './hook-context.js';
import { runProcess } from './hook-process.js';
import { prepareSandbox, type Sandbox } from './hook-sandbox.js';
import * as relations from './model-relations.js';
import {
  type AddSecretOptions,
  addSecret,
  describeSecret,
  type FakeSecret,
  secretOf,
  setSecretContent,
} from './model-secrets.js';
import { clockNow, commitSecretOps, type ExpiredSecret, expiredSecrets } from './secret-store.js';
import type { FakeState, LogEntry, NetworkInfo, StatusValue, ToolCall } from './state.js';
import { initState, readState, updateState } from './state-file.js';
import { installToolWrappers, locateFakeTool } from './tool-wrappers.js';

/** Options of {@link FakeModel.create}. */
export interface FakeModelOptions {
  /** Our unit, e.g. `'myapp/0'`. */
  unit: string;
  /**
   * The charm directory: the hook's working directory and where `dispatch` and `config.yaml` live.
   * Hooks run in a temporary copy of it when `copyCharmDir` is true.
   */
  charmDir: string;
  /** Where to keep `bin/`, the state file and the sandboxes. Default: a new temp directory, removed by {@link FakeModel.cleanup}. */
  dir?: string | undefined;
  /** Charm config as `config-get` returns it; overrides the defaults of `<charmDir>/config.yaml`. */
  config?: Record<string, unknown> | undefined;
  /** Whether our unit is the leader. Default false. */
  leader?: boolean | undefined;
  /** `unit-get public-address`. Default `10.0.0.10`. */
  publicAddress?: string | undefined;
  /** `unit-get private-address` and the default network-get address. Default `10.0.0.10`. */
  privateAddress?: string | undefined;
  /** Kept for callers that want a hostname in `network-get`; default `''`. */
  hostname?: string | undefined;
  /** `JUJU_MODEL_NAME`. Default `test-model`. */
  model?: string | undefined;
  /** `JUJU_VERSION`. Default `3.6.4`. A `2.x` version has no secret tools on PATH, as Juju 2.9. */
  jujuVersion?: string | undefined;
  /** Extra bindings known to `network-get` (relation endpoints are always known). */
  bindings?: string[] | undefined;
  /** Install the secret tools. Default: true unless `jujuVersion` is 2.x. */
  secretTools?: boolean | undefined;
  /**
   * `TLS_CLIENT_TRUST_ROOT` of every hook: default a sandbox `<dir>/trust-root` laid out by
   * {@link prepareDebianRoot}; a path to use your own; `false` to leave it unset, so the hook
   * trusts CAs on the real host.
   */
  trustRoot?: string | false | undefined;
  /** `TLS_CLIENT_DISTRO` of every hook: default `debian` (matching the sandbox); `false` leaves it unset. */
  distro?: string | false | undefined;
  /**
   * `TLS_CLIENT_STATE_DIR` of every hook: default `<dir>/charm-state` (0700); a path of your own;
   * `false` leaves it unset, so the charm keeps its state under the charm directory.
   */
  stateDir?: string | false | undefined;
  /** Run hooks in a temporary copy of `charmDir` (`JUJU_CHARM_DIR` points at the copy). Default false. */
  copyCharmDir?: boolean | undefined;
}

/** Options of {@link FakeModel.runHook} and {@link FakeModel.hookEnv}. */
export interface RunHookOptions {
  /** The relation of a relation hook. Default: the first live relation on the hook's endpoint. */
  relationId?: string | undefined;
  /**
   * `JUJU_REMOTE_UNIT`. Default for `-joined`/`-changed`: the first remote unit of the relation; for
   * `-departed`: the unit removed last with `removeRemoteUnit`; empty for `-created`/`-broken`. Pass
   * `''` for an application-data change.
   */
  remoteUnit?: string | undefined;
  /** `JUJU_DEPARTING_UNIT` of a `-relation-departed` hook. Default: the remote unit. */
  departingUnit?: string | undefined;
  /** The secret of a `secret-*` hook (id or URI); required for them. */
  secretId?: string | undefined;
  /** `JUJU_SECRET_LABEL`. Default: the owner's label, or ours for a secret we consume. */
  secretLabel?: string | undefined;
  /** `JUJU_SECRET_REVISION` of `secret-expired`/`-remove`/`-rotate`. Default: the revision that expired first, else the latest. */
  secretRevision?: number | undefined;
  /** The command to run. Default `[<charmDir>/dispatch]`. Run without a shell. */
  command?: string[] | undefined;
  /** Extra environment variables; they override the defaults (the sandbox variables included). */
  env?: Record<string, string> | undefined;
  /** Kill the hook (SIGKILL) after this long. Default 60000. */
  timeoutMs?: number | undefined;
}

/** The outcome of one {@link FakeModel.runHook}. */
export interface HookRun {
  /** The process's exit code; -1 when it was killed by a signal. */
  exitCode: number;
  /** The signal that killed it, if any. */
  signal: NodeJS.Signals | null;
  /** True when the hook hit `timeoutMs` and was killed. */
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** The tool calls the hook made, in order. */
  calls: ToolCall[];
  /** Whether its buffered relation settings or secret changes were committed (exit code 0). */
  committed: boolean;
  /** `JUJU_CONTEXT_ID` of the run. */
  contextId: string;
}

/** The environment of a hook context, from {@link FakeModel.hookEnv}. */
export interface HookEnv {
  env: Record<string, string>;
  contextId: string;
}

export type { LogEntry, NetworkInfo, StatusValue, ToolCall } from './state.js';
export type { AddSecretOptions, ExpiredSecret, FakeSecret };

/**
 * A fake Juju model around one local unit: hook tools on PATH backed by a JSON state file, relations
 * with remote units and their data, secrets, a clock, and a runner that starts a charm for a hook
 * with Juju's environment. Every hook gets a sandboxed trust root, distro and state directory unless
 * the options say otherwise, so a test cannot change the host or the source tree by accident.
 *
 * @example
 * const model = await FakeModel.create({ unit: 'app/0', charmDir });
 * const rel = model.addRelation('certificates', 'easyrsa');
 * model.addRemoteUnit(rel, 'easyrsa/0', { ca: caPem });
 * const run = await model.runHook('certificates-relation-changed');
 * model.localUnitData(rel); // what the charm published, if it exited 0
 */
export class FakeModel {
  /** Directory holding `bin/` and `state.json`. */
  readonly dir: string;
  /** Put this first on PATH: one executable per hook tool. */
  readonly binDir: string;
  /** The JSON state file; `FAKE_JUJU_STATE` names it. */
  readonly stateFile: string;
  /** Our unit name, e.g. `app/0`. */
  readonly unit: string;
  /** Our application name. */
  readonly appName: string;
  /** The charm directory given to {@link FakeModel.create}. */
  readonly charmDir: string;
  /** Where hooks run and what `JUJU_CHARM_DIR` says: `charmDir`, or its temporary copy. */
  readonly hookCharmDir: string;
  /** `TLS_CLIENT_TRUST_ROOT` of the hooks, or undefined when opted out. */
  readonly trustRoot: string | undefined;
  /** `TLS_CLIENT_STATE_DIR` of the hooks, or undefined when opted out. */
  readonly stateDir: string | undefined;
  readonly #ownsDir: boolean;
  readonly #jujuVersion: string;
  readonly #sandboxEnv: Record<string, string>;

  private constructor(dir: string, options: FakeModelOptions, ownsDir: boolean, sandbox: Sandbox) {
    this.dir = dir;
    this.binDir = join(dir, 'bin');
    this.stateFile = join(dir, 'state.json');
    this.unit = options.unit;
    this.appName = options.unit.split('/')[0]!;
    this.charmDir = options.charmDir;
    this.hookCharmDir = sandbox.hookCharmDir;
    this.trustRoot = sandbox.env.TLS_CLIENT_TRUST_ROOT;
    this.stateDir = sandbox.env.TLS_CLIENT_STATE_DIR;
    this.#ownsDir = ownsDir;
    this.#jujuVersion = options.jujuVersion ?? '3.6.4';
    this.#sandboxEnv = sandbox.env;
  }

  /**
   * Creates the model: the state file, `bin/` with one wrapper script per hook tool, and the hook
   * sandbox (trust root, state directory, optional charm-dir copy).
   * @throws {TestingError} `ERR_TESTING_NOT_BUILT` when the package's `dist/fake-tool.js` is missing;
   *   `ERR_TESTING_CONFIG_YAML` for a malformed `config.yaml`; `ERR_TESTING_IO`.
   */
  static async create(options: FakeModelOptions): Promise<FakeModel> {
    if (!/^[a-z][a-z0-9-]*\/\d+$/.test(options.unit)) {
      throw new TypeError(`unit must look like "app/0", got ${JSON.stringify(options.unit)}`);
    }
    if (typeof options.charmDir !== 'string' || options.charmDir === '')
      throw new TypeError('charmDir is required');
    locateFakeTool(); // fail before creating anything when the package is not built
    const configOptions = loadConfigOptions(options.charmDir);
    const ownsDir = options.dir === undefined;
    const dir = options.dir ?? (await realpath(await mkdtemp(join(tmpdir(), 'fake-juju-'))));
    const sandbox = await prepareSandbox(dir, options);
    const model = new FakeModel(dir, options, ownsDir, sandbox);
    await mkdir(model.binDir, { recursive: true, mode: 0o700 });
    const address = options.privateAddress ?? '10.0.0.10';
    const jujuVersion = options.jujuVersion ?? '3.6.4';
    const state: FakeState = {
      version: 1,
      model: { name: options.model ?? 'test-model', uuid: randomUUID() },
      jujuVersion,
      unit: options.unit,
      leader: options.leader ?? false,
      config: {},
      configOptions,
      addresses: { public: options.publicAddress ?? address, private: address },
      relations: {},
      nextRelationId: 0,
      bindings: [...(options.bindings ?? [])],
      networks: {},
      leaderSettings: {},
      unitStatus: { status: 'unknown', message: '' },
      applicationStatus: { status: 'unknown', message: '' },
      applicationVersion: '',
      logs: [],
      calls: [],
      contexts: {},
      secrets: {},
      clock: { offsetMs: 0 },
    };
    applyConfig(state, options.config ?? {});
    initState(model.stateFile, state);
    const secretTools = options.secretTools ?? !jujuVersion.startsWith('2.');
    await installToolWrappers(model.binDir, model.stateFile, { secretTools });
    return model;
  }

  #update<T>(fn: (state: FakeState) => T): T {
    return updateState(this.stateFile, fn);
  }

  #read(): FakeState {
    return readState(this.stateFile);
  }

  // --- relations ------------------------------------------------------------------------------

  /** Adds a relation from our `endpoint` to `remoteApp` and returns its id, e.g. `'certificates:0'`. */
  addRelation(endpoint: string, remoteApp: string, options: { id?: number } = {}): string {
    return this.#update((state) => relations.addRelation(state, endpoint, remoteApp, options));
  }

  /** Brings a remote unit into scope with its initial data. */
  addRemoteUnit(relationId: string, unit: string, data: Record<string, string> = {}): void {
    this.#update((state) => relations.addRemoteUnit(state, relationId, unit, data));
  }

  /** Takes a remote unit out of scope (before a `-relation-departed` hook); its last data stays readable. */
  removeRemoteUnit(relationId: string, unit: string): void {
    this.#update((state) => relations.removeRemoteUnit(state, relationId, unit));
  }

  /** Removes a relation (before `-relation-broken`): no longer listed, `relation-list` is empty. */
  removeRelation(relationId: string): void {
    this.#update((state) => relations.removeRelation(state, relationId));
  }

  /** Changes a remote unit's data: merged (`''` or null deletes) or, with `replace`, replaced. */
  setRemoteUnitData(
    relationId: string,
    unit: string,
    data: Record<string, string | null>,
    options: { replace?: boolean } = {},
  ): void {
    this.#update((state) => relations.setRemoteUnitData(state, relationId, unit, data, options));
  }

  /** Changes the remote application's databag: merged (`''` or null deletes) or replaced. */
  setRemoteAppData(
    relationId: string,
    data: Record<string, string | null>,
    options: { replace?: boolean } = {},
  ): void {
    this.#update((state) => relations.setRemoteAppData(state, relationId, data, options));
  }

  /** Seeds our own unit's committed data (as if an earlier hook had published it). */
  setLocalUnitData(
    relationId: string,
    data: Record<string, string | null>,
    options: { replace?: boolean } = {},
  ): void {
    this.#update((state) => relations.setLocalUnitData(state, relationId, data, options));
  }

  /** Seeds our application's committed data (as if an earlier leader hook had published it). */
  setLocalAppData(
    relationId: string,
    data: Record<string, string | null>,
    options: { replace?: boolean } = {},
  ): void {
    this.#update((state) => relations.setLocalAppData(state, relationId, data, options));
  }

  /** Our unit's committed data in a relation (what the remote side sees). */
  localUnitData(relationId: string): Record<string, string> {
    return relations.localUnitData(this.#read(), relationId);
  }

  /** Our application's committed data in a relation. */
  localAppData(relationId: string): Record<string, string> {
    return relations.localAppData(this.#read(), relationId);
  }

  /** A remote unit's data (in scope or departed). */
  remoteUnitData(relationId: string, unit: string): Record<string, string> {
    return relations.remoteUnitData(this.#read(), relationId, unit);
  }

  /** The remote application's data. */
  remoteAppData(relationId: string): Record<string, string> {
    return relations.remoteAppData(this.#read(), relationId);
  }

  /** The remote application of a relation. */
  remoteApp(relationId: string): string {
    return relations.remoteApp(this.#read(), relationId);
  }

  /** Remote units in scope, sorted as strings. */
  remoteUnits(relationId: string): string[] {
    return relations.remoteUnits(this.#read(), relationId);
  }

  /** Live relation ids, optionally of one endpoint, sorted as strings. */
  relationIds(endpoint?: string): string[] {
    return relations.relationIds(this.#read(), endpoint);
  }

  // --- config, leadership, network, what the charm reported -------------------------------------

  /**
   * Merges (or with `replace`, replaces) the charm config. With a config.yaml, values are checked
   * against the option types, unknown options are refused and `null` resets to the default.
   */
  setConfig(config: Record<string, unknown>, options: { replace?: boolean } = {}): void {
    this.#update((state) => applyConfig(state, config, options.replace === true));
  }

  /** Makes our unit the leader or not. */
  setLeader(leader: boolean): void {
    this.#update((state) => {
      state.leader = leader;
    });
  }

  /** Sets what `network-get <binding>` returns (and makes the binding known). */
  setNetwork(binding: string, info: NetworkInfo): void {
    this.#update((state) => {
      state.networks[binding] = info;
    });
  }

  /** The unit's workload status (`unknown` until the charm sets one). */
  status(): StatusValue {
    return { ...this.#read().unitStatus };
  }

  /** The application status (set by the leader with `status-set --application`). */
  applicationStatus(): StatusValue {
    return { ...this.#read().applicationStatus };
  }

  /** The version set by `application-version-set`, or `''`. */
  applicationVersion(): string {
    return this.#read().applicationVersion;
  }

  /** The leader settings (`leader-get`). */
  leaderSettings(): Record<string, string> {
    return { ...this.#read().leaderSettings };
  }

  /** Every juju-log line so far. */
  logs(): LogEntry[] {
    return this.#read().logs;
  }

  /** Every hook-tool call so far, values redacted. */
  calls(): ToolCall[] {
    return this.#read().calls;
  }

  /** Forgets the recorded calls (e.g. between the set-up hooks and the one under test). */
  clearCalls(): void {
    this.#update((state) => {
      state.calls = [];
    });
  }

  // --- secrets and the clock ------------------------------------------------------------------

  /**
   * Seeds a committed secret: ours (owner our app, the default, or our unit), or a remote app's
   * shared with us over `grant`. Returns its URI.
   */
  addSecret(options: AddSecretOptions): string {
    return this.#update((state) => addSecret(state, options));
  }

  /** Publishes a new revision of a secret, as its owner would outside our hooks. Returns the revision. */
  setSecretContent(
    secret: string,
    content: Record<string, string>,
    options: { expire?: Date | number } = {},
  ): number {
    return this.#update((state) => setSecretContent(state, secret, content, options));
  }

  /** One committed secret, values decoded. @throws {TestingError} `ERR_TESTING_UNKNOWN_SECRET` */
  secret(idOrUri: string): FakeSecret {
    const state = this.#read();
    return describeSecret(state, secretOf(state, idOrUri));
  }

  /** Every committed secret, values decoded. */
  secrets(): FakeSecret[] {
    const state = this.#read();
    return Object.values(state.secrets).map((s) => describeSecret(state, s));
  }

  /** Revisions of the secrets we own whose expiry has passed on the fake clock (earliest first). */
  expiredSecrets(): ExpiredSecret[] {
    return expiredSecrets(this.#read());
  }

  /** The fake's now: real time shifted by {@link advanceClock}, or the instant set by {@link setClock}. */
  now(): Date {
    return new Date(clockNow(this.#read().clock));
  }

  /** Freezes the fake clock at `time`. */
  setClock(time: Date): void {
    if (!(time instanceof Date) || Number.isNaN(time.getTime()))
      throw new TypeError('time must be a valid Date');
    this.#update((state) => {
      state.clock = { fixedMs: time.getTime(), offsetMs: 0 };
    });
  }

  /** Moves the fake clock forward (or back, with a negative `ms`). */
  advanceClock(ms: number): void {
    if (!Number.isFinite(ms)) throw new TypeError('ms must be a finite number');
    this.#update((state) => {
      if (state.clock.fixedMs !== undefined) state.clock.fixedMs += ms;
      else state.clock.offsetMs += ms;
    });
  }

  // --- hooks ----------------------------------------------------------------------------------

  /**
   * Opens a hook context and returns the environment Juju would give the hook, for running hook
   * tools (or a client library) directly. Close it with {@link FakeModel.endHook}.
   */
  hookEnv(hook: string, options: Omit<RunHookOptions, 'command' | 'timeoutMs'> = {}): HookEnv {
    if (typeof hook !== 'string' || !/^[a-z][a-z0-9-]*$/.test(hook)) {
      throw new TypeError(`invalid hook name ${JSON.stringify(hook)}`);
    }
    const contextId = `${this.unit}-${hook}-${randomBytes(8).readBigUInt64BE().toString()}`;
    const hookVars = this.#update((state) => openHookContext(state, hook, contextId, options));
    const state = this.#read();
    const inherited: Record<string, string> = {};
    for (const name of ['HOME', 'LANG', 'TMPDIR', 'TZ']) {
      const value = process.env[name];
      if (value !== undefined) inherited[name] = value;
    }
    const agent = `unit-${this.unit.replace('/', '-')}`;
    const env: Record<string, string> = {
      ...inherited,
      PATH: `${this.binDir}:${process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'}`,
      CHARM_DIR: this.hookCharmDir,
      JUJU_CHARM_DIR: this.hookCharmDir,
      JUJU_DISPATCH_PATH: `hooks/${hook}`,
      JUJU_HOOK_NAME: hook,
      JUJU_UNIT_NAME: this.unit,
      JUJU_MODEL_NAME: state.model.name,
      JUJU_MODEL_UUID: state.model.uuid,
      JUJU_VERSION: this.#jujuVersion,
      JUJU_CONTEXT_ID: contextId,
      JUJU_AGENT_SOCKET_ADDRESS: `@/var/lib/juju/agents/${agent}/agent.socket`,
      JUJU_AGENT_SOCKET_NETWORK: 'unix',
      JUJU_API_ADDRESSES: '10.0.0.1:17070',
      JUJU_MACHINE_ID: '0',
      JUJU_PRINCIPAL_UNIT: '',
      JUJU_AVAILABILITY_ZONE: '',
      JUJU_SLA: 'unsupported',
      CLOUD_API_VERSION: '',
      JUJU_CHARM_HTTP_PROXY: '',
      JUJU_CHARM_HTTPS_PROXY: '',
      JUJU_CHARM_FTP_PROXY: '',
      JUJU_CHARM_NO_PROXY: '',
      ...hookVars,
      ...this.#sandboxEnv,
      FAKE_JUJU_STATE: this.stateFile,
      ...(options.env ?? {}),
    };
    return { env, contextId };
  }

  /**
   * Closes a hook context: commits its buffered relation settings and secret changes when
   * `success`, else drops them. Returns whether anything was committed.
   */
  endHook(contextId: string, options: { success: boolean }): boolean {
    return this.#update((state) => {
      const ctx = state.contexts[contextId];
      if (ctx === undefined || !ctx.active)
        throw new TypeError(`no open hook context ${JSON.stringify(contextId)}`);
      ctx.active = false;
      let committed = false;
      if (options.success) {
        for (const [relationId, pending] of Object.entries(ctx.pending)) {
          const rel = state.relations[relationId];
          if (rel === undefined) continue;
          relations.applyChanges(rel.localUnitData, pending.unit);
          relations.applyChanges(rel.localAppData, pending.app);
          committed = true;
        }
        if (commitSecretOps(state, ctx.secretOps ?? [])) committed = true;
      }
      // The buffered values may hold private keys: keep no copy once the hook is over.
      ctx.pending = {};
      ctx.secretOps = [];
      return committed;
    });
  }

  /**
   * Runs the charm (default `<charmDir>/dispatch`) for `hook` with Juju's environment, waits, then
   * commits its relation settings and secret changes if it exited 0 or drops them otherwise.
   * @throws {TestingError} `ERR_TESTING_HOOK_SPAWN` when the command cannot be started.
   */
  async runHook(hook: string, options: RunHookOptions = {}): Promise<HookRun> {
    const command = options.command ?? [join(this.hookCharmDir, 'dispatch')];
    if (command.length === 0) throw new TypeError('command must not be empty');
    const { env, contextId } = this.hookEnv(hook, options);
    const outcome = await runProcess(command, {
      cwd: this.hookCharmDir,
      env,
      timeoutMs: options.timeoutMs ?? 60_000,
    });
    if (outcome.error !== undefined) {
      this.endHook(contextId, { success: false });
      throw new TestingError('ERR_TESTING_HOOK_SPAWN', `cannot start ${command[0]} for hook ${hook}`, {
        path: command[0]!,
        cause: outcome.error,
      });
    }
    const exitCode = outcome.code ?? -1;
    const committed = this.endHook(contextId, { success: exitCode === 0 });
    return {
      exitCode,
      signal: outcome.signal,
      timedOut: outcome.timedOut,
      stdout: outcome.stdout,
      stderr: outcome.stderr,
      calls: this.calls().filter((c) => c.contextId === contextId),
      committed,
      contextId,
    };
  }

  /** Removes the model's directory (state, sandboxes, charm copy) if {@link FakeModel.create} made it. */
  async cleanup(): Promise<void> {
    if (this.#ownsDir) await rm(this.dir, { recursive: true, force: true });
  }
}
