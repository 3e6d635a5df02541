// What a test does with the fake's secrets: seed one (ours, or a remote application's shared with
// us), publish a new revision as the remote owner would, and read them back decoded.
import { TestingError } from './errors.js';
import { clockNow, isOwnedByUs, newSecretId, parseSecretRef, secretUri } from './secret-store.js';
import type { FakeState, SecretGrantState, SecretState } from './state.js';

/** A secret as a test sees it, values decoded. */
export interface FakeSecret {
  /** The bare id. */
  id: string;
  /** The URI the tools print, as in `JUJU_SECRET_ID`. */
  uri: string;
  ownerKind: 'application' | 'unit';
  /** The owning application or unit. */
  owner: string;
  /** Whether our unit or our application owns it. */
  ownedByUs: boolean;
  label: string | undefined;
  description: string | undefined;
  rotation: string | undefined;
  /** Our label for a secret we consume, and the revision we track (set by `secret-get`). */
  consumerLabel: string | undefined;
  trackedRevision: number | undefined;
  latestRevision: number;
  revisions: { revision: number; content: Record<string, string>; expireAt: Date | undefined }[];
  grants: SecretGrantState[];
}

/** Options of {@link FakeModel.addSecret}. */
export interface AddSecretOptions {
  /**
   * The owner: our application or unit name (a secret we own), or another application's name (a
   * secret shared with us; grant it to see it in hooks). Default: our application.
   */
  owner?: string | undefined;
  content: Record<string, string>;
  label?: string | undefined;
  /** For a remote secret: the label our unit already gave it. */
  consumerLabel?: string | undefined;
  description?: string | undefined;
  /** Expiry of the first revision: a Date, or ms from the fake now. */
  expire?: Date | number | undefined;
  /** For a remote secret: the relation it is granted over (and optionally to our unit only). */
  grant?: SecretGrantState | undefined;
}

function encode(content: Record<string, string>): Record<string, string> {
  if (content === null || typeof content !== 'object' || Object.keys(content).length === 0) {
    throw new TypeError('secret content must be a non-empty object of strings');
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(content)) {
    if (!/^[a-z](?:-?[a-z0-9]){2,}$/.test(key))
      throw new TypeError(`invalid secret key ${JSON.stringify(key)}`);
    if (typeof value !== 'string') throw new TypeError(`secret value of "${key}" must be a string`);
    out[key] = Buffer.from(value, 'utf8').toString('base64');
  }
  return out;
}

function expireAt(state: FakeState, expire: Date | number | undefined): string | undefined {
  if (expire === undefined) return undefined;
  return (typeof expire === 'number' ? new Date(clockNow(state.clock) + expire) : expire).toISOString();
}

/** The secret named by an id or URI, or `ERR_TESTING_UNKNOWN_SECRET`. */
export function secretOf(state: FakeState, ref: string): SecretState {
  const id = parseSecretRef(ref);
  const secret = id === undefined ? undefined : state.secrets[id];
  if (secret === undefined) {
    throw new TestingError('ERR_TESTING_UNKNOWN_SECRET', `secret ${JSON.stringify(ref)} does not exist`);
  }
  return secret;
}

/** Seeds a committed secret; returns its URI. */
export function addSecret(state: FakeState, options: AddSecretOptions): string {
  const app = state.unit.slice(0, state.unit.indexOf('/'));
  const owner = options.owner ?? app;
  const ownerKind = owner.includes('/') ? 'unit' : 'application';
  if (ownerKind === 'unit' && owner !== state.unit) {
    throw new TypeError(
      `a unit-owned secret must belong to our unit ${state.unit}, got ${JSON.stringify(owner)}`,
    );
  }
  const secret: SecretState = {
    id: newSecretId(),
    ownerKind,
    owner,
    label: options.label,
    description: options.description,
    revisions: [{ revision: 1, content: encode(options.content), expireAt: expireAt(state, options.expire) }],
    latestRevision: 1,
    grants: options.grant === undefined ? [] : [{ ...options.grant }],
    consumerLabel: options.consumerLabel,
  };
  state.secrets[secret.id] = secret;
  return secretUri(state, secret.id);
}

/** Publishes a new revision (as the owner would, outside our hooks); returns its number. */
export function setSecretContent(
  state: FakeState,
  ref: string,
  content: Record<string, string>,
  options: { expire?: Date | number | undefined } = {},
): number {
  const secret = secretOf(state, ref);
  secret.latestRevision += 1;
  secret.revisions.push({
    revision: secret.latestRevision,
    content: encode(content),
    expireAt: expireAt(state, options.expire),
  });
  return secret.latestRevision;
}

/** A decoded copy of one secret. */
export function describeSecret(state: FakeState, secret: SecretState): FakeSecret {
  return {
    id: secret.id,
    uri: secretUri(state, secret.id),
    ownerKind: secret.ownerKind,
    owner: secret.owner,
    ownedByUs: isOwnedByUs(state, secret),
    label: secret.label,
    description: secret.description,
    rotation: secret.rotation,
    consumerLabel: secret.consumerLabel,
    trackedRevision: secret.trackedRevision,
    latestRevision: secret.latestRevision,
    revisions: secret.revisions.map((r) => ({
      revision: r.revision,
      content: Object.fromEntries(
        Object.entries(r.content).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
      ),
      expireAt: r.expireAt === undefined ? undefined : new Date(r.expireAt),
    })),
    grants: secret.grants.map((g) => ({ ...g })),
  };
}
