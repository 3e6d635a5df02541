// The secret tools (Juju 3): secret-add, secret-get, secret-set, secret-info-get, secret-remove,
// secret-ids, secret-grant, secret-revoke. Changes are buffered in the hook context as an op log
// and committed only when the hook exits 0; reads see the hook's own changes. Flags, output and
// errors follow Juju's hook-command reference (see the package README).
import {
  canManage,
  clockNow,
  isGrantedToUs,
  isOwnedByUs,
  newSecretId,
  parseSecretRef,
  secretUri,
  secretView,
} from './secret-store.js';
import type { FakeState, HookContextState, SecretOp, SecretState } from './state.js';
import {
  checkEmpty,
  type FlagSpec,
  FORMAT,
  formatOutput,
  parseArgs,
  RELATION,
  runtime,
  type ToolImpl,
  type ToolInput,
  truncate,
  usage,
  validateFormat,
  yaml,
} from './tool-args.js';

/** The secret tools, absent from PATH when the model simulates Juju 2.9. */
export const SECRET_TOOL_NAMES = [
  'secret-add',
  'secret-get',
  'secret-set',
  'secret-info-get',
  'secret-remove',
  'secret-ids',
  'secret-grant',
  'secret-revoke',
] as const;

/** Juju's rule for secret content keys. */
const KEY = /^[a-z](?:-?[a-z0-9]){2,}$/;
const ROTATE_MS: Record<string, number | undefined> = {
  never: undefined,
  hourly: 3_600_000,
  daily: 86_400_000,
  weekly: 7 * 86_400_000,
  monthly: 30 * 86_400_000,
  quarterly: 90 * 86_400_000,
  yearly: 365 * 86_400_000,
};
const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const LABEL: FlagSpec = { names: ['--label'], key: 'label', kind: 'string' };
const DESCRIPTION: FlagSpec = { names: ['--description'], key: 'description', kind: 'string' };
const EXPIRE: FlagSpec = { names: ['--expire'], key: 'expire', kind: 'string' };
const ROTATE: FlagSpec = { names: ['--rotate'], key: 'rotate', kind: 'string' };
const OWNER: FlagSpec = { names: ['--owner'], key: 'owner', kind: 'string' };
const FILE: FlagSpec = { names: ['--file'], key: 'file', kind: 'string' };
const UNIT: FlagSpec = { names: ['--unit'], key: 'unit', kind: 'string' };
const OUTPUT: FlagSpec = { names: ['-o', '--output'], key: 'output', kind: 'string' };

/** The read tools default to YAML, as in Juju. */
function output(flags: Map<string, string>, value: unknown): string {
  if (!flags.has('format')) flags.set('format', 'yaml');
  return formatOutput(flags, value);
}

function notFound(ref: string): never {
  throw runtime(`secret "${truncate(ref)}" not found`);
}

/** Go's time.ParseDuration, for the forms charms use (`24h`, `1h30m`, `90s`). */
function parseDuration(text: string): number | undefined {
  const parts = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/.test(text)
    ? [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)]
    : [];
  if (parts.length === 0) return undefined;
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * (DURATION_UNITS[unit!] ?? 0), 0);
}

/** `--expire`: a duration from now or a time (RFC 3339, or `2006-01-02T15:04:05` as UTC). */
function parseExpire(state: FakeState, text: string): string {
  const duration = parseDuration(text);
  if (duration !== undefined) return new Date(clockNow(state.clock) + duration).toISOString();
  const withZone = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?$/.test(text) ? `${text}Z` : text;
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/.test(withZone)) {
    throw usage(`invalid expire value "${truncate(text)}": expected a duration or an RFC 3339 time`);
  }
  const ms = Date.parse(withZone);
  if (Number.isNaN(ms)) throw usage(`invalid expire value "${truncate(text)}"`);
  return new Date(ms).toISOString();
}

function parseRotate(state: FakeState, policy: string): { rotation: string; rotatesAt: string | undefined } {
  if (!Object.hasOwn(ROTATE_MS, policy)) {
    throw usage(`invalid rotate policy "${truncate(policy)}"`);
  }
  const interval = ROTATE_MS[policy];
  return {
    rotation: policy,
    rotatesAt: interval === undefined ? undefined : new Date(clockNow(state.clock) + interval).toISOString(),
  };
}

function isBase64(text: string): boolean {
  return /^[A-Za-z0-9+/]*={0,2}$/.test(text) && text.length % 4 === 0;
}

/** Adds one `key[#base64|#file]` entry to content (values stored base64). */
function putContent(content: Record<string, string>, rawKey: string, value: string, input: ToolInput): void {
  const hash = rawKey.indexOf('#');
  const key = hash === -1 ? rawKey : rawKey.slice(0, hash);
  const suffix = hash === -1 ? '' : rawKey.slice(hash + 1);
  if (!KEY.test(key)) {
    throw usage(
      `invalid secret key "${truncate(key)}": keys are lower-case letters, digits and "-", at least 3`,
    );
  }
  if (Object.hasOwn(content, key)) throw usage(`key "${truncate(key)}" specified more than once`);
  if (suffix === '') content[key] = Buffer.from(value, 'utf8').toString('base64');
  else if (suffix === 'base64') {
    if (!isBase64(value)) throw usage(`value of key "${truncate(key)}" is not valid base64`);
    content[key] = value;
  } else if (suffix === 'file') {
    let text: string;
    try {
      text = input.readFile(value);
    } catch {
      throw runtime(`cannot read file for key "${truncate(key)}"`);
    }
    content[key] = Buffer.from(text, 'utf8').toString('base64');
  } else throw usage(`invalid key suffix "#${truncate(suffix)}" of key "${truncate(key)}"`);
}

/** Content from `key=value` arguments and an optional `--file` YAML map of the same forms. */
function parseContent(
  positional: readonly string[],
  flags: Map<string, string>,
  input: ToolInput,
): Record<string, string> | undefined {
  const content: Record<string, string> = {};
  const file = flags.get('file');
  if (file !== undefined) {
    let text: string;
    try {
      text = input.readFile(file);
    } catch {
      throw runtime(`cannot read secret file "${truncate(file)}"`);
    }
    const parsed: unknown = yaml().parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw runtime('cannot parse secret file: expected a YAML mapping');
    }
    for (const [key, value] of Object.entries(parsed)) putContent(content, key, String(value ?? ''), input);
  }
  for (const arg of positional) {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw usage(`expected "key=value", got "${truncate(arg.slice(0, Math.max(eq, 0)) || arg)}"`);
    putContent(content, arg.slice(0, eq), arg.slice(eq + 1), input);
  }
  return Object.keys(content).length === 0 ? undefined : content;
}

function pushOp(ctx: HookContextState, op: SecretOp): void {
  ctx.secretOps ??= [];
  ctx.secretOps.push(op);
}

/** Finds a secret by id (any URI form) or label, as the caller may see it. */
function resolve(
  state: FakeState,
  view: Record<string, SecretState>,
  ref: string | undefined,
  label: string | undefined,
): SecretState {
  if (ref !== undefined) {
    const id = parseSecretRef(ref);
    if (id === undefined) throw usage(`invalid secret URI "${truncate(ref)}"`);
    const secret = view[id];
    if (secret === undefined || !(isOwnedByUs(state, secret) || isGrantedToUs(state, secret))) notFound(ref);
    return secret;
  }
  if (label === undefined) throw usage('require either a secret URI or label');
  const owned = Object.values(view).find((s) => isOwnedByUs(state, s) && s.label === label);
  const consumed = Object.values(view).find(
    (s) => !isOwnedByUs(state, s) && s.consumerLabel === label && isGrantedToUs(state, s),
  );
  const secret = owned ?? consumed;
  if (secret === undefined) notFound(label);
  return secret;
}

function checkLabelFree(
  state: FakeState,
  view: Record<string, SecretState>,
  secret: SecretState,
  label: string,
): void {
  // Owner labels are unique per owner; consumer labels among the secrets we consume.
  const ours = isOwnedByUs(state, secret);
  const clash = Object.values(view).some(
    (s) =>
      s.id !== secret.id &&
      (ours
        ? s.ownerKind === secret.ownerKind && s.owner === secret.owner && s.label === label
        : !isOwnedByUs(state, s) && s.consumerLabel === label),
  );
  if (clash) throw runtime(`secret with label "${truncate(label)}" already exists`);
}

function requireManage(state: FakeState, secret: SecretState, ref: string): void {
  if (!isOwnedByUs(state, secret))
    throw runtime(
      `permission denied: secret "${truncate(ref)}" is not owned by this unit or its application`,
    );
  if (!canManage(state, secret)) throw runtime('this unit is not the leader');
}

export const secretAdd: ToolImpl = (state, ctx, args, input) => {
  const { flags, positional } = parseArgs(args, [LABEL, DESCRIPTION, EXPIRE, ROTATE, OWNER, FILE]);
  const ownerKind = flags.get('owner') ?? 'application';
  if (ownerKind !== 'application' && ownerKind !== 'unit') {
    throw usage(`invalid owner "${truncate(ownerKind)}": expected "application" or "unit"`);
  }
  const content = parseContent(positional, flags, input);
  if (content === undefined) throw usage('missing secret value');
  const expireAt = flags.has('expire') ? parseExpire(state, flags.get('expire')!) : undefined;
  const rotate = flags.has('rotate') ? parseRotate(state, flags.get('rotate')!) : undefined;
  if (ownerKind === 'application' && !state.leader) throw runtime('this unit is not the leader');
  const secret: SecretState = {
    id: newSecretId(),
    ownerKind,
    owner: ownerKind === 'unit' ? state.unit : state.unit.slice(0, state.unit.indexOf('/')),
    label: flags.get('label'),
    description: flags.get('description'),
    rotation: rotate?.rotation,
    rotatesAt: rotate?.rotatesAt,
    revisions: [{ revision: 1, content, expireAt }],
    latestRevision: 1,
    grants: [],
  };
  const label = flags.get('label');
  if (label !== undefined) checkLabelFree(state, secretView(state, ctx), secret, label);
  pushOp(ctx, { kind: 'add', secret });
  return `${secretUri(state, secret.id)}\n`;
};

export const secretGet: ToolImpl = (state, ctx, args) => {
  const { flags, positional } = parseArgs(args, [
    FORMAT,
    LABEL,
    OUTPUT,
    { names: ['--peek'], key: 'peek', kind: 'bool' },
    { names: ['--refresh'], key: 'refresh', kind: 'bool' },
  ]);
  validateFormat(flags);
  checkEmpty(positional.slice(2));
  const [ref, rawKey] = positional;
  const label = flags.get('label');
  const view = secretView(state, ctx);
  const secret = resolve(state, view, ref, ref === undefined ? label : undefined);
  const owned = isOwnedByUs(state, secret);
  const latest = secret.revisions.at(-1);
  if (latest === undefined) notFound(ref ?? label ?? '');
  let revision = latest;
  if (!owned) {
    const peek = flags.get('peek') === 'true';
    const refresh = flags.get('refresh') === 'true';
    const tracked = secret.revisions.find((r) => r.revision === secret.trackedRevision);
    if (!peek && !refresh && tracked !== undefined) revision = tracked;
    const track = !peek && (refresh || tracked === undefined) ? latest.revision : undefined;
    const consumerLabel = ref !== undefined && label !== undefined ? label : undefined;
    if (consumerLabel !== undefined) checkLabelFree(state, view, secret, consumerLabel);
    if (track !== undefined || consumerLabel !== undefined) {
      pushOp(ctx, { kind: 'track', id: secret.id, revision: track, consumerLabel });
    }
  } else if (ref !== undefined && label !== undefined && label !== secret.label && canManage(state, secret)) {
    // An owner naming its secret by id and label sets the label; a unit that cannot manage the
    // secret (a follower, for an application secret) just reads it.
    checkLabelFree(state, view, secret, label);
    pushOp(ctx, { kind: 'set', id: secret.id, label });
  }
  const decoded: Record<string, string> = {};
  for (const [key, value] of Object.entries(revision.content)) {
    decoded[key] = Buffer.from(value, 'base64').toString('utf8');
  }
  if (rawKey === undefined) return output(flags, decoded);
  const hash = rawKey.indexOf('#');
  const key = hash === -1 ? rawKey : rawKey.slice(0, hash);
  if (hash !== -1 && rawKey.slice(hash + 1) !== 'base64') throw usage(`invalid key "${truncate(rawKey)}"`);
  if (!Object.hasOwn(revision.content, key)) throw runtime(`secret key "${truncate(key)}" not found`);
  return output(flags, hash === -1 ? decoded[key] : revision.content[key]);
};

export const secretSet: ToolImpl = (state, ctx, args, input) => {
  const { flags, positional } = parseArgs(args, [LABEL, DESCRIPTION, EXPIRE, ROTATE, OWNER, FILE]);
  const [ref, ...rest] = positional;
  if (ref === undefined) throw usage('missing secret URI');
  const content = parseContent(rest, flags, input);
  const view = secretView(state, ctx);
  const secret = resolve(state, view, ref, undefined);
  requireManage(state, secret, ref);
  const label = flags.get('label');
  if (label !== undefined) checkLabelFree(state, view, secret, label);
  const rotate = flags.has('rotate') ? parseRotate(state, flags.get('rotate')!) : undefined;
  pushOp(ctx, {
    kind: 'set',
    id: secret.id,
    content,
    label,
    description: flags.get('description'),
    expireAt: flags.has('expire') ? parseExpire(state, flags.get('expire')!) : undefined,
    rotation: rotate?.rotation,
    rotatesAt: rotate?.rotatesAt,
  });
  return '';
};

export const secretInfoGet: ToolImpl = (state, ctx, args) => {
  const { flags, positional } = parseArgs(args, [FORMAT, LABEL, OUTPUT]);
  validateFormat(flags);
  checkEmpty(positional.slice(1));
  const ref = positional[0];
  const label = flags.get('label');
  if (ref !== undefined && label !== undefined)
    throw usage('specify either a secret URI or label but not both');
  const view = secretView(state, ctx);
  const secret = resolve(state, view, ref, label);
  if (!isOwnedByUs(state, secret)) notFound(ref ?? label ?? '');
  const latest = secret.revisions.at(-1);
  const info: Record<string, unknown> = {
    revision: latest?.revision ?? secret.latestRevision,
    owner: secret.ownerKind,
  };
  if (secret.label !== undefined) info.label = secret.label;
  if (secret.description !== undefined) info.description = secret.description;
  if (latest?.expireAt !== undefined) info.expiry = latest.expireAt;
  if (secret.rotation !== undefined) info.rotation = secret.rotation;
  if (secret.rotatesAt !== undefined) info.rotates = secret.rotatesAt;
  return output(flags, { [secret.id]: info });
};

export const secretRemove: ToolImpl = (state, ctx, args) => {
  const { flags, positional } = parseArgs(args, [{ names: ['--revision'], key: 'revision', kind: 'string' }]);
  checkEmpty(positional.slice(1));
  const ref = positional[0];
  if (ref === undefined) throw usage('missing secret URI');
  let revision: number | undefined;
  if (flags.has('revision')) {
    const text = flags.get('revision')!;
    if (!/^[1-9][0-9]*$/.test(text)) throw usage(`invalid revision "${truncate(text)}"`);
    revision = Number(text);
  }
  const secret = resolve(state, secretView(state, ctx), ref, undefined);
  requireManage(state, secret, ref);
  if (revision !== undefined && !secret.revisions.some((r) => r.revision === revision)) {
    throw runtime(`secret revision ${revision} of "${truncate(ref)}" not found`);
  }
  pushOp(ctx, { kind: 'remove', id: secret.id, revision });
  return '';
};

export const secretIds: ToolImpl = (state, ctx, args) => {
  const { flags, positional } = parseArgs(args, [FORMAT]);
  validateFormat(flags);
  checkEmpty(positional);
  const ids = Object.values(secretView(state, ctx))
    .filter((s) => isOwnedByUs(state, s))
    .map((s) => secretUri(state, s.id))
    .sort();
  return output(flags, ids);
};

/** `-r` for the secret tools: the relation must exist and be alive. */
function grantRelation(
  state: FakeState,
  ctx: HookContextState,
  flags: Map<string, string>,
): string | undefined {
  const selector = flags.get('relation') ?? ctx.relationId;
  if (selector === undefined) return undefined;
  const match = /^(?:([^:]+):)?(\d+)$/.exec(selector);
  const id = match === null ? undefined : Number(match[2]);
  const entry = Object.entries(state.relations).find(([, r]) => r.id === id && !r.dead);
  if (entry === undefined || (match?.[1] !== undefined && match[1] !== entry[1].endpoint)) {
    throw usage(`invalid value "${truncate(selector)}" for option -r: relation not found`);
  }
  return entry[0];
}

export const secretGrant: ToolImpl = (state, ctx, args) => {
  const { flags, positional } = parseArgs(args, [RELATION, UNIT]);
  checkEmpty(positional.slice(1));
  const ref = positional[0];
  if (ref === undefined) throw usage('missing secret URI');
  const relationId = grantRelation(state, ctx, flags);
  if (relationId === undefined) throw usage('missing relation');
  const unit = flags.get('unit');
  const rel = state.relations[relationId]!;
  if (unit !== undefined && !Object.hasOwn(rel.remoteUnits, unit)) {
    throw usage(`unit "${truncate(unit)}" is not in relation "${relationId}"`);
  }
  const secret = resolve(state, secretView(state, ctx), ref, undefined);
  requireManage(state, secret, ref);
  pushOp(ctx, {
    kind: 'grant',
    id: secret.id,
    grant: unit === undefined ? { relationId } : { relationId, unit },
  });
  return '';
};

export const secretRevoke: ToolImpl = (state, ctx, args) => {
  const { flags, positional } = parseArgs(args, [
    RELATION,
    UNIT,
    { names: ['--app', '--application'], key: 'app', kind: 'string' },
  ]);
  checkEmpty(positional.slice(1));
  const ref = positional[0];
  if (ref === undefined) throw usage('missing secret URI');
  const app = flags.get('app');
  const unit = flags.get('unit');
  const relationId =
    flags.has('relation') || (app === undefined && unit === undefined)
      ? grantRelation(state, ctx, flags)
      : undefined;
  if (relationId === undefined && app === undefined && unit === undefined) {
    throw usage('missing relation or application or unit');
  }
  const secret = resolve(state, secretView(state, ctx), ref, undefined);
  requireManage(state, secret, ref);
  const relationIds =
    relationId !== undefined
      ? [relationId]
      : app !== undefined
        ? Object.entries(state.relations)
            .filter(([, r]) => r.remoteApp === app)
            .map(([key]) => key)
        : undefined;
  pushOp(ctx, { kind: 'revoke', id: secret.id, relationIds, unit });
  return '';
};
