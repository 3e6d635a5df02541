// Opening a hook context: which relation, remote unit and secret a hook concerns, and the
// `JUJU_*` variables that say so. Pure functions of the state; FakeModel does the locking.
import { TestingError } from './errors.js';
import { expiredSecrets, isOwnedByUs, parseSecretRef, secretUri } from './secret-store.js';
import type { FakeState, HookContextState, RelationState } from './state.js';

const RELATION_HOOK = /^(.+)-relation-(created|joined|changed|departed|broken)$/;
const SECRET_HOOK = /^secret-(changed|expired|remove|rotate)$/;

/** What a hook is about, besides its name. */
export interface HookSubject {
  relationId?: string | undefined;
  remoteUnit?: string | undefined;
  departingUnit?: string | undefined;
  secretId?: string | undefined;
  secretLabel?: string | undefined;
  secretRevision?: number | undefined;
}

function relationOf(state: FakeState, relationId: string): RelationState {
  const rel = state.relations[relationId];
  if (rel === undefined) {
    throw new TestingError('ERR_TESTING_UNKNOWN_RELATION', `relation "${relationId}" does not exist`, {
      relationId,
    });
  }
  return rel;
}

/**
 * Creates the context of `hook` in `state` and returns the hook-specific variables
 * (`JUJU_RELATION*`, `JUJU_REMOTE_*`, `JUJU_DEPARTING_UNIT`, `JUJU_SECRET_*`).
 * @throws {TypeError} for a relation hook with no relation, or a secret hook without a known secret.
 */
export function openHookContext(
  state: FakeState,
  hook: string,
  contextId: string,
  subject: HookSubject,
): Record<string, string> {
  const ctx: HookContextState = { hook, active: true, pending: {}, secretOps: [] };
  const env: Record<string, string> = {};
  const relationHook = RELATION_HOOK.exec(hook);
  if (relationHook !== null) {
    const endpoint = relationHook[1]!;
    const kind = relationHook[2]!;
    const relationId =
      subject.relationId ??
      Object.keys(state.relations)
        .filter(
          (key) =>
            state.relations[key]!.endpoint === endpoint && (kind === 'broken' || !state.relations[key]!.dead),
        )
        .sort()[0];
    if (relationId === undefined)
      throw new TypeError(`no relation on endpoint "${endpoint}" for hook ${hook}`);
    const rel = relationOf(state, relationId);
    if (rel.endpoint !== endpoint) {
      throw new TypeError(`relation "${relationId}" is not on endpoint "${endpoint}" of hook ${hook}`);
    }
    let remoteUnit = subject.remoteUnit;
    if (remoteUnit === undefined) {
      if (kind === 'created' || kind === 'broken') remoteUnit = '';
      // The unit that departed last (removeRemoteUnit keeps departure order).
      else if (kind === 'departed') remoteUnit = Object.keys(rel.departedUnits).at(-1) ?? '';
      else remoteUnit = Object.keys(rel.remoteUnits).sort()[0] ?? '';
    }
    ctx.relationId = relationId;
    ctx.remoteApp = rel.remoteApp;
    if (remoteUnit !== '') ctx.remoteUnit = remoteUnit;
    env.JUJU_RELATION = rel.endpoint;
    env.JUJU_RELATION_ID = relationId;
    env.JUJU_REMOTE_UNIT = remoteUnit;
    env.JUJU_REMOTE_APP = rel.remoteApp;
    if (kind === 'departed') {
      const departing = subject.departingUnit ?? remoteUnit;
      ctx.departingUnit = departing;
      env.JUJU_DEPARTING_UNIT = departing;
    }
  }
  const secretHook = SECRET_HOOK.exec(hook);
  if (secretHook !== null) Object.assign(env, secretEnv(state, hook, secretHook[1]!, subject));
  state.contexts[contextId] = ctx;
  return env;
}

/** `JUJU_SECRET_ID`, `JUJU_SECRET_LABEL` and (for expired, remove and rotate) `JUJU_SECRET_REVISION`. */
function secretEnv(
  state: FakeState,
  hook: string,
  kind: string,
  subject: HookSubject,
): Record<string, string> {
  if (subject.secretId === undefined) throw new TypeError(`hook ${hook} needs options.secretId`);
  const id = parseSecretRef(subject.secretId);
  const secret = id === undefined ? undefined : state.secrets[id];
  if (id === undefined || secret === undefined) {
    throw new TestingError(
      'ERR_TESTING_UNKNOWN_SECRET',
      `secret ${JSON.stringify(subject.secretId)} does not exist`,
    );
  }
  const owned = isOwnedByUs(state, secret);
  const env: Record<string, string> = {
    JUJU_SECRET_ID: secretUri(state, id),
    JUJU_SECRET_LABEL: subject.secretLabel ?? (owned ? secret.label : secret.consumerLabel) ?? '',
  };
  if (kind !== 'changed') {
    // Default: the revision that expired first, else the latest.
    const revision =
      subject.secretRevision ??
      (kind === 'expired' ? expiredSecrets(state).find((e) => e.id === id)?.revision : undefined) ??
      secret.latestRevision;
    env.JUJU_SECRET_REVISION = String(revision);
  }
  return env;
}
