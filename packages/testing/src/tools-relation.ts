// The relation tools: relation-ids, relation-list, relation-get, relation-set (unit and app databags).
import type { DatabagRecord } from './state.js';
import {
  APP,
  appOf,
  checkEmpty,
  FORMAT,
  formatOutput,
  isLeaderNow,
  overlay,
  parseArgs,
  parseKeyValues,
  pendingFor,
  RELATION,
  relationKey,
  resolveRelation,
  runtime,
  type ToolImpl,
  truncate,
  usage,
  validateFormat,
  yaml,
} from './tool-args.js';

export const relationIds: ToolImpl = (state, ctx, args) => {
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

export const relationList: ToolImpl = (state, ctx, args) => {
  const { flags, positional } = parseArgs(args, [FORMAT, RELATION, APP]);
  validateFormat(flags);
  checkEmpty(positional);
  const rel = resolveRelation(state, ctx, flags);
  if (flags.get('app') === 'true') return formatOutput(flags, rel.remoteApp);
  return formatOutput(flags, rel.dead ? [] : Object.keys(rel.remoteUnits).sort());
};

export const relationGet: ToolImpl = (state, ctx, args) => {
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

export const relationSet: ToolImpl = (state, ctx, args, input) => {
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
