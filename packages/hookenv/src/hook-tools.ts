import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { HookToolError } from './errors.js';
import { runTool, type ToolArg } from './run-tool.js';
import {
  checkContent,
  checkSecretId,
  metadataArgs,
  parseSecretInfo,
  parseSecretUri,
  type SecretAddOptions,
  type SecretGetOptions,
  type SecretInfo,
  type SecretSetOptions,
  SecretShapeError,
  withContentFiles,
} from './secret-args.js';

/** Log levels `juju-log` understands. */
export type LogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';
/** Workload statuses a charm may set (`error` and `unknown` are Juju's alone). */
export type WorkloadStatus = 'maintenance' | 'blocked' | 'waiting' | 'active';

/** One address of a network interface, from `network-get`. */
export interface NetworkAddress {
  hostname: string;
  value: string;
  cidr: string;
}
/** One interface bound to an endpoint, from `network-get`. */
export interface BindAddress {
  macAddress: string;
  interfaceName: string;
  addresses: NetworkAddress[];
}
/** `network-get` output, with Juju's kebab-case keys in camelCase and omitted lists as `[]`. */
export interface NetworkInfo {
  bindAddresses: BindAddress[];
  egressSubnets: string[];
  ingressAddresses: string[];
}

/** Options for {@link HookTools}. */
export interface HookToolsOptions {
  /** The tools' environment, PATH included. Default `process.env`. */
  env?: NodeJS.ProcessEnv | undefined;
  /** Per-call timeout; the tool is killed with SIGKILL after it. Default 60 000. */
  timeoutMs?: number | undefined;
  /** Largest stdout accepted from a read tool. Default 32 MiB. */
  maxOutputBytes?: number | undefined;
  /** Where `secretAdd`/`secretSet` make their short-lived 0700 content directory. Default `os.tmpdir()`. */
  tmpDir?: string | undefined;
}

/** Options of the relation read calls. */
export interface RelationGetOptions {
  /** Read the application databag; `unitOrApp` then names the application (a unit name is converted). */
  app?: boolean | undefined;
}

const LOG_LEVELS: ReadonlySet<string> = new Set(['TRACE', 'DEBUG', 'INFO', 'WARNING', 'ERROR']);
const STATUSES: ReadonlySet<string> = new Set(['maintenance', 'blocked', 'waiting', 'active']);
/** MAX_ARG_STRLEN (131072) minus the terminating NUL. */
const MAX_ARG_BYTES = 131071;
const LEADER_LEASE_MS = 30_000;

/**
 * Typed calls of the Juju hook tools, with the argv forms of the spec (`--format=json`, `--`
 * before free text, `relation-set --file -`). Every call spawns the tool without a shell, with a
 * timeout, and parses its output strictly.
 *
 * @throws {HookToolError} from every call: `ERR_HOOKENV_TOOL_NOT_FOUND`, `ERR_HOOKENV_SPAWN_FAILED`,
 *   `ERR_HOOKENV_TOOL_FAILED`, `ERR_HOOKENV_RELATION_NOT_FOUND`, `ERR_HOOKENV_TIMEOUT`,
 *   `ERR_HOOKENV_BAD_OUTPUT`.
 * @example
 * const tools = new HookTools();
 * for (const rel of await tools.relationIds('certificates')) {
 *   for (const unit of await tools.relationList(rel)) console.log(await tools.relationGetKey(rel, 'ca', unit));
 * }
 */
export class HookTools {
  readonly #env: NodeJS.ProcessEnv;
  readonly #timeoutMs: number;
  readonly #maxOutputBytes: number;
  readonly #tmpDir: string | undefined;
  #callCount = 0;
  readonly #callsByTool = new Map<string, number>();
  #leader: { value: boolean; until: number } | undefined;

  constructor(options: HookToolsOptions = {}) {
    const timeoutMs = options.timeoutMs ?? 60_000;
    // setTimeout fires at once for delays over 2^31-1 ms.
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > 2_147_483_647) {
      throw new TypeError('timeoutMs must be a positive number of milliseconds, at most 2147483647');
    }
    const maxOutputBytes = options.maxOutputBytes ?? 32 * 1024 * 1024;
    if (!Number.isInteger(maxOutputBytes) || maxOutputBytes <= 0) {
      throw new TypeError('maxOutputBytes must be a positive integer');
    }
    this.#env = options.env ?? process.env;
    this.#timeoutMs = timeoutMs;
    this.#maxOutputBytes = maxOutputBytes;
    this.#tmpDir = options.tmpDir;
  }

  /** How many tool processes this instance has started (failed calls included). */
  get callCount(): number {
    return this.#callCount;
  }

  /** The same count per tool name, e.g. `{ 'relation-get': 2, 'relation-set': 1 }`. */
  get callsByTool(): Readonly<Record<string, number>> {
    return Object.fromEntries(this.#callsByTool);
  }

  /** `relation-ids --format=json EP`: the live relation ids of an endpoint, e.g. `['certificates:5']`. */
  async relationIds(endpoint: string): Promise<string[]> {
    checkName('endpoint', endpoint);
    return this.#json('relation-ids', ['--format=json', endpoint], stringList);
  }

  /** `relation-list --format=json -r REL`: the remote units in scope. */
  async relationList(relationId: string): Promise<string[]> {
    checkRelationId(relationId);
    return this.#json('relation-list', ['--format=json', '-r', relationId], stringList);
  }

  /** `relation-list --format=json -r REL --app`: the remote application's name. */
  async relationRemoteApp(relationId: string): Promise<string> {
    checkRelationId(relationId);
    return this.#json('relation-list', ['--format=json', '-r', relationId, '--app'], (v) =>
      expectString(v, 'the remote application name'),
    );
  }

  /**
   * `relation-get --format=json -r REL [--app] - UNIT_OR_APP`: a whole databag. Reading this
   * unit's own databag returns the values set earlier in this hook.
   */
  async relationGet(
    relationId: string,
    unitOrApp: string,
    options: RelationGetOptions = {},
  ): Promise<Record<string, string>> {
    checkRelationId(relationId);
    checkName('unitOrApp', unitOrApp);
    const args = ['--format=json', '-r', relationId, ...(options.app ? ['--app'] : []), '-', unitOrApp];
    return this.#json('relation-get', args, expectStringMap);
  }

  /** `relation-get --format=json -r REL [--app] KEY UNIT_OR_APP`: one value, `null` when unset. */
  async relationGetKey(
    relationId: string,
    key: string,
    unitOrApp: string,
    options: RelationGetOptions = {},
  ): Promise<string | null> {
    checkRelationId(relationId);
    checkName('key', key);
    checkName('unitOrApp', unitOrApp);
    const args = ['--format=json', '-r', relationId, ...(options.app ? ['--app'] : []), key, unitOrApp];
    return this.#json('relation-get', args, (v) => (v === null ? null : expectString(v, 'the value')));
  }

  /**
   * `relation-set -r REL [--app] --file -` with a JSON map on stdin, so values (private keys,
   * certificates) never appear in an argument list. `null` or `''` deletes a key. An empty map
   * makes no call.
   */
  async relationSet(
    relationId: string,
    data: Readonly<Record<string, string | null>>,
    options: { app?: boolean | undefined } = {},
  ): Promise<void> {
    checkRelationId(relationId);
    const payload = toSettings('relationSet', data);
    const keys = Object.keys(payload);
    if (keys.length === 0) return;
    const values = Object.values(payload).filter((v) => v !== '');
    await this.#run('relation-set', ['-r', relationId, ...(options.app ? ['--app'] : []), '--file', '-'], {
      input: JSON.stringify(payload),
      secrets: values,
    });
  }

  /**
   * `juju-log --log-level LEVEL -- MSG`. Messages longer than the argv limit (131071 bytes) are
   * sent in several calls, split on character boundaries.
   */
  async jujuLog(message: string, level: LogLevel = 'INFO'): Promise<void> {
    if (typeof message !== 'string') throw new TypeError('jujuLog: message must be a string');
    if (!LOG_LEVELS.has(level)) throw new TypeError(`jujuLog: unknown level ${JSON.stringify(level)}`);
    // A NUL cannot be passed in argv; show it rather than refuse to log.
    for (const chunk of splitUtf8(message.replaceAll('\0', '\\0'), MAX_ARG_BYTES)) {
      await this.#run('juju-log', ['--log-level', level, '--', redacted(chunk)]);
    }
  }

  /** `status-set --application=B STATUS [-- MSG]`. Takes effect at once, even if the hook fails later. */
  async statusSet(
    status: WorkloadStatus,
    message = '',
    options: { application?: boolean | undefined } = {},
  ): Promise<void> {
    if (!STATUSES.has(status))
      throw new TypeError(`statusSet: status must be one of ${[...STATUSES].join(', ')}`);
    if (typeof message !== 'string') throw new TypeError('statusSet: message must be a string');
    checkArgSize('statusSet', 'message', message);
    const args: ToolArg[] = [`--application=${options.application === true}`, status];
    if (message !== '') args.push('--', redacted(message));
    await this.#run('status-set', args);
  }

  /** `config-get --format=json`: every option that is set or has a default. */
  configGet(): Promise<Record<string, unknown>>;
  /** `config-get --format=json KEY`: one option, `null` when unknown. */
  configGet(key: string): Promise<unknown>;
  async configGet(key?: string): Promise<unknown> {
    if (key === undefined) {
      return this.#json('config-get', ['--format=json'], (v) => (v === null ? {} : expectObject(v)));
    }
    checkName('key', key);
    return this.#json('config-get', ['--format=json', key], (v) => v);
  }

  /**
   * `is-leader --format=json`. A `true` is a 30-second lease, so it is reused for 30 s from the
   * moment before the call (as ops does); `false` is never cached.
   */
  async isLeader(): Promise<boolean> {
    const now = Date.now();
    if (this.#leader !== undefined && now < this.#leader.until) return this.#leader.value;
    const value = await this.#json('is-leader', ['--format=json'], (v) => {
      if (typeof v !== 'boolean') throw new ShapeError(`expected true or false, got ${typeOf(v)}`);
      return v;
    });
    this.#leader = value ? { value, until: now + LEADER_LEASE_MS } : undefined;
    return value;
  }

  /** `leader-get --format=json -`: the leader settings. */
  async leaderGet(): Promise<Record<string, string>> {
    return this.#json('leader-get', ['--format=json', '-'], expectStringMap);
  }

  /**
   * `leader-set K=V …` (`K=` deletes). Leader only; takes effect at once. The tool has no stdin
   * form, so values travel in argv (visible in `ps`) and are bounded by the argv limit: keep
   * secrets out of leader settings. Values are redacted in errors. An empty map makes no call.
   */
  async leaderSet(data: Readonly<Record<string, string | null>>): Promise<void> {
    const settings = toSettings('leaderSet', data);
    const args: ToolArg[] = [];
    for (const [key, value] of Object.entries(settings)) {
      if (key.includes('=')) throw new TypeError(`leaderSet: key "${key}" must not contain "="`);
      checkArgSize('leaderSet', `the value of "${key}"`, `${key}=${value}`);
      args.push(
        value === ''
          ? `${key}=`
          : { value: `${key}=${value}`, display: `${key}=${redactedLabel(value)}`, secret: value },
      );
    }
    if (args.length === 0) return;
    await this.#run('leader-set', args);
  }

  /** `unit-get --format=json ATTR`: this unit's address (legacy; prefer {@link networkGet}). */
  async unitGet(attr: 'private-address' | 'public-address'): Promise<string> {
    if (attr !== 'private-address' && attr !== 'public-address') {
      throw new TypeError('unitGet: attr must be "private-address" or "public-address"');
    }
    return this.#json('unit-get', ['--format=json', attr], (v) => expectString(v, attr));
  }

  /** `network-get --format=json [-r REL] BINDING`: the addresses of an endpoint or extra binding. */
  async networkGet(binding: string, options: { relationId?: string | undefined } = {}): Promise<NetworkInfo> {
    checkName('binding', binding);
    const args = ['--format=json'];
    if (options.relationId !== undefined) {
      checkRelationId(options.relationId);
      args.push('-r', options.relationId);
    }
    args.push(binding);
    return this.#json('network-get', args, parseNetworkInfo);
  }

  /** `application-version-set -- VERSION`: the workload version shown by `juju status`. */
  async applicationVersionSet(version: string): Promise<void> {
    if (typeof version !== 'string') throw new TypeError('applicationVersionSet: version must be a string');
    checkArgSize('applicationVersionSet', 'version', version);
    await this.#run('application-version-set', ['--', version]);
  }

  /**
   * Whether this model has secrets: the secret tools are on PATH (Juju 3.0+). Checks PATH without
   * starting a process. Juju 2.9 has none, and a secret call there fails with
   * `ERR_HOOKENV_SECRETS_UNSUPPORTED`.
   */
  supportsSecrets(): boolean {
    for (const dir of (this.#env.PATH ?? '').split(delimiter)) {
      if (dir === '') continue;
      try {
        accessSync(join(dir, 'secret-get'), constants.X_OK);
        return true;
      } catch {
        // Not in this directory.
      }
    }
    return false;
  }

  /**
   * `secret-add [--label=L] [--description=D] [--expire=T] [--rotate=P] [--owner=O] KEY#file=PATH…`:
   * creates a secret and returns its URI as Juju prints it (`secret://<model-uuid>/<id>` since 3.1,
   * `secret:<id>` before). Each value goes through a 0600 file that is removed afterwards, never argv.
   * The default owner is the application, which needs leadership.
   */
  async secretAdd(
    content: Readonly<Record<string, string>>,
    options: SecretAddOptions = {},
  ): Promise<string> {
    const entries = checkContent('secretAdd', content);
    const meta = metadataArgs('secretAdd', options);
    const { stdout, displayArgs } = await withContentFiles(
      entries,
      (files) => this.#run('secret-add', [...meta, ...files], { secrets: entries.map(([, v]) => v) }),
      this.#tmpDir,
    );
    const uri = stdout.trim();
    if (parseSecretUri(uri) === undefined) {
      throw new HookToolError(
        'ERR_HOOKENV_BAD_OUTPUT',
        `hook tool secret-add printed ${Buffer.byteLength(uri)} bytes that are not a secret URI`,
        {
          tool: 'secret-add',
          args: displayArgs,
        },
      );
    }
    return uri;
  }

  /**
   * `secret-get --format=json [--label=L] [--refresh|--peek] [ID]`: the content of a secret, by id,
   * label or both (both sets our label on it). A consumer reads the revision it tracks unless
   * `refresh` (latest, and track it) or `peek` (latest, this once).
   * @throws {HookToolError} `ERR_HOOKENV_SECRET_NOT_FOUND` when Juju says it is not found.
   */
  async secretGet(options: SecretGetOptions): Promise<Record<string, string>> {
    if (options === null || typeof options !== 'object')
      throw new TypeError('secretGet: options are required');
    if (options.id === undefined && options.label === undefined) {
      throw new TypeError('secretGet: give options.id, options.label or both');
    }
    if (options.refresh === true && options.peek === true) {
      throw new TypeError('secretGet: refresh and peek exclude each other');
    }
    const args = ['--format=json', ...metadataArgs('secretGet', { label: options.label })];
    if (options.refresh === true) args.push('--refresh');
    if (options.peek === true) args.push('--peek');
    if (options.id !== undefined) {
      checkSecretId('secretGet', options.id);
      args.push(options.id);
    }
    return this.#json('secret-get', args, expectStringMap);
  }

  /**
   * `secret-set ID [--label=L] [--description=D] [--expire=T] [--rotate=P] [KEY#file=PATH…]`: new
   * content makes a new revision; the other options change metadata. Owner only (the leader for an
   * application secret). Values go through 0600 files, never argv.
   */
  async secretSet(id: string, options: SecretSetOptions): Promise<void> {
    checkSecretId('secretSet', id);
    if (options === null || typeof options !== 'object')
      throw new TypeError('secretSet: options are required');
    const meta = metadataArgs('secretSet', { ...options, owner: undefined });
    const entries = options.content === undefined ? [] : checkContent('secretSet', options.content);
    if (entries.length === 0 && meta.length === 0) throw new TypeError('secretSet: nothing to set');
    await withContentFiles(
      entries,
      (files) => this.#run('secret-set', [id, ...meta, ...files], { secrets: entries.map(([, v]) => v) }),
      this.#tmpDir,
    );
  }

  /** `secret-info-get --format=json (ID | --label=L)`: a secret's metadata (owners only). */
  async secretInfoGet(options: { id?: string | undefined; label?: string | undefined }): Promise<SecretInfo> {
    if (
      options === null ||
      typeof options !== 'object' ||
      (options.id === undefined) === (options.label === undefined)
    ) {
      throw new TypeError('secretInfoGet: give exactly one of options.id and options.label');
    }
    const args = ['--format=json'];
    if (options.id !== undefined) {
      checkSecretId('secretInfoGet', options.id);
      args.push(options.id);
    } else args.push(...metadataArgs('secretInfoGet', { label: options.label }));
    return this.#json('secret-info-get', args, (v) => {
      try {
        return parseSecretInfo(v);
      } catch (error) {
        if (error instanceof SecretShapeError) throw new ShapeError(error.message);
        throw error;
      }
    });
  }

  /** `secret-remove ID [--revision N]`: one revision, or the whole secret. Owner only. */
  async secretRemove(id: string, options: { revision?: number | undefined } = {}): Promise<void> {
    checkSecretId('secretRemove', id);
    const args = [id];
    if (options.revision !== undefined) {
      if (!Number.isInteger(options.revision) || options.revision < 1) {
        throw new TypeError('secretRemove: revision must be a positive integer');
      }
      args.push('--revision', String(options.revision));
    }
    await this.#run('secret-remove', args);
  }

  /** `secret-ids --format=json`: the URIs of the secrets our unit or application owns. */
  async secretIds(): Promise<string[]> {
    return this.#json('secret-ids', ['--format=json'], stringList);
  }

  /** `secret-grant ID -r REL [--unit U]`: lets the remote application (or one unit of it) read the secret. */
  async secretGrant(
    id: string,
    relationId: string,
    options: { unit?: string | undefined } = {},
  ): Promise<void> {
    checkSecretId('secretGrant', id);
    checkRelationId(relationId);
    const args = [id, '-r', relationId];
    if (options.unit !== undefined) {
      checkName('unit', options.unit);
      args.push('--unit', options.unit);
    }
    await this.#run('secret-grant', args);
  }

  /** `secret-revoke ID [-r REL] [--app A] [--unit U]`: withdraws grants. Give at least one selector. */
  async secretRevoke(
    id: string,
    options: { relationId?: string | undefined; app?: string | undefined; unit?: string | undefined },
  ): Promise<void> {
    checkSecretId('secretRevoke', id);
    if (options === null || typeof options !== 'object')
      throw new TypeError('secretRevoke: options are required');
    const args = [id];
    if (options.relationId !== undefined) {
      checkRelationId(options.relationId);
      args.push('-r', options.relationId);
    }
    if (options.app !== undefined) {
      checkName('app', options.app);
      args.push('--app', options.app);
    }
    if (options.unit !== undefined) {
      checkName('unit', options.unit);
      args.push('--unit', options.unit);
    }
    if (args.length === 1) throw new TypeError('secretRevoke: give relationId, app or unit');
    await this.#run('secret-revoke', args);
  }

  async #run(
    tool: string,
    args: readonly ToolArg[],
    extra: { input?: string | undefined; secrets?: readonly string[] | undefined } = {},
  ): Promise<{ stdout: string; displayArgs: string[] }> {
    this.#callCount++;
    this.#callsByTool.set(tool, (this.#callsByTool.get(tool) ?? 0) + 1);
    return runTool(tool, args, {
      env: this.#env,
      timeoutMs: this.#timeoutMs,
      maxStdoutBytes: this.#maxOutputBytes,
      ...extra,
    });
  }

  async #json<T>(tool: string, args: readonly string[], parse: (value: unknown) => T): Promise<T> {
    const { stdout, displayArgs } = await this.#run(tool, args);
    let value: unknown;
    try {
      value = JSON.parse(stdout);
    } catch (cause) {
      const what =
        stdout.trim() === '' ? 'empty output' : `${Buffer.byteLength(stdout)} bytes that are not JSON`;
      throw new HookToolError(
        'ERR_HOOKENV_BAD_OUTPUT',
        `hook tool ${tool} printed ${what}, expected one JSON document`,
        {
          tool,
          args: displayArgs,
          cause: stripCause(cause),
        },
      );
    }
    try {
      return parse(value);
    } catch (error) {
      if (!(error instanceof ShapeError)) throw error;
      throw new HookToolError(
        'ERR_HOOKENV_BAD_OUTPUT',
        `hook tool ${tool} printed unexpected JSON: ${error.message}`,
        {
          tool,
          args: displayArgs,
        },
      );
    }
  }
}

/** Thrown by the output parsers; turned into ERR_HOOKENV_BAD_OUTPUT with the tool and args. */
class ShapeError extends Error {}

function stringList(value: unknown): string[] {
  // charmhelpers maps a null list to []; so do we.
  if (value === null) return [];
  if (!Array.isArray(value)) throw new ShapeError(`expected a JSON array of strings, got ${typeOf(value)}`);
  return value.map((item, i) => {
    if (typeof item !== 'string')
      throw new ShapeError(`item ${i} of the list is ${typeOf(item)}, expected a string`);
    return item;
  });
}

/** A JSON.parse error message can quote the input; keep only its class. */
function stripCause(cause: unknown): Error {
  return new SyntaxError(cause instanceof Error ? cause.name : 'invalid JSON');
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function expectString(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new ShapeError(`expected ${what} as a string, got ${typeOf(value)}`);
  return value;
}

function expectObject(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ShapeError(`expected a JSON object, got ${typeOf(value)}`);
  }
  // fromEntries defines own properties, so a "__proto__" key stays data, never a prototype.
  return Object.fromEntries(Object.entries(value));
}

function expectStringMap(value: unknown): Record<string, string> {
  if (value === null) return {};
  const object = expectObject(value);
  for (const [key, item] of Object.entries(object)) {
    if (typeof item !== 'string')
      throw new ShapeError(`key "${truncate(key)}" is ${typeOf(item)}, expected a string`);
  }
  return object as Record<string, string>;
}

function parseNetworkInfo(value: unknown): NetworkInfo {
  const fail = (path: string, expected: string, got: unknown): never => {
    throw new ShapeError(`${path} is ${typeOf(got)}, expected ${expected}`);
  };
  const object = expectObject(value);
  const strings = (key: string): string[] => {
    const list = object[key];
    if (list === undefined || list === null) return [];
    if (!Array.isArray(list)) return fail(key, 'an array of strings', list);
    return list.map((s, i) => (typeof s === 'string' ? s : fail(`${key}[${i}]`, 'a string', s)));
  };
  const text = (o: Record<string, unknown>, key: string, path: string): string => {
    const v = o[key];
    if (v === undefined || v === null) return '';
    return typeof v === 'string' ? v : fail(`${path}.${key}`, 'a string', v);
  };
  const rawBinds = object['bind-addresses'] ?? [];
  if (!Array.isArray(rawBinds)) fail('bind-addresses', 'an array', rawBinds);
  const bindAddresses = (rawBinds as unknown[]).map((raw, i): BindAddress => {
    const path = `bind-addresses[${i}]`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return fail(path, 'an object', raw);
    const bind = raw as Record<string, unknown>;
    const rawAddresses = bind.addresses ?? [];
    if (!Array.isArray(rawAddresses)) return fail(`${path}.addresses`, 'an array', rawAddresses);
    return {
      macAddress: text(bind, 'mac-address', path),
      interfaceName: text(bind, 'interface-name', path),
      addresses: rawAddresses.map((a, j): NetworkAddress => {
        const apath = `${path}.addresses[${j}]`;
        if (a === null || typeof a !== 'object' || Array.isArray(a)) return fail(apath, 'an object', a);
        const address = a as Record<string, unknown>;
        return {
          hostname: text(address, 'hostname', apath),
          value: text(address, 'value', apath),
          cidr: text(address, 'cidr', apath),
        };
      }),
    };
  });
  return {
    bindAddresses,
    egressSubnets: strings('egress-subnets'),
    ingressAddresses: strings('ingress-addresses'),
  };
}

function truncate(text: string): string {
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}

function checkName(what: string, value: string): void {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${what} must be a non-empty string`);
  // A leading "-" would be parsed as a flag by the tool.
  if (value.startsWith('-'))
    throw new TypeError(`${what} must not start with "-" (got ${JSON.stringify(truncate(value))})`);
}

/** `endpoint:N` or `N`, as `-r` accepts; never starting with "-". */
const RELATION_ID_PATTERN = /^(?:[^:\s-][^:\s]*:)?[0-9]+$/;

/** @internal Throws TypeError unless `relationId` is `endpoint:N` or `N`. */
export function checkRelationId(relationId: string): void {
  if (typeof relationId !== 'string' || !RELATION_ID_PATTERN.test(relationId)) {
    throw new TypeError(`relationId must look like "endpoint:5" or "5" (got ${JSON.stringify(relationId)})`);
  }
}

function checkArgSize(fn: string, what: string, value: string): void {
  const bytes = Buffer.byteLength(value);
  if (bytes > MAX_ARG_BYTES) {
    throw new TypeError(`${fn}: ${what} is ${bytes} bytes, over the ${MAX_ARG_BYTES}-byte argv limit`);
  }
}

function toSettings(fn: string, data: Readonly<Record<string, string | null>>): Record<string, string> {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new TypeError(`${fn}: data must be an object of strings`);
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(data)) {
    if (key === '') throw new TypeError(`${fn}: keys must be non-empty`);
    if (value !== null && typeof value !== 'string') {
      throw new TypeError(
        `${fn}: the value of "${truncate(key)}" must be a string or null (got ${typeOf(value)})`,
      );
    }
    Object.defineProperty(out, key, {
      value: value ?? '',
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function redactedLabel(value: string): string {
  return `<redacted ${Buffer.byteLength(value)} bytes>`;
}

/** Free text (log and status messages) is shown in errors by size only. */
function redacted(value: string): ToolArg {
  return { value, display: redactedLabel(value), secret: value };
}

/** Splits text into pieces of at most `maxBytes` UTF-8 bytes without cutting a code point. */
export function splitUtf8(text: string, maxBytes: number): string[] {
  if (Buffer.byteLength(text) <= maxBytes) return [text];
  const chunks: string[] = [];
  let current = '';
  let bytes = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (bytes + size > maxBytes) {
      chunks.push(current);
      current = '';
      bytes = 0;
    }
    current += char;
    bytes += size;
  }
  if (current !== '') chunks.push(current);
  return chunks;
}
