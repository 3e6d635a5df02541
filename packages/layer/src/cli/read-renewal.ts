// What the v4 requirer records about dialects, renewal and provider request errors, read from the
// committed layer state for `tls-client status`. Every field is read defensively: a state written
// by an older layer (legacy only) has none of them, and the CLI must still answer.
import type { LayerState, Problem } from '../state.js';

/** The dialect a relation speaks: settled by the provider's first answer (`unsettled` before). */
export type RelationDialect = 'legacy' | 'v4' | 'unsettled';

/** One relation of the endpoint and its dialect. */
export interface RelationDialectStatus {
  relationId: string;
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
  /** ISO time the layer renews the certificate on disk (a new CSR); `null` when it does not (legacy). */
  renewAt: string | null;
  /** A renewal (or a key rotation) was requested and its certificate has not arrived yet. */
  renewalPending: boolean;
  requestErrors: RequestErrorStatus[];
}

/** How renewals are triggered on this unit: a secret's expiry, or the check every hook makes. */
export type RenewalTrigger = 'secret-expired' | 'update-status';

const DIALECTS: ReadonlySet<string> = new Set(['legacy', 'v4']);
const RETRYABLE_CODE = 201;

type Loose = Record<string, unknown>;

function asObject(value: unknown): Loose | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Loose) : undefined;
}

function isoOrNull(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 40) return null;
  return Number.isNaN(Date.parse(value)) ? null : new Date(value).toISOString();
}

function dialectOf(value: unknown): RelationDialect {
  const name = typeof value === 'string' ? value : asObject(value)?.dialect;
  return typeof name === 'string' && DIALECTS.has(name) ? (name as RelationDialect) : 'unsettled';
}

/**
 * The dialect of each relation of the endpoint, from `state.dialects` (relation id → dialect, or
 * → `{ dialect }`) or `state.relations` (the same, or a list of `{ relationId, dialect }`). A
 * relation the state lists without a settled dialect is `unsettled`.
 */
export function readDialects(state: LayerState | undefined): RelationDialectStatus[] {
  const loose = asObject(state);
  if (loose === undefined) return [];
  const byId = new Map<string, RelationDialect>();
  for (const source of [loose.relations, loose.dialects]) {
    if (Array.isArray(source)) {
      for (const entry of source) {
        const id = asObject(entry)?.relationId;
        if (typeof id === 'string') byId.set(id, dialectOf(entry));
      }
    } else {
      for (const [id, entry] of Object.entries(asObject(source) ?? {})) byId.set(id, dialectOf(entry));
    }
  }
  for (const id of state?.relationIds ?? []) if (!byId.has(id)) byId.set(id, 'unsettled');
  return [...byId].map(([relationId, dialect]) => ({ relationId, dialect })).sort(byRelation);
}

function byRelation(a: RelationDialectStatus, b: RelationDialectStatus): number {
  return a.relationId.localeCompare(b.relationId, 'en', { numeric: true });
}

/**
 * How renewals are triggered: `update-status` when the state says this model has no secrets
 * (Juju 2.9: `secretsSupported: false`, or `renewal.trigger`), else `secret-expired`. `null`
 * when the state says nothing (a legacy-only layer, which never renews by itself).
 */
export function readRenewalTrigger(state: LayerState | undefined): RenewalTrigger | null {
  const loose = asObject(state);
  if (loose === undefined) return null;
  const trigger = asObject(loose.renewal)?.trigger ?? loose.renewalTrigger;
  if (trigger === 'secret-expired' || trigger === 'update-status') return trigger;
  const supported = loose.secretsSupported ?? asObject(loose.secrets)?.supported;
  if (typeof supported === 'boolean') return supported ? 'secret-expired' : 'update-status';
  return null;
}

function requestErrorOf(value: unknown): RequestErrorStatus | undefined {
  const entry = asObject(value);
  // A Problem made from a request error may nest the provider's fields.
  const error =
    asObject(entry?.error) ?? asObject(entry?.requestError) ?? asObject(entry?.providerError) ?? entry;
  if (error === undefined) return undefined;
  const code = typeof error.code === 'number' ? error.code : Number(error.providerCode);
  if (!Number.isInteger(code)) return undefined;
  const name = typeof error.name === 'string' ? error.name : String(error.providerName ?? 'OTHER');
  const message = typeof error.message === 'string' ? error.message : '';
  return {
    code,
    name: name.slice(0, 64),
    message: message.slice(0, 500),
    retryable: code === RETRYABLE_CODE,
  };
}

/** Whether a problem is the layer's record of a provider `request_errors` entry. */
export function isRequestErrorProblem(p: Problem): boolean {
  const loose = p as unknown as Loose;
  return (
    asObject(loose.requestError) !== undefined ||
    asObject(loose.providerError) !== undefined ||
    typeof loose.providerCode === 'number' ||
    /REQUEST_ERROR|PROVIDER_REFUSED/.test(p.code)
  );
}

/**
 * The renewal facts of the certificate `id` (`server/10.0.0.5`): from its record in
 * `state.certificates` and, for one not written yet, `state.requestStates` / `state.renewals`
 * (id → `{ renewAt, renewalPending, requestErrors }`); request errors also from the problems
 * about it that carry the provider's code.
 */
export function readRenewal(
  state: LayerState | undefined,
  id: string,
  problems: readonly Problem[],
): RenewalStatus {
  const loose = asObject(state);
  const sources = [
    asObject(asObject(loose?.certificates)?.[id]),
    asObject(asObject(loose?.requestStates)?.[id]),
    asObject(asObject(loose?.renewals)?.[id]),
  ].filter((s): s is Loose => s !== undefined);
  let renewAt: string | null = null;
  let renewalPending = false;
  const requestErrors: RequestErrorStatus[] = [];
  for (const s of sources) {
    renewAt ??= isoOrNull(s.renewAt);
    const pending = s.renewalPending ?? s.renewing ?? asObject(s.renewal)?.pending;
    if (pending === true) renewalPending = true;
    if (Array.isArray(s.requestErrors)) {
      for (const e of s.requestErrors) {
        const error = requestErrorOf(e);
        if (error !== undefined) requestErrors.push(error);
      }
    }
  }
  if (requestErrors.length === 0) {
    for (const p of problems) {
      if (!isRequestErrorProblem(p)) continue;
      const error = requestErrorOf(p);
      if (error !== undefined) requestErrors.push(error);
    }
  }
  return { renewAt, renewalPending, requestErrors };
}
