// The fake hook tools. Each tool is a pure function of (argv, env, stdin, state) that mutates the
// state and returns what the process prints and its exit code; fake-tool.ts wraps it in a process.
// Argument handling, output shapes, exit codes and error texts follow hook-tools.md. The tools
// themselves live in one file per family (tools-relation.ts, tools-secrets.ts, ...).
import type { FakeState } from './state.js';
import { runtime, ToolFailure, type ToolImpl, type ToolInput, truncate, usage } from './tool-args.js';
import { applicationVersionSet, configGet, networkGet, unitGet } from './tools-config-unit.js';
import { isLeader, leaderGet, leaderSet } from './tools-leadership.js';
import { relationGet, relationIds, relationList, relationSet } from './tools-relation.js';
import {
  SECRET_TOOL_NAMES,
  secretAdd,
  secretGet,
  secretGrant,
  secretIds,
  secretInfoGet,
  secretRemove,
  secretRevoke,
  secretSet,
} from './tools-secrets.js';
import { jujuLog, statusGet, statusSet } from './tools-status-log.js';

export type { ToolInput } from './tool-args.js';
export { SECRET_TOOL_NAMES } from './tools-secrets.js';

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
  ...SECRET_TOOL_NAMES,
] as const;

/** One of {@link HOOK_TOOL_NAMES}. */
export type HookToolName = (typeof HOOK_TOOL_NAMES)[number];

/** What a tool process prints and returns. */
export interface ToolResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

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
  'secret-add': secretAdd,
  'secret-get': secretGet,
  'secret-set': secretSet,
  'secret-info-get': secretInfoGet,
  'secret-remove': secretRemove,
  'secret-ids': secretIds,
  'secret-grant': secretGrant,
  'secret-revoke': secretRevoke,
};

const HELP_TEXT: Partial<Record<HookToolName, string>> = {
  'relation-set':
    'Usage: relation-set [options] key=value [key=value ...]\n\nOptions:\n--app  (= false)\n    pick whether you are setting "application" settings or "unit" settings\n--file  (= )\n    file containing key-value pairs\n-r, --relation  (= )\n    specify a relation by id\n',
};

const VALUE_TOOLS: ReadonlySet<string> = new Set(['relation-set', 'leader-set', 'secret-add', 'secret-set']);
const VALUE_FLAGS: ReadonlySet<string> = new Set([
  '-r',
  '--relation',
  '--file',
  '--format',
  '--label',
  '--description',
  '--expire',
  '--rotate',
  '--owner',
]);

/**
 * Replaces the values of `key=value` arguments (relation-set, leader-set, secret-add, secret-set)
 * with `<redacted>`. A secret's `key#file=PATH` is kept: the path is not the secret, and it shows
 * that the content did not travel in argv.
 */
export function redactArgs(tool: string, args: readonly string[]): string[] {
  if (!VALUE_TOOLS.has(tool)) return [...args];
  let afterDashDash = false;
  return args.map((arg, i) => {
    if (arg === '--') {
      afterDashDash = true;
      return arg;
    }
    const previous = args[i - 1];
    const isFlagValue = !afterDashDash && previous !== undefined && VALUE_FLAGS.has(previous);
    if (!isFlagValue && (afterDashDash || !arg.startsWith('-')) && arg.includes('=')) {
      const key = arg.slice(0, arg.indexOf('='));
      if (tool.startsWith('secret-') && key.endsWith('#file')) return arg;
      return `${key}=<redacted>`;
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
