// What every fake tool shares: Juju's flag parsing (gnuflag style), the --format output of the
// read tools (Go's JSON encoder, YAML, "smart"), the usage/runtime failures and their exit codes,
// and the relation selector.
import { createRequire } from 'node:module';
import type { DatabagRecord, FakeState, HookContextState, RelationState } from './state.js';

type YamlModule = typeof import('yaml');
let yamlModule: YamlModule | undefined;

/** Loaded on first use: most tool calls never need YAML, and every call is a fresh process. */
export function yaml(): YamlModule {
  yamlModule ??= createRequire(import.meta.url)('yaml') as YamlModule;
  return yamlModule;
}

function yamlStringify(value: unknown): string {
  return yaml().stringify(value);
}

/** Input of one tool run. */
export interface ToolInput {
  tool: string;
  args: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  /** Reads the `--file` argument or a `key#file=PATH` value: `-` is stdin. */
  readFile: (path: string) => string;
}

/** One tool: mutates the state, returns what it prints on stdout. */
export type ToolImpl = (
  state: FakeState,
  ctx: HookContextState,
  args: readonly string[],
  input: ToolInput,
) => unknown;

/** A failure that becomes `ERROR <message>` on stderr and the given exit code. */
export class ToolFailure extends Error {
  constructor(
    readonly exitCode: 1 | 2,
    message: string,
  ) {
    super(message);
  }
}

export const usage = (message: string): ToolFailure => new ToolFailure(2, message);
export const runtime = (message: string): ToolFailure => new ToolFailure(1, message);

export interface FlagSpec {
  /** Names with dashes, e.g. `--format`, `-r`. */
  names: string[];
  /** The key the parsed value is stored under. */
  key: string;
  kind: 'string' | 'bool';
}

export interface ParsedArgs {
  flags: Map<string, string>;
  positional: string[];
}

export const FORMAT: FlagSpec = { names: ['--format'], key: 'format', kind: 'string' };
export const RELATION: FlagSpec = { names: ['-r', '--relation'], key: 'relation', kind: 'string' };
export const APP: FlagSpec = { names: ['--app'], key: 'app', kind: 'bool' };
const HELP: FlagSpec = { names: ['-h', '--help'], key: 'help', kind: 'bool' };

export function parseBool(flag: string, value: string): boolean {
  // Go's strconv.ParseBool, which Juju's flag parser uses.
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) return false;
  throw usage(`invalid value "${truncate(value)}" for flag ${flag}: parse error`);
}

export function truncate(text: string, max = 40): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

// gnuflag-style parsing as Juju does it: flags and positionals may be interspersed, `--` ends the
// flags, a lone `-` is a positional, `--flag=value`, `--flag value`, `-r value` and `-rvalue`.
export function parseArgs(args: readonly string[], specs: readonly FlagSpec[]): ParsedArgs {
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

export function checkEmpty(extra: readonly string[]): void {
  if (extra.length > 0) throw usage(`unrecognized args: [${extra.map((a) => JSON.stringify(a)).join(' ')}]`);
}

// Go's encoding/json escapes <, >, & and U+2028/U+2029; a strict client must still parse it.
export function goJson(value: unknown): string {
  return JSON.stringify(sortKeysDeep(value))
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

// Go marshals maps with sorted keys.
export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort())
      out[key] = sortKeysDeep((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

export function formatOutput(flags: Map<string, string>, value: unknown): string {
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

export function validateFormat(flags: Map<string, string>): void {
  const format = flags.get('format');
  if (format !== undefined && !['json', 'yaml', 'smart'].includes(format)) {
    throw usage(
      `invalid value "${truncate(format)}" for flag --format: unknown format "${truncate(format)}"`,
    );
  }
}

export function appOf(unit: string): string {
  const slash = unit.indexOf('/');
  return slash === -1 ? unit : unit.slice(0, slash);
}

export function relationKey(rel: RelationState): string {
  return `${rel.endpoint}:${rel.id}`;
}

/** Resolves `-r` (or the hook's relation) to a relation, as a usage error when it fails. */
export function resolveRelation(
  state: FakeState,
  ctx: HookContextState,
  flags: Map<string, string>,
): RelationState {
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

export function pendingFor(ctx: HookContextState, rel: RelationState) {
  const key = relationKey(rel);
  ctx.pending[key] ??= { unit: {}, app: {} };
  return ctx.pending[key];
}

export function overlay(committed: DatabagRecord, pending: DatabagRecord | undefined): DatabagRecord {
  const out: DatabagRecord = { ...committed };
  for (const [key, value] of Object.entries(pending ?? {})) {
    if (value === '') delete out[key];
    else out[key] = value;
  }
  return out;
}

export function isLeaderNow(state: FakeState): boolean {
  return state.leader;
}

/** Parses `key=value` arguments; a key given twice is a usage error. */
export function parseKeyValues(args: readonly string[]): DatabagRecord {
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
