import type { CertType } from '@tls-client/protocol';
import type { DecodeProviderAppDataResult } from '@tls-client/protocol/v4';
import { pemEquals } from '@tls-client/protocol/v4';
import type { RecordedRequestError, RelationDialect, StoredRequest } from './state.js';

/**
 * The v4 (CSR-based) dialect's decisions. Pure: no I/O, no key or CSR generation (the orchestrator
 * does that, loading `@tls-client/csr` only when {@link planCsrs} says a CSR is needed).
 */

/** The v4 bookkeeping of one request, persisted under `V4_KEY`; internal (not for the CLI). */
export interface V4Entry {
  type: CertType;
  commonName: string;
  /** The SANs the current CSR asks for (what "changed SANs" is judged against). */
  sans: string[];
  /** The CSR we published, exactly as sent (stripped PEM). */
  csr: string;
  /** The key file in the unit state dir (0600 in a 0700 dir) the CSR was made with. */
  keyFile: string;
  /** The key file in use for the files on disk, when a rotation is pending (else equal to keyFile). */
  activeKeyFile: string;
  /** ISO time the current CSR was made (a renewal is due only for a CSR made before the renewal time). */
  sentAt: string;
  /** Why the current CSR was made. */
  reason: CsrReason;
  /** The request error that made us wait (non-retryable), keyed to the CSR it was for. */
  waitingOnError: boolean;
  /** The provider answered the current CSR with `SERVER_NOT_AVAILABLE` (retried, see {@link retryDelayMs}). */
  retryableError?: boolean | undefined;
  /** How many CSRs in a row were sent to retry a `SERVER_NOT_AVAILABLE` (the backoff's exponent). */
  retries?: number | undefined;
  /**
   * The last certificate accepted for this request (public data: certificate, CA, chain), the one
   * on disk. It stays in the hook's view while a renewal, a re-issue after revocation or a retry is
   * pending, so the files and the `*.available` flags stay as they are until a new one is accepted.
   */
  accepted?: { certificate: string; ca: string; chain: string[] } | undefined;
}

export type CsrReason = 'new' | 'sans-changed' | 'renewal' | 'revoked' | 'rotate-key' | 'retry';

/** The first retry of a `SERVER_NOT_AVAILABLE` waits this long after the CSR was sent. */
export const FIRST_RETRY_DELAY_MS = 5 * 60_000;
/** Retries back off (doubling) to at most one per hour. */
export const MAX_RETRY_DELAY_MS = 60 * 60_000;

/**
 * How long after a CSR was sent a `SERVER_NOT_AVAILABLE` answer to it is retried with a new CSR
 * (same key): 5 minutes, doubling with each retry in a row, at most an hour. Pure.
 */
export function retryDelayMs(retries: number): number {
  return Math.min(FIRST_RETRY_DELAY_MS * 2 ** Math.max(0, retries), MAX_RETRY_DELAY_MS);
}

/** What to do for one request in this hook. */
export type CsrPlan = { action: 'keep' } | { action: 'new-csr'; reason: CsrReason; newKey: boolean };

/**
 * The settled dialect of a relation. A recorded `'legacy'`/`'v4'` stays; a forced protocol wins;
 * under `auto` the provider's first answer decides (`detectDialect`), `'unknown'` until then.
 */
export function settleDialect(input: {
  protocol: 'auto' | 'legacy' | 'v4';
  recorded: RelationDialect | undefined;
  detected: 'legacy' | 'v4' | 'unknown';
}): RelationDialect {
  if (input.protocol !== 'auto') return input.protocol;
  if (input.recorded === 'legacy' || input.recorded === 'v4') return input.recorded;
  return input.detected;
}

/**
 * The renewal time of a certificate: `notBefore + (notAfter − notBefore) × fraction`. For a fresh
 * certificate this is Python's `now + (notAfter − now) × fraction`, but it does not move with the
 * hook that computes it, so every hook agrees.
 */
export function renewalTime(notBefore: Date, notAfter: Date, fraction: number): Date {
  const start = notBefore.getTime();
  return new Date(start + (notAfter.getTime() - start) * fraction);
}

/** Same SANs, order-insensitive (v4 SANs are a set). */
export function sameSans(a: readonly string[], b: readonly string[]): boolean {
  const x = [...new Set(a)].sort();
  const y = [...new Set(b)].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** The SAN list a request asks for in v4: its SANs, or the common name alone. */
export function v4Sans(request: StoredRequest): string[] {
  return request.sans === null || request.sans.length === 0 ? [request.commonName] : [...request.sans];
}

/**
 * Whether a request needs a new CSR in this hook. An unchanged request never gets one (every new
 * CSR makes the provider re-issue). Renewal, revocation and a requested key rotation do, and so
 * does a `SERVER_NOT_AVAILABLE` answer once its backoff ({@link retryDelayMs}) has passed: the
 * provider looks again only at a CSR it has not answered (an identical one changes nothing in the
 * databag, so it fires no hook at the provider). Other request errors wait until the request changes.
 */
export function planCsr(input: {
  request: StoredRequest;
  entry: V4Entry | undefined;
  renewAt: string | null;
  now: Date;
  revoked: boolean;
  rotateKey: boolean;
  rotateKeyOnRenewal: boolean;
}): CsrPlan {
  const { request, entry } = input;
  if (entry === undefined) return { action: 'new-csr', reason: 'new', newKey: true };
  if (input.rotateKey) return { action: 'new-csr', reason: 'rotate-key', newKey: true };
  if (!sameSans(entry.sans, v4Sans(request)))
    return { action: 'new-csr', reason: 'sans-changed', newKey: false };
  if (input.revoked) return { action: 'new-csr', reason: 'revoked', newKey: input.rotateKeyOnRenewal };
  if (
    input.renewAt !== null &&
    Date.parse(input.renewAt) <= input.now.getTime() &&
    Date.parse(entry.sentAt) < Date.parse(input.renewAt)
  ) {
    return { action: 'new-csr', reason: 'renewal', newKey: input.rotateKeyOnRenewal };
  }
  if (
    entry.retryableError === true &&
    input.now.getTime() >= Date.parse(entry.sentAt) + retryDelayMs(entry.retries ?? 0)
  ) {
    return { action: 'new-csr', reason: 'retry', newKey: false };
  }
  return { action: 'keep' };
}

/** What the provider answered for one of our CSRs. */
export type V4Answer =
  | { kind: 'none' }
  | { kind: 'revoked' }
  | { kind: 'error'; error: RecordedRequestError; retryable: boolean }
  | { kind: 'certificate'; certificate: string; ca: string; chain: string[] };

/** `SERVER_NOT_AVAILABLE`: the CA backend is down; retried on later hooks. */
export const RETRYABLE_REQUEST_ERROR = 201;

/**
 * The provider's answer for our CSR (canonical PEM identity). A non-revoked certificate wins over a
 * revoked one; the first of duplicate entries is taken (each is then checked by the caller).
 */
export function answerFor(csr: string, view: DecodeProviderAppDataResult): V4Answer {
  const mine = view.certificates.filter((c) => pemEquals(c.certificateSigningRequest, csr));
  const live = mine.filter((c) => c.revoked !== true);
  const first = live[0];
  if (first !== undefined) {
    return { kind: 'certificate', certificate: first.certificate, ca: first.ca, chain: [...first.chain] };
  }
  if (mine.length > 0) return { kind: 'revoked' };
  const error = view.requestErrors.find((e) => pemEquals(e.csr, csr));
  if (error !== undefined) {
    const { code, name, message } = error.error;
    return { kind: 'error', error: { code, name, message }, retryable: code === RETRYABLE_REQUEST_ERROR };
  }
  return { kind: 'none' };
}

/** The chain to write after the leaf: the published chain without the leaf itself (v4 chains start with it). */
export function chainAfterLeaf(certificate: string, chain: readonly string[]): string[] {
  return chain.filter((pem) => !pemEquals(pem, certificate));
}
