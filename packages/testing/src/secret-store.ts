// The fake's secrets as data: ids and URIs, who owns and who may read a secret, the buffered
// changes of a hook (an op log applied on exit 0, dropped otherwise), and the fake clock. Shared by
// the secret tools (in a tool process) and FakeModel (in the test process). No I/O.
import { randomBytes } from 'node:crypto';
import type { ClockState, FakeState, HookContextState, SecretOp, SecretState } from './state.js';

/** Juju's xid alphabet: base32hex, lower case. */
const XID_ALPHABET = '0123456789abcdefghijklmnopqrstuv';
const BARE_ID = /^[0-9a-v]{20}$/;
const SHORT_URI = /^secret:([0-9a-v]{20})$/;
const LONG_URI = /^secret:\/\/([0-9a-f-]{36})\/([0-9a-v]{20})$/;

/** A fresh secret id: 20 base32hex characters, like the xid Juju uses. */
export function newSecretId(): string {
  const bytes = randomBytes(20);
  let id = '';
  for (const byte of bytes) id += XID_ALPHABET[byte % 32];
  return id;
}

/** The bare id of `secret:<id>`, `secret://<model-uuid>/<id>` or `<id>`, or undefined. */
export function parseSecretRef(ref: string): string | undefined {
  if (BARE_ID.test(ref)) return ref;
  const short = SHORT_URI.exec(ref);
  if (short !== null) return short[1];
  const long = LONG_URI.exec(ref);
  return long === null ? undefined : long[2];
}

/** Whether Juju of this version prints `secret://<model-uuid>/<id>` (3.1 and later). */
export function usesLongUris(jujuVersion: string): boolean {
  const [major = 0, minor = 0] = jujuVersion.split('.').map((part) => Number.parseInt(part, 10));
  return major > 3 || (major === 3 && minor >= 1);
}

/** The URI the tools print and put in `JUJU_SECRET_ID` for this model's Juju version. */
export function secretUri(state: Pick<FakeState, 'jujuVersion' | 'model'>, id: string): string {
  return usesLongUris(state.jujuVersion) ? `secret://${state.model.uuid}/${id}` : `secret:${id}`;
}

/** The fake's now, in ms since the epoch. */
export function clockNow(clock: ClockState): number {
  return clock.fixedMs ?? Date.now() + clock.offsetMs;
}

function appOfUnit(unit: string): string {
  const slash = unit.indexOf('/');
  return slash === -1 ? unit : unit.slice(0, slash);
}

/** Whether our unit owns the secret: it is owned by our unit or by our application. */
export function isOwnedByUs(state: Pick<FakeState, 'unit'>, secret: SecretState): boolean {
  return secret.ownerKind === 'unit' ? secret.owner === state.unit : secret.owner === appOfUnit(state.unit);
}

/** Whether our unit may manage the secret (set, remove, grant): its unit, or our app's leader. */
export function canManage(state: Pick<FakeState, 'unit' | 'leader'>, secret: SecretState): boolean {
  if (!isOwnedByUs(state, secret)) return false;
  return secret.ownerKind === 'unit' || state.leader;
}

/** Whether a remote secret is granted to our unit over a live relation. */
export function isGrantedToUs(state: FakeState, secret: SecretState): boolean {
  return secret.grants.some((grant) => {
    const rel = state.relations[grant.relationId];
    return (
      rel !== undefined &&
      !rel.dead &&
      rel.remoteApp === secret.owner &&
      (grant.unit === undefined || grant.unit === state.unit)
    );
  });
}

/** Applies one buffered change to a map of secrets (in place). Unknown ids are skipped. */
export function applySecretOp(secrets: Record<string, SecretState>, op: SecretOp): void {
  if (op.kind === 'add') {
    secrets[op.secret.id] = structuredClone(op.secret);
    return;
  }
  const secret = secrets[op.id];
  if (secret === undefined) return;
  switch (op.kind) {
    case 'set': {
      if (op.content !== undefined) {
        secret.latestRevision += 1;
        secret.revisions.push({ revision: secret.latestRevision, content: { ...op.content } });
      }
      const latest = secret.revisions.at(-1);
      if (op.expireAt !== undefined && latest !== undefined) latest.expireAt = op.expireAt;
      if (op.label !== undefined) secret.label = op.label;
      if (op.description !== undefined) secret.description = op.description;
      if (op.rotation !== undefined) {
        secret.rotation = op.rotation;
        secret.rotatesAt = op.rotatesAt;
      }
      return;
    }
    case 'remove':
      secret.revisions =
        op.revision === undefined ? [] : secret.revisions.filter((r) => r.revision !== op.revision);
      if (secret.revisions.length === 0) delete secrets[op.id];
      return;
    case 'grant':
      if (!secret.grants.some((g) => g.relationId === op.grant.relationId && g.unit === op.grant.unit)) {
        secret.grants.push({ ...op.grant });
      }
      return;
    case 'revoke':
      secret.grants = secret.grants.filter(
        (g) =>
          !(
            (op.relationIds === undefined || op.relationIds.includes(g.relationId)) &&
            (op.unit === undefined || g.unit === op.unit)
          ),
      );
      return;
    case 'track':
      if (op.revision !== undefined) secret.trackedRevision = op.revision;
      if (op.consumerLabel !== undefined) secret.consumerLabel = op.consumerLabel;
      return;
  }
}

/** The secrets as this hook sees them: committed, plus the hook's own buffered changes. */
export function secretView(state: FakeState, ctx: HookContextState): Record<string, SecretState> {
  const ops = ctx.secretOps ?? [];
  if (ops.length === 0) return state.secrets;
  const view = structuredClone(state.secrets);
  for (const op of ops) applySecretOp(view, op);
  return view;
}

/** Applies a finished hook's secret changes to the committed state. */
export function commitSecretOps(state: FakeState, ops: readonly SecretOp[]): boolean {
  for (const op of ops) applySecretOp(state.secrets, op);
  return ops.length > 0;
}

/** One revision of a secret we own whose expiry has passed on the fake clock. */
export interface ExpiredSecret {
  /** The URI, as in `JUJU_SECRET_ID`. */
  uri: string;
  id: string;
  label: string | undefined;
  revision: number;
  expireAt: string;
}

/** Every revision of a secret we own whose `--expire` time is at or before the fake now. */
export function expiredSecrets(state: FakeState): ExpiredSecret[] {
  const now = clockNow(state.clock);
  const out: ExpiredSecret[] = [];
  for (const secret of Object.values(state.secrets)) {
    if (!isOwnedByUs(state, secret)) continue;
    for (const revision of secret.revisions) {
      if (revision.expireAt !== undefined && Date.parse(revision.expireAt) <= now) {
        out.push({
          uri: secretUri(state, secret.id),
          id: secret.id,
          label: secret.label,
          revision: revision.revision,
          expireAt: revision.expireAt,
        });
      }
    }
  }
  return out.sort((a, b) => a.expireAt.localeCompare(b.expireAt) || a.revision - b.revision);
}
