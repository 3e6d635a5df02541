// What the v4 requirer records about dialects, renewal and provider request errors
// (`LayerState.relations`, `.v4`, `.renewalTrigger`), read for `tls-client status`. A state written
// before v4 support has none of these fields, and relation data shaped them in part (the provider's
// error text), so every field is checked before use: the CLI must answer whatever it finds.
import type { LayerState, RelationDialect } from '../state.js';

export type { RelationDialect } from '../state.js';

/** One relation of the endpoint and its dialect. */
export interface RelationDialectStatus {
  relationId: string;
  /** `legacy` or `v4` once settled (until relation-broken); `unknown` while `auto` publishes both. */
  dialect: RelationDialect;
}

/** A provider's `request_errors` entry for one of our CSRs (protocol-v4 §7.1). */
export interface RequestErrorStatus {
  /** The provider's code: 101 `IP_NOT_ALLOWED`, 102, 103, 201 `SERVER_NOT_AVAILABLE`, 999 `OTHER`. */
  code: number;
  name: string;
  /** The provider's message (text from another charm: shown, never trusted). */
  message: string;
  /** Whether the layer retries on later hooks (201 only); the others wait until the request changes. */
  retryable: boolean;
}

/** Renewal facts of one certificate. */
export interface RenewalStatus {
  /** ISO time the layer renews the certificate with a new CSR; `null` when it does not (legacy). */
  renewAt: string | null;
  /** A renewal (or a revocation's re-request) was sent and its certificate has not arrived yet. */
  renewalPending: boolean;
  /** A new key was made (`rotateKey`); the files switch when its certificate arrives. */
  keyRotationPending: boolean;
  requestErrors: RequestErrorStatus[];
}

/**
 * How renewals are triggered on this unit: `secret-expiry` (a secret per certificate expires at its
 * renewal time and its `secret-expired` hook renews) or `hook-check` (the model has no secret tools,
 * e.g. Juju 2.9: every hook compares the renewal time).
 */
export type RenewalTrigger = 'secret-expiry' | 'hook-check';

const RETRYABLE_CODE = 201;
const DIALECTS: ReadonlySet<string> = new Set(['legacy', 'v4', 'unknown']);

type Loose = Record<string, unknown>;

function asObject(value: unknown): Loose | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Loose) : undefined;
}

function isoOrNull(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 40 || Number.isNaN(Date.parse(value))) return null;
  return new Date(value).toISOString();
}

/**
 * The dialect of each relation: from `state.relations[id].dialect`; a relation id the state lists
 * without a record is `unknown`, or `legacy` in a state written before v4 support (no `relations`
 * at all: that layer spoke only legacy). Sorted by relation number.
 */
export function readDialects(state: LayerState | undefined): RelationDialectStatus[] {
  const byId = new Map<string, RelationDialect>();
  const relations = asObject(state?.relations);
  for (const [id, record] of Object.entries(relations ?? {})) {
    const dialect = asObject(record)?.dialect;
    byId.set(
      id,
      typeof dialect === 'string' && DIALECTS.has(dialect) ? (dialect as RelationDialect) : 'unknown',
    );
  }
  const unrecorded: RelationDialect = relations === undefined ? 'legacy' : 'unknown';
  for (const id of state?.relationIds ?? []) if (!byId.has(id)) byId.set(id, unrecorded);
  return [...byId]
    .map(([relationId, dialect]) => ({ relationId, dialect }))
    .sort((a, b) => a.relationId.localeCompare(b.relationId, 'en', { numeric: true }));
}

/** `state.renewalTrigger`, or `null` when the state has none (no v4 certificate accepted yet). */
export function readRenewalTrigger(state: LayerState | undefined): RenewalTrigger | null {
  const trigger: unknown = state?.renewalTrigger;
  return trigger === 'secret-expiry' || trigger === 'hook-check' ? trigger : null;
}

function requestErrorOf(value: unknown): RequestErrorStatus | undefined {
  const entry = asObject(value);
  if (entry === undefined || typeof entry.code !== 'number' || !Number.isInteger(entry.code))
    return undefined;
  const name = typeof entry.name === 'string' ? entry.name.slice(0, 64) : 'OTHER';
  const message = typeof entry.message === 'string' ? entry.message.slice(0, 500) : '';
  return { code: entry.code, name, message, retryable: entry.code === RETRYABLE_CODE };
}

/** The renewal facts of the certificate `id` (`server/10.0.0.5`), from `state.v4[id]`. */
export function readRenewal(state: LayerState | undefined, id: string): RenewalStatus {
  const record = asObject(asObject(state?.v4)?.[id]);
  const errors = Array.isArray(record?.requestErrors) ? record.requestErrors : [];
  return {
    renewAt: isoOrNull(record?.renewAt),
    renewalPending: record?.renewalPending === true,
    keyRotationPending: record?.keyRotationPending === true,
    requestErrors: errors.map(requestErrorOf).filter((e): e is RequestErrorStatus => e !== undefined),
  };
}
