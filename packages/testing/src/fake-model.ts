import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestingError } from './errors.js';
import {
  type DatabagRecord,
  type FakeState,
  type HookContextState,
  initState,
  type LogEntry,
  type NetworkInfo,
  type RelationState,
  readState,
  type StatusValue,
  type ToolCall,
  updateState,
} from './state.js';
import { HOOK_TOOL_NAMES } from './tools.js';

/** Options of {@link FakeModel.create}. */
export interface FakeModelOptions {
  /** Our unit, e.g. `'myapp/0'`. */
  unit: string;
  /** The charm directory: the hook's working directory and where `dispatch` lives. */
  charmDir: string;
  /** Where to keep `bin/` and the state file. Default: a new temp directory, removed by {@link FakeModel.cleanup}. */
  dir?: string;
  /** Charm config as `config-get` returns it. */
  config?: Record<string, unknown>;
  /** Whether our unit is the leader. Default false. */
  leader?: boolean;
  /** `unit-get public-address`. Default `10.0.0.10`. */
  publicAddress?: string;
  /** `unit-get private-address` and the default network-get address. Default `10.0.0.10`. */
  privateAddress?: string;
  /** Kept for callers that want a hostname in `network-get`; default `''`. */
  hostname?: string;
  /** `JUJU_MODEL_NAME`. Default `test-model`. */
  model?: string;
  /** `JUJU_VERSION`. Default `3.6.4`. */
  jujuVersion?: string;
  /** Extra bindings known to `network-get` (relation endpoints are always known). */
  bindings?: string[];
}

/** Options of {@link FakeModel.runHook} and {@link FakeModel.hookEnv}. */
export interface RunHookOptions {
  /** The relation of a relation hook. Default: the first live relation on the hook's endpoint. */
  relationId?: string;
  /**
   * `JUJU_REMOTE_UNIT`. Default for `-joined`/`-changed`: the first remote unit of the relation; for
   * `-departed`: the unit removed last with `removeRemoteUnit`; empty for `-created`/`-broken`. Pass
   * `''` for an application-data change.
   */
  remoteUnit?: string;
  /** `JUJU_DEPARTING_UNIT` of a `-relation-departed` hook. Default: the remote unit. */
  departingUnit?: string;
  /** The command to run. Default `[<charmDir>/dispatch]`. Run without a shell. */
  command?: string[];
  /** Extra environment variables (e.g. `TLS_CLIENT_TRUST_ROOT`); they override the defaults. */
  env?: Record<string, string>;
  /** Kill the hook (SIGKILL) after this long. Default 60000. */
  timeoutMs?: number;
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
  /** Whether its buffered relation settings were committed (exit code 0). */
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

const RELATION_HOOK = /^(.+)-relation-(created|joined|changed|departed|broken)$/;

function locateFakeTool(): string {
  const candidates = [
    new URL('./fake-tool.js', import.meta.url),
    new URL('../dist/fake-tool.js', import.meta.url),
  ];
  for (const candidate of candidates) {
    const path = fileURLToPath(candidate);
    if (existsSync(path)) return path;
  }
  throw new TestingError(
    'ERR_TESTING_NOT_BUILT',
    'fake-tool.js not found next to this module or in ../dist: run `pnpm --filter @tls-client/testing build`',
  );
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function applyChanges(target: DatabagRecord, changes: Readonly<Record<string, string | null>>): void {
  for (const [key, value] of Object.entries(changes)) {
    if (value === null || value === '') delete target[key];
    else target[key] = value;
  }
}

function checkData(what: string, data: unknown): void {
  if (typeof data !== 'object' || data === null) throw new TypeError(`${what} must be an object of strings`);
  for (const [key, value] of Object.entries(data)) {
    if (typeof value !== 'string' && value !== null)
      throw new TypeError(`${what}: value of "${key}" must be a string`);
  }
}

/**
 * A fake Juju model around one local unit: hook tools on PATH backed by a JSON state file, relations
 * with remote units and their data, and a runner that starts a charm for a hook with Juju's environment.
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
  readonly charmDir: string;
  readonly #ownsDir: boolean;
  readonly #jujuVersion: string;

  private constructor(dir: string, options: FakeModelOptions, ownsDir: boolean) {
    this.dir = dir;
    this.binDir = join(dir, 'bin');
    this.stateFile = join(dir, 'state.json');
    this.unit = options.unit;
    this.appName = options.unit.split('/')[0]!;
    this.charmDir = options.charmDir;
    this.#ownsDir = ownsDir;
    this.#jujuVersion = options.jujuVersion ?? '3.6.4';
  }

  /**
   * Creates the model: the state file and `bin/` with one wrapper script per hook tool.
   * @throws {TestingError} `ERR_TESTING_NOT_BUILT` when the package's `dist/fake-tool.js` is missing.
   */
  static async create(options: FakeModelOptions): Promise<FakeModel> {
    if (!/^[a-z][a-z0-9-]*\/\d+$/.test(options.unit)) {
      throw new TypeError(`unit must look like "app/0", got ${JSON.stringify(options.unit)}`);
    }
    if (typeof options.charmDir !== 'string' || options.charmDir === '')
      throw new TypeError('charmDir is required');
    const tool = locateFakeTool();
    const ownsDir = options.dir === undefined;
    const dir = options.dir ?? (await realpath(await mkdtemp(join(tmpdir(), 'fake-juju-'))));
    const model = new FakeModel(dir, options, ownsDir);
    await mkdir(model.binDir, { recursive: true, mode: 0o700 });
    const address = options.privateAddress ?? '10.0.0.10';
    const state: FakeState = {
      version: 1,
      model: { name: options.model ?? 'test-model', uuid: randomUUID() },
      unit: options.unit,
      leader: options.leader ?? false,
      config: { ...(options.config ?? {}) },
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
    };
    initState(model.stateFile, state);
    // Wrappers rather than symlinks: they use this Node binary whatever PATH the charm sets, and
    // fall back to this model's state file when the charm scrubbed FAKE_JUJU_STATE.
    for (const name of HOOK_TOOL_NAMES) {
      const script = [
        '#!/bin/sh',
        `FAKE_JUJU_STATE="\${FAKE_JUJU_STATE:-${model.stateFile.replace(/["$`\\]/g, '\\$&')}}"`,
        'export FAKE_JUJU_STATE',
        `exec ${shellQuote(process.execPath)} ${shellQuote(tool)} ${shellQuote(name)} "$@"`,
        '',
      ].join('\n');
      const path = join(model.binDir, name);
      await writeFile(path, script, { mode: 0o755 });
      await chmod(path, 0o755);
    }
    return model;
  }

  #update<T>(fn: (state: FakeState) => T): T {
    return updateState(this.stateFile, fn);
  }

  #relation(state: FakeState, relationId: string): RelationState {
    const rel = state.relations[relationId];
    if (rel === undefined) {
      throw new TestingError('ERR_TESTING_UNKNOWN_RELATION', `relation "${relationId}" does not exist`, {
        relationId,
      });
    }
    return rel;
  }

  /** Adds a relation from our `endpoint` to `remoteApp` and returns its id, e.g. `'certificates:0'`. */
  addRelation(endpoint: string, remoteApp: string, options: { id?: number } = {}): string {
    if (!/^[a-z][a-z0-9-]*$/.test(endpoint))
      throw new TypeError(`invalid endpoint name ${JSON.stringify(endpoint)}`);
    if (!/^[a-z][a-z0-9-]*$/.test(remoteApp))
      throw new TypeError(`invalid application name ${JSON.stringify(remoteApp)}`);
    return this.#update((state) => {
      const id = options.id ?? state.nextRelationId;
      if (!Number.isInteger(id) || id < 0)
        throw new TypeError(`relation id must be a non-negative integer, got ${id}`);
      if (Object.values(state.relations).some((r) => r.id === id))
        throw new TypeError(`relation id ${id} is taken`);
      state.nextRelationId = Math.max(state.nextRelationId, id + 1);
      const key = `${endpoint}:${id}`;
      state.relations[key] = {
        endpoint,
        id,
        remoteApp,
        dead: false,
        remoteUnits: {},
        departedUnits: {},
        remoteAppData: {},
        localUnitData: {},
        localAppData: {},
      };
      return key;
    });
  }

  /** Brings a remote unit into scope with its initial data. */
  addRemoteUnit(relationId: string, unit: string, data: Record<string, string> = {}): void {
    checkData('remote unit data', data);
    this.#update((state) => {
      const rel = this.#relation(state, relationId);
      if (unit.split('/')[0] !== rel.remoteApp || !/\/\d+$/.test(unit)) {
        throw new TypeError(`unit ${JSON.stringify(unit)} is not a unit of "${rel.remoteApp}"`);
      }
      rel.remoteUnits[unit] = { ...data };
      delete rel.departedUnits[unit];
    });
  }

  /** Takes a remote unit out of scope (before a `-relation-departed` hook); its last data stays readable. */
  removeRemoteUnit(relationId: string, unit: string): void {
    this.#update((state) => {
      const rel = this.#relation(state, relationId);
      const data = rel.remoteUnits[unit];
      if (data === undefined) {
        throw new TestingError(
          'ERR_TESTING_UNKNOWN_UNIT',
          `unit "${unit}" is not in relation "${relationId}"`,
          {
            relationId,
          },
        );
      }
      rel.departedUnits[unit] = data;
      delete rel.remoteUnits[unit];
    });
  }

  /** Removes a relation (before `-relation-broken`): no longer listed, `relation-list` is empty. */
  removeRelation(relationId: string): void {
    this.#update((state) => {
      const rel = this.#relation(state, relationId);
      rel.dead = true;
      for (const [unit, data] of Object.entries(rel.remoteUnits)) rel.departedUnits[unit] = data;
      rel.remoteUnits = {};
    });
  }

  /** Changes a remote unit's data: merged (`''` or null deletes) or, with `replace`, replaced. */
  setRemoteUnitData(
    relationId: string,
    unit: string,
    data: Record<string, string | null>,
    options: { replace?: boolean } = {},
  ): void {
    checkData('remote unit data', data);
    this.#update((state) => {
      const rel = this.#relation(state, relationId);
      const current = rel.remoteUnits[unit];
      if (current === undefined) {
        throw new TestingError(
          'ERR_TESTING_UNKNOWN_UNIT',
          `unit "${unit}" is not in relation "${relationId}"`,
          {
            relationId,
          },
        );
      }
      const next = options.replace ? {} : current;
      applyChanges(next, data);
      rel.remoteUnits[unit] = next;
    });
  }

  /** Changes the remote application's databag: merged (`''` or null deletes) or replaced. */
  setRemoteAppData(
    relationId: string,
    data: Record<string, string | null>,
    options: { replace?: boolean } = {},
  ): void {
    checkData('remote application data', data);
    this.#update((state) => {
      const rel = this.#relation(state, relationId);
      const next = options.replace ? {} : rel.remoteAppData;
      applyChanges(next, data);
      rel.remoteAppData = next;
    });
  }

  /** Seeds our own unit's committed data (as if an earlier hook had published it). */
  setLocalUnitData(
    relationId: string,
    data: Record<string, string | null>,
    options: { replace?: boolean } = {},
  ): void {
    checkData('local unit data', data);
    this.#update((state) => {
      const rel = this.#relation(state, relationId);
      const next = options.replace ? {} : rel.localUnitData;
      applyChanges(next, data);
      rel.localUnitData = next;
    });
  }

  /** Our unit's committed data in a relation (what the remote side sees). */
  localUnitData(relationId: string): Record<string, string> {
    return { ...this.#relation(readState(this.stateFile), relationId).localUnitData };
  }

  /** Our application's committed data in a relation. */
  localAppData(relationId: string): Record<string, string> {
    return { ...this.#relation(readState(this.stateFile), relationId).localAppData };
  }

  /** A remote unit's data (in scope or departed). */
  remoteUnitData(relationId: string, unit: string): Record<string, string> {
    const rel = this.#relation(readState(this.stateFile), relationId);
    const data = rel.remoteUnits[unit] ?? rel.departedUnits[unit];
    if (data === undefined) {
      throw new TestingError(
        'ERR_TESTING_UNKNOWN_UNIT',
        `unit "${unit}" is not in relation "${relationId}"`,
        {
          relationId,
        },
      );
    }
    return { ...data };
  }

  /** The remote application's data. */
  remoteAppData(relationId: string): Record<string, string> {
    return { ...this.#relation(readState(this.stateFile), relationId).remoteAppData };
  }

  /** The remote application of a relation. */
  remoteApp(relationId: string): string {
    return this.#relation(readState(this.stateFile), relationId).remoteApp;
  }

  /** Remote units in scope, sorted as strings. */
  remoteUnits(relationId: string): string[] {
    return Object.keys(this.#relation(readState(this.stateFile), relationId).remoteUnits).sort();
  }

  /** Live relation ids, optionally of one endpoint, sorted as strings. */
  relationIds(endpoint?: string): string[] {
    return Object.entries(readState(this.stateFile).relations)
      .filter(([, r]) => !r.dead && (endpoint === undefined || r.endpoint === endpoint))
      .map(([key]) => key)
      .sort();
  }

  /** Merges (or with `replace`, replaces) the charm config. */
  setConfig(config: Record<string, unknown>, options: { replace?: boolean } = {}): void {
    this.#update((state) => {
      state.config = options.replace ? { ...config } : { ...state.config, ...config };
    });
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
    return { ...readState(this.stateFile).unitStatus };
  }

  /** The application status (set by the leader with `status-set --application`). */
  applicationStatus(): StatusValue {
    return { ...readState(this.stateFile).applicationStatus };
  }

  /** The version set by `application-version-set`, or `''`. */
  applicationVersion(): string {
    return readState(this.stateFile).applicationVersion;
  }

  /** The leader settings (`leader-get`). */
  leaderSettings(): Record<string, string> {
    return { ...readState(this.stateFile).leaderSettings };
  }

  /** Every juju-log line so far. */
  logs(): LogEntry[] {
    return readState(this.stateFile).logs;
  }

  /** Every hook-tool call so far, values redacted. */
  calls(): ToolCall[] {
    return readState(this.stateFile).calls;
  }

  /** Forgets the recorded calls (e.g. between the set-up hooks and the one under test). */
  clearCalls(): void {
    this.#update((state) => {
      state.calls = [];
    });
  }

  /**
   * Opens a hook context and returns the environment Juju would give the hook, for running hook
   * tools (or a client library) directly. Close it with {@link FakeModel.endHook}.
   */
  hookEnv(hook: string, options: Omit<RunHookOptions, 'command' | 'timeoutMs'> = {}): HookEnv {
    if (typeof hook !== 'string' || !/^[a-z][a-z0-9-]*$/.test(hook)) {
      throw new TypeError(`invalid hook name ${JSON.stringify(hook)}`);
    }
    const contextId = `${this.unit}-${hook}-${randomBytes(8).readBigUInt64BE().toString()}`;
    const relationEnv: Record<string, string> = {};
    this.#update((state) => {
      const ctx: HookContextState = { hook, active: true, pending: {} };
      const match = RELATION_HOOK.exec(hook);
      if (match !== null) {
        const endpoint = match[1]!;
        const kind = match[2]!;
        let relationId = options.relationId;
        if (relationId === undefined) {
          relationId = Object.keys(state.relations)
            .filter(
              (key) =>
                state.relations[key]!.endpoint === endpoint &&
                (kind === 'broken' || !state.relations[key]!.dead),
            )
            .sort()[0];
          if (relationId === undefined)
            throw new TypeError(`no relation on endpoint "${endpoint}" for hook ${hook}`);
        }
        const rel = this.#relation(state, relationId);
        if (rel.endpoint !== endpoint) {
          throw new TypeError(`relation "${relationId}" is not on endpoint "${endpoint}" of hook ${hook}`);
        }
        let remoteUnit = options.remoteUnit;
        if (remoteUnit === undefined) {
          if (kind === 'created' || kind === 'broken') remoteUnit = '';
          // The unit that departed last (removeRemoteUnit keeps departure order).
          else if (kind === 'departed') remoteUnit = Object.keys(rel.departedUnits).at(-1) ?? '';
          else remoteUnit = Object.keys(rel.remoteUnits).sort()[0] ?? '';
        }
        ctx.relationId = relationId;
        ctx.remoteApp = rel.remoteApp;
        if (remoteUnit !== '') ctx.remoteUnit = remoteUnit;
        relationEnv.JUJU_RELATION = rel.endpoint;
        relationEnv.JUJU_RELATION_ID = relationId;
        relationEnv.JUJU_REMOTE_UNIT = remoteUnit;
        relationEnv.JUJU_REMOTE_APP = rel.remoteApp;
        if (kind === 'departed') {
          const departing = options.departingUnit ?? remoteUnit;
          ctx.departingUnit = departing;
          relationEnv.JUJU_DEPARTING_UNIT = departing;
        }
      }
      state.contexts[contextId] = ctx;
    });
    const state = readState(this.stateFile);
    const inherited: Record<string, string> = {};
    for (const name of ['HOME', 'LANG', 'TMPDIR', 'TZ']) {
      const value = process.env[name];
      if (value !== undefined) inherited[name] = value;
    }
    const agent = `unit-${this.unit.replace('/', '-')}`;
    const env: Record<string, string> = {
      ...inherited,
      PATH: `${this.binDir}:${process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'}`,
      CHARM_DIR: this.charmDir,
      JUJU_CHARM_DIR: this.charmDir,
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
      ...relationEnv,
      FAKE_JUJU_STATE: this.stateFile,
      ...(options.env ?? {}),
    };
    return { env, contextId };
  }

  /**
   * Closes a hook context: commits its buffered relation settings when `success`, else drops them.
   * Returns whether anything was committed.
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
          applyChanges(rel.localUnitData, pending.unit);
          applyChanges(rel.localAppData, pending.app);
          committed = true;
        }
      }
      // The buffered values may hold private keys: keep no copy once the hook is over.
      ctx.pending = {};
      return committed;
    });
  }

  /**
   * Runs the charm (default `<charmDir>/dispatch`) for `hook` with Juju's environment, waits, then
   * commits its relation settings if it exited 0 or drops them otherwise.
   * @throws {TestingError} `ERR_TESTING_HOOK_SPAWN` when the command cannot be started.
   */
  async runHook(hook: string, options: RunHookOptions = {}): Promise<HookRun> {
    const { env, contextId } = this.hookEnv(hook, options);
    const command = options.command ?? [join(this.charmDir, 'dispatch')];
    if (command.length === 0) throw new TypeError('command must not be empty');
    const timeoutMs = options.timeoutMs ?? 60_000;
    const outcome = await new Promise<{
      code: number | null;
      signal: NodeJS.Signals | null;
      stdout: string;
      stderr: string;
      timedOut: boolean;
      error?: Error;
    }>((resolve) => {
      const child = spawn(command[0]!, command.slice(1), {
        cwd: this.charmDir,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
      child.on('error', (error) => {
        clearTimeout(timer);
        resolve({ code: null, signal: null, stdout: '', stderr: '', timedOut, error });
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({
          code,
          signal,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
          timedOut,
        });
      });
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

  /** Removes the model's directory if {@link FakeModel.create} made it. */
  async cleanup(): Promise<void> {
    if (this.#ownsDir) await rm(this.dir, { recursive: true, force: true });
  }
}
