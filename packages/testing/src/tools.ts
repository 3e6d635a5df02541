// The fake hook tools. Each tool is a pure function of (argv, env, stdin, state) that mutates the
// state and returns what the process prints and its exit code; fake-tool.ts wraps it in a process.
// Argument handling, output shapes, exit codes and error texts follow hook-tools.md.
import { createRequire } from 'node:module';
import type { DatabagRecord, FakeState, HookContextState, NetworkInfo, RelationState } from './state.js';

type YamlModule = typeof import('yaml');
let yamlModule: YamlModule | undefined;

// Loaded on first use: most tool calls never need YAML, and every call is a fresh process.
function yaml(): YamlModule {
  yamlModule ??= createRequire(import.meta.url)('yaml') as YamlModule;
  return yamlModule;
}

function yamlStringify(value: unknown): string {
  return yaml().stringify(value);
}

/** The names of every fake hook tool. */
export const HOOK_TOOL_NAMES = [
  'relation-ids',
  'relation-list',
  'relation-get',
  'relation-set',
  'juju-log',
  'status-set',
  'status-get',
  'config-get',
  'is-leader',
  'leader-get',
  'leader-set',
  'unit-get',
  'network-get',
  'application-version-set',
] as const;

/** One of {@link HOOK_TOOL_NAMES}. */
export type HookToolName = (typeof HOOK_TOOL_NAMES)[number];

/** What a tool process prints and returns. */
export interface ToolResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Input of one tool run. */
export interface ToolInput {
  tool: string;
  args: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  /** Reads the `--file` argument: `-` is stdin. */
  readFile: (path: string) => string;
}

/** A failure that becomes `ERROR <message>` on stderr and the given exit code. */
class ToolFailure extends Error {
  constructor(
    readonly exitCode: 1 | 2,
    message: string,
  ) {
    super(message);
  }
}

const usage = (message: string): ToolFailure => new ToolFailure(2, message);
const runtime = (message: string): ToolFailure => new ToolFailure(1, message);

interface FlagSpec {
  /** Names with dashes, e.g. `--format`, `-r`. */
  names: string[];
  /** The key the parsed value is stored under. */
  key: string;
  kind: 'string' | 'bool';
}

interface ParsedArgs {
  flags: Map<string, string>;
  positional: string[];
}

const FORMAT: FlagSpec = { names: ['--format'], key: 'format', kind: 'string' };
const RELATION: FlagSpec = { names: ['-r', '--relation'], key: 'relation', kind: 'string' };
const APP: FlagSpec = { names: ['--app'], key: 'app', kind: 'bool' };
const HELP: FlagSpec = { names: ['-h', '--help'], key: 'help', kind: 'bool' };

function parseBool(flag: string, value: string): boolean {
  // Go's strconv.ParseBool, which Juju's flag parser uses.
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) return false;
  throw usage(`invalid value "${truncate(value)}" for flag ${flag}: parse error`);
}

function truncate(text: string, max = 40): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

// gnuflag-style parsing as Juju does it: flags and positionals may be interspersed, `--` ends the
// flags, a lone `-` is a positional, `--flag=value`, `--flag value`, `-r value` and `-rvalue`.
function parseArgs(args: readonly string[], specs: readonly FlagSpec[]): ParsedArgs {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  const all = [...specs, HELP];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const long = arg.startsWith('--');
    let name: string;
    let inline: string | undefined;
    const eq = arg.indexOf('=');
    if (long) {
      name = eq === -1 ? arg : arg.slice(0, eq);
      inline = eq === -1 ? undefined : arg.slice(eq + 1);
    } else {
      name = arg.slice(0, 2);
      const rest = arg.slice(2);
      inline = rest === '' ? undefined : rest.startsWith('=') ? rest.slice(1) : rest;
    }
    const spec = all.find((s) => s.names.includes(name));
    if (spec === undefined) throw usage(`flag provided but not defined: ${name}`);
    if (spec.kind === 'bool') {
      flags.set(spec.key, String(inline === undefined ? true : parseBool(name, inline)));
      continue;
    }
    if (inline === undefined) {
      if (i + 1 >= args.length) throw usage(`flag needs an argument: ${name}`);
      inline = args[++i]!;
    }
    flags.set(spec.key, inline);
  }
  return { flags, positional };
}

function checkEmpty(extra: readonly string[]): void {
  if (extra.length > 0) throw usage(`unrecognized args: [${extra.map((a) => JSON.stringify(a)).join(' ')}]`);
}

// Go's encoding/json escapes <, >, & and U+2028/U+2029; a strict client must still parse it.
function goJson(value: unknown): string {
  return JSON.stringify(sortKeysDeep(value))
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

// Go marshals maps with sorted keys.
function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort())
      out[key] = sortKeysDeep((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

function formatOutput(flags: Map<string, string>, value: unknown): string {
  const format = flags.get('format') ?? 'smart';
  switch (format) {
    case 'json':
      return `${goJson(value)}\n`;
    case 'yaml':
      return yamlStringify(sortKeysDeep(value));
    case 'smart':
      if (value === null || value === undefined) return '';
      if (typeof value === 'string') return `${value}\n`;
      if (typeof value === 'boolean') return value ? 'True\n' : 'False\n';
      if (typeof value === 'number') return `${value}\n`;
      if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
        return value.map((v) => `${v}\n`).join('');
      }
      return yamlStringify(sortKeysDeep(value));
    default:
      throw usage(
        `invalid value "${truncate(format)}" for flag --format: unknown format "${truncate(format)}"`,
      );
  }
}

function validateFormat(flags: Map<string, string>): void {
  const format = flags.get('format');
  if (format !== undefined && !['json', 'yaml', 'smart'].includes(format)) {
    throw usage(
      `invalid value "${truncate(format)}" for flag --format: unknown format "${truncate(format)}"`,
    );
  }
}

function appOf(unit: string): string {
  const slash = unit.indexOf('/');
  return slash === -1 ? unit : unit.slice(0, slash);
}

function relationKey(rel: RelationState): string {
  return `${rel.endpoint}:${rel.id}`;
}

/** Resolves `-r` (or the hook's relation) to a relation, as a usage error when it fails. */
function resolveRelation(state: FakeState, ctx: HookContextState, flags: Map<string, string>): RelationState {
  const given = flags.get('relation');
  const selector = given ?? ctx.relationId;
  if (selector === undefined || selector === '') throw usage('no relation id specified');
  const match = /^(?:([^:]+):)?(\d+)$/.exec(selector);
  if (match === null) throw usage(`invalid value "${truncate(selector)}" for option -r: invalid relation id`);
  const id = Number.parseInt(match[2]!, 10);
  const rel = Object.values(state.relations).find((r) => r.id === id);
  if (rel === undefined || (match[1] !== undefined && match[1] !== rel.endpoint)) {
    throw usage(`invalid value "${truncate(selector)}" for option -r: relation not found`);
  }
  return rel;
}

function pendingFor(ctx: HookContextState, rel: RelationState) {
  const key = relationKey(rel);
  ctx.pending[key] ??= { unit: {}, app: {} };
  return ctx.pending[key];
}

function overlay(committed: DatabagRecord, pending: DatabagRecord | undefined): DatabagRecord {
  const out: DatabagRecord = { ...committed };
  for (const [key, value] of Object.entries(pending ?? {})) {
    if (value === '') delete out[key];
    else out[key] = value;
  }
  return out;
}

function isLeaderNow(state: FakeState): boolean {
  return state.leader;
}

// --- the tools -------------------------------------------------------------------------------

type ToolImpl = (
  state: FakeState,
  ctx: HookContextState,
  args: readonly string[],
  input: ToolInput,
) => unknown;

const relationIds: ToolImpl = (state, ctx, args) => {
  const { flags, positional } = parseArgs(args, [FORMAT]);
  validateFormat(flags);
  let endpoint = positional[0];
  checkEmpty(positional.slice(1));
  if (endpoint === undefined) {
    const current = ctx.relationId === undefined ? undefined : state.relations[ctx.relationId];
    if (current === undefined) throw usage('no endpoint name specified');
    endpoint = current.endpoint;
  }
  const ids = Object.values(state.relations)
    .filter((r) => r.endpoint === endpoint && !r.dead)
    .map(relationKey)
    .sort();
  return formatOutput(flags, ids);
};

const relationList: ToolImpl = (state, ctx, args) => {
  const { flags, positional } = parseArgs(args, [FORMAT, RELATION, APP]);
  validateFormat(flags);
  checkEmpty(positional);
  const rel = resolveRelation(state, ctx, flags);
  if (flags.get('app') === 'true') return formatOutput(flags, rel.remoteApp);
  return formatOutput(flags, rel.dead ? [] : Object.keys(rel.remoteUnits).sort());
};

const relationGet: ToolImpl = (state, ctx, args) => {
  const { flags, positional } = parseArgs(args, [FORMAT, RELATION, APP]);
  validateFormat(flags);
  checkEmpty(positional.slice(2));
  const rel = resolveRelation(state, ctx, flags);
  const key = positional[0] ?? '-';
  let target = positional[1];
  let app = flags.get('app') === 'true';
  if (target === undefined) {
    // In a relation hook the unit defaults to the remote unit, then to the remote application.
    const sameRelation = ctx.relationId === relationKey(rel);
    if (sameRelation && ctx.remoteUnit) target = ctx.remoteUnit;
    else if (sameRelation && ctx.remoteApp) {
      target = ctx.remoteApp;
      app = true;
    } else throw usage('no unit or application specified');
  }
  const pending = ctx.pending[relationKey(rel)];
  let data: DatabagRecord;
  if (app) {
    const name = appOf(target);
    if (name === appOf(state.unit)) {
      if (!isLeaderNow(state)) {
        throw runtime(
          `cannot read settings for application "${name}" in relation "${relationKey(rel)}": permission denied`,
        );
      }
      data = overlay(rel.localAppData, pending?.app);
    } else if (name === rel.remoteApp) {
      data = rel.remoteAppData;
    } else {
      throw runtime(
        `cannot read settings for application "${name}" in relation "${relationKey(rel)}": permission denied`,
      );
    }
  } else {
    if (!target.includes('/')) throw usage(`invalid unit name "${truncate(target)}"`);
    if (target === state.unit) data = overlay(rel.localUnitData, pending?.unit);
    else {
      const found = rel.remoteUnits[target] ?? rel.departedUnits[target];
      if (found === undefined) {
        throw runtime(
          `cannot read settings for unit "${target}" in relation "${relationKey(rel)}": unit "${target}": settings not found`,
        );
      }
      data = found;
    }
  }
  if (key === '-') return formatOutput(flags, data);
  return formatOutput(flags, Object.hasOwn(data, key) ? data[key] : null);
};

function parseKeyValues(args: readonly string[]): DatabagRecord {
  const out: DatabagRecord = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0)
      throw usage(`expected "key=value", got "${truncate(arg.includes('=') ? arg.slice(0, eq + 1) : arg)}"`);
    const key = arg.slice(0, eq);
    if (Object.hasOwn(out, key)) throw usage(`key "${truncate(key)}" specified more than once`);
    out[key] = arg.slice(eq + 1);
  }
  return out;
}

// relation-set --file: a YAML (or JSON) mapping of strings; null decodes to "" (delete).
function parseSettingsFile(text: string): DatabagRecord {
  const { isMap, isScalar, parseDocument } = yaml();
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) throw runtime(`cannot parse settings file: ${doc.errors[0]!.code}`);
  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) return {};
  if (!isMap(root)) throw runtime('cannot parse settings file: expected a YAML mapping');
  const out: DatabagRecord = {};
  for (const pair of root.items) {
    const keyNode = pair.key;
    if (!isScalar(keyNode) || keyNode.value === null)
      throw runtime('cannot parse settings file: a key is not a string');
    const key = typeof keyNode.value === 'string' ? keyNode.value : String(keyNode.source ?? keyNode.value);
    const valueNode = pair.value;
    if (valueNode === null || valueNode === undefined) {
      out[key] = '';
      continue;
    }
    if (!isScalar(valueNode))
      throw runtime(`cannot parse settings file: value of key "${truncate(key)}" is not a string`);
    const value = valueNode.value;
    if (value === null) out[key] = '';
    else if (typeof value === 'string') out[key] = value;
    // Like Go's YAML decoder into a string: the scalar's source text (`1.0` stays `1.0`).
    else out[key] = String(valueNode.source ?? value);
  }
  return out;
}

const relationSet: ToolImpl = (state, ctx, args, input) => {
  const { flags, positional } = parseArgs(args, [
    FORMAT,
    RELATION,
    APP,
    { names: ['--file'], key: 'file', kind: 'string' },
  ]);
  const rel = resolveRelation(state, ctx, flags);
  const fromArgs = parseKeyValues(positional);
  const file = flags.get('file');
  let text = '';
  if (file !== undefined) {
    try {
      text = input.readFile(file);
    } catch {
      throw runtime(`cannot read settings file "${truncate(file)}"`);
    }
  }
  const settings = file === undefined ? {} : parseSettingsFile(text);
  Object.assign(settings, fromArgs);
  const app = flags.get('app') === 'true';
  if (app && !isLeaderNow(state)) throw runtime('cannot write relation settings');
  const pending = pendingFor(ctx, rel);
  Object.assign(app ? pending.app : pending.unit, settings);
  return '';
};

const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'];

const jujuLog: ToolImpl = (state, ctx, args) => {
  const { flags, positional } = parseArgs(args, [
    FORMAT,
    { names: ['-l', '--log-level'], key: 'level', kind: 'string' },
    { names: ['--debug'], key: 'debug', kind: 'bool' },
  ]);
  if (positional.length === 0) throw usage('no message specified');
  let level = flags.get('debug') === 'true' ? 'DEBUG' : (flags.get('level') ?? 'INFO').toUpperCase();
  if (!LOG_LEVELS.includes(level)) {
    state.logs.push({
      level: 'WARNING',
      message: `Specified log level of "${truncate(level)}" is not valid`,
      hook: ctx.hook,
    });
    level = 'INFO';
  }
  state.logs.push({ level, message: positional.join(' '), hook: ctx.hook });
  return '';
};

const STATUSES = ['maintenance', 'blocked', 'waiting', 'active'];
const APPLICATION: FlagSpec = { names: ['--application'], key: 'application', kind: 'bool' };

const statusSet: ToolImpl = (state, _ctx, args) => {
  const { flags, positional } = parseArgs(args, [APPLICATION]);
  if (positional.length < 1) throw usage('invalid args, require <status> [message] [data]');
  const status = positional[0]!;
  if (!STATUSES.includes(status)) {
    throw usage(`invalid status "${truncate(status)}", expected one of [${STATUSES.join(' ')}]`);
  }
  checkEmpty(positional.slice(2));
  const value = { status, message: positional[1] ?? '' };
  if (flags.get('application') === 'true') {
    if (!isLeaderNow(state)) throw runtime('setting application status: this unit is not the leader');
    state.applicationStatus = value;
  } else state.unitStatus = value;
  return '';
};

const statusGet: ToolImpl = (state, _ctx, args) => {
  const { flags, positional } = parseArgs(args, [
    FORMAT,
    APPLICATION,
    { names: ['--include-data'], key: 'data', kind: 'bool' },
  ]);
  validateFormat(flags);
  checkEmpty(positional);
  const full = (s: { status: string; message: string }) => ({
    message: s.message,
    status: s.status,
    'status-data': {},
  });
  if (flags.get('application') === 'true') {
    if (!isLeaderNow(state)) throw runtime('finding application status: this unit is not the leader');
    return formatOutput(flags, {
      'application-status': {
        ...full(state.applicationStatus),
        units: { [state.unit]: full(state.unitStatus) },
      },
    });
  }
  if (flags.get('data') === 'true') return formatOutput(flags, full(state.unitStatus));
  return formatOutput(flags, state.unitStatus.status);
};

const configGet: ToolImpl = (state, _ctx, args) => {
  const { flags, positional } = parseArgs(args, [
    FORMAT,
    { names: ['-a', '--all'], key: 'all', kind: 'bool' },
  ]);
  validateFormat(flags);
  checkEmpty(positional.slice(1));
  const key = positional[0];
  const all = flags.get('all') === 'true';
  if (key !== undefined) {
    if (all) throw usage(`cannot use argument --all together with key "${truncate(key)}"`);
    return formatOutput(flags, Object.hasOwn(state.config, key) ? state.config[key] : null);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(state.config))
    if (all || (v !== null && v !== undefined)) out[k] = v ?? null;
  return formatOutput(flags, out);
};

const isLeader: ToolImpl = (state, _ctx, args) => {
  const { flags, positional } = parseArgs(args, [FORMAT]);
  validateFormat(flags);
  checkEmpty(positional);
  return formatOutput(flags, isLeaderNow(state));
};

const leaderGet: ToolImpl = (state, _ctx, args) => {
  const { flags, positional } = parseArgs(args, [FORMAT]);
  validateFormat(flags);
  checkEmpty(positional.slice(1));
  const key = positional[0] ?? '-';
  if (key.includes('=')) throw usage(`invalid key "${truncate(key)}"`);
  if (key === '-') return formatOutput(flags, state.leaderSettings);
  return formatOutput(flags, Object.hasOwn(state.leaderSettings, key) ? state.leaderSettings[key] : null);
};

const leaderSet: ToolImpl = (state, _ctx, args) => {
  const { positional } = parseArgs(args, []);
  const settings = parseKeyValues(positional);
  if (!isLeaderNow(state))
    throw runtime('cannot write leadership settings: cannot write settings: not the leader');
  for (const [key, value] of Object.entries(settings)) {
    if (value === '') delete state.leaderSettings[key];
    else state.leaderSettings[key] = value;
  }
  return '';
};

const unitGet: ToolImpl = (state, _ctx, args) => {
  const { flags, positional } = parseArgs(args, [FORMAT]);
  validateFormat(flags);
  const setting = positional[0];
  if (setting === undefined) throw usage('no setting specified');
  checkEmpty(positional.slice(1));
  if (setting === 'private-address') return formatOutput(flags, state.addresses.private);
  if (setting === 'public-address') return formatOutput(flags, state.addresses.public);
  throw usage(`unknown setting "${truncate(setting)}"`);
};

/** The network-get answer for a binding when none was configured: one interface, the private address. */
export function defaultNetworkInfo(privateAddress: string): NetworkInfo {
  const v4 = /^(\d+\.\d+\.\d+)\.\d+$/.exec(privateAddress);
  const cidr = v4 === null ? `${privateAddress}/128` : `${v4[1]}.0/24`;
  const host = v4 === null ? `${privateAddress}/128` : `${privateAddress}/32`;
  return {
    'bind-addresses': [
      {
        'mac-address': '00:16:3e:00:00:01',
        'interface-name': 'eth0',
        addresses: [{ hostname: '', value: privateAddress, cidr }],
      },
    ],
    'egress-subnets': [host],
    'ingress-addresses': [privateAddress],
  };
}

const networkGet: ToolImpl = (state, ctx, args) => {
  const { flags, positional } = parseArgs(args, [
    FORMAT,
    RELATION,
    { names: ['--bind-address'], key: 'bind-address', kind: 'bool' },
    { names: ['--ingress-address'], key: 'ingress-address', kind: 'bool' },
    { names: ['--egress-subnets'], key: 'egress-subnets', kind: 'bool' },
    { names: ['--primary-address'], key: 'primary-address', kind: 'bool' },
  ]);
  validateFormat(flags);
  if (positional.length === 0) throw usage('no arguments specified');
  checkEmpty(positional.slice(1));
  if (flags.has('relation')) resolveRelation(state, ctx, flags);
  const binding = positional[0]!;
  const known =
    state.bindings.includes(binding) ||
    Object.hasOwn(state.networks, binding) ||
    Object.values(state.relations).some((r) => r.endpoint === binding);
  if (!known) throw runtime(`no network config found for binding "${truncate(binding)}"`);
  const info = state.networks[binding] ?? defaultNetworkInfo(state.addresses.private);
  const picks: Record<string, unknown> = {};
  if (flags.get('bind-address') === 'true') {
    picks['bind-address'] = info['bind-addresses']?.[0]?.addresses[0]?.value ?? '';
  }
  if (flags.get('ingress-address') === 'true')
    picks['ingress-address'] = info['ingress-addresses']?.[0] ?? '';
  if (flags.get('egress-subnets') === 'true')
    picks['egress-subnets'] = (info['egress-subnets'] ?? []).join(',');
  if (flags.get('primary-address') === 'true') picks['primary-address'] = state.addresses.private;
  const names = Object.keys(picks);
  if (names.length === 1) return formatOutput(flags, picks[names[0]!]);
  if (names.length > 1) return formatOutput(flags, picks);
  return formatOutput(flags, info);
};

const applicationVersionSet: ToolImpl = (state, _ctx, args) => {
  const { positional } = parseArgs(args, []);
  if (positional.length === 0) throw usage('no version specified');
  checkEmpty(positional.slice(1));
  state.applicationVersion = positional[0]!;
  return '';
};

const TOOLS: Record<HookToolName, ToolImpl> = {
  'relation-ids': relationIds,
  'relation-list': relationList,
  'relation-get': relationGet,
  'relation-set': relationSet,
  'juju-log': jujuLog,
  'status-set': statusSet,
  'status-get': statusGet,
  'config-get': configGet,
  'is-leader': isLeader,
  'leader-get': leaderGet,
  'leader-set': leaderSet,
  'unit-get': unitGet,
  'network-get': networkGet,
  'application-version-set': applicationVersionSet,
};

const HELP_TEXT: Partial<Record<HookToolName, string>> = {
  'relation-set':
    'Usage: relation-set [options] key=value [key=value ...]\n\nOptions:\n--app  (= false)\n    pick whether you are setting "application" settings or "unit" settings\n--file  (= )\n    file containing key-value pairs\n-r, --relation  (= )\n    specify a relation by id\n',
};

/** Replaces the values of `key=value` arguments (relation-set, leader-set) with `<redacted>`. */
export function redactArgs(tool: string, args: readonly string[]): string[] {
  if (tool !== 'relation-set' && tool !== 'leader-set') return [...args];
  let afterDashDash = false;
  return args.map((arg, i) => {
    if (arg === '--') {
      afterDashDash = true;
      return arg;
    }
    const previous = args[i - 1];
    const isFlagValue =
      !afterDashDash &&
      (previous === '-r' || previous === '--relation' || previous === '--file' || previous === '--format');
    if (!isFlagValue && (afterDashDash || !arg.startsWith('-')) && arg.includes('=')) {
      return `${arg.slice(0, arg.indexOf('='))}=<redacted>`;
    }
    return arg;
  });
}

/**
 * Runs one fake hook tool against `state` (mutated in place) and records the call.
 * Never throws for tool errors: they become `ERROR …` on stderr with exit code 2 (usage) or 1.
 */
export function runTool(state: FakeState, input: ToolInput): ToolResult {
  const contextId = input.env.JUJU_CONTEXT_ID ?? '';
  const ctx = contextId === '' ? undefined : state.contexts[contextId];
  let result: ToolResult;
  try {
    if (!Object.hasOwn(TOOLS, input.tool)) throw usage(`unknown hook tool "${truncate(input.tool)}"`);
    const tool = input.tool as HookToolName;
    if (input.args.includes('--help') || input.args.includes('-h')) {
      result = { stdout: HELP_TEXT[tool] ?? `Usage: ${tool} [options]\n`, stderr: '', exitCode: 0 };
    } else if (contextId === '') {
      throw runtime('JUJU_CONTEXT_ID not set: run the charm with FakeModel.runHook or use FakeModel.hookEnv');
    } else if (ctx === undefined || !ctx.active) {
      throw runtime(`bad request: unknown or finished hook context "${truncate(contextId)}"`);
    } else {
      result = { stdout: String(TOOLS[tool](state, ctx, input.args, input) ?? ''), stderr: '', exitCode: 0 };
    }
  } catch (error) {
    if (!(error instanceof ToolFailure)) throw error;
    result = { stdout: '', stderr: `ERROR ${error.message}\n`, exitCode: error.exitCode };
  }
  state.calls.push({
    tool: input.tool,
    args: redactArgs(input.tool, input.args),
    hook: ctx?.hook ?? '',
    contextId,
    exitCode: result.exitCode,
  });
  return result;
}
