import { createHash } from 'node:crypto';
import { type ProviderCertificateEntry, pemEquals } from '@tls-client/protocol/v4';

/**
 * v4 APP mode (protocol-v4 §1.1, §7.2, §7.3), the decisions. The application certificate is shared
 * by every unit of the application: the leader keeps its key and CSR in one application-owned Juju
 * secret, publishes the CSR in the application databag, and every unit finds the certificate for
 * that CSR in the provider's `certificates` and writes it with the key from the secret. Pure: the
 * hook (`v4-app-certificate.ts`) does the secret calls, the relation reads and writes and the files.
 */

/** Flag-store value key of what each unit last saw of the application certificates. */
export const APP_STATE_KEY = 'layer.tls-client.v4-app';

/** The secret's content keys (Juju keys: lowercase, `-`). */
export const APP_SECRET_KEYS = { privateKey: 'private-key', csr: 'csr', request: 'request' } as const;

/** An application certificate request, as the charm made it. */
export interface AppRequest {
  commonName: string;
  sans: readonly string[] | null;
}

/** The application secret's content, decoded. */
export interface AppSecret {
  privateKey: string;
  /** The CSR the leader published last (canonical PEM); undefined before the first one. */
  csr: string | undefined;
  /** {@link requestFingerprint} of the request that CSR was made for. */
  request: string | undefined;
}

/** What one unit remembers of one application certificate (flag store, {@link APP_STATE_KEY}; JSON, so `null` for none). */
export interface AppRecord {
  /** The label of the application secret. */
  label: string;
  /** The CSR found in the secret (public data: a CSR holds no secret). */
  csr: string;
  /** {@link requestFingerprint} of the request the CSR stands for. */
  request: string;
  /** {@link digest} of the provider's `certificates` value when this unit last looked at it. */
  certificates: string;
  /** {@link digest} of the path registry entry the files were written for. */
  paths: string;
  /** The CA of that certificate (public), kept for the hooks that skip the provider's data. */
  ca: string | null;
  /** SHA-256 of the certificate PEM written; null while none is. */
  certificate: string | null;
  /** Validity of that certificate (ISO), for the renewal time. */
  notBefore: string | null;
  notAfter: string | null;
}

/** Every application certificate's record, by common name. */
export type AppRecords = Record<string, AppRecord>;

/** SHA-256 hex of a text; `''` stands for "absent". */
export function digest(text: string | undefined | null): string {
  return createHash('sha256')
    .update(text ?? '')
    .digest('hex');
}

/**
 * The label of the application secret of one application certificate on one endpoint. Ours, not
 * the Python library's `<LIBID>-private-key-app-<relation>` (§7.3): that secret holds one key for
 * every request of a relation and no CSR, so sharing its label would mix two owners' content.
 */
export function appSecretLabel(endpoint: string, commonName: string): string {
  if (typeof endpoint !== 'string' || endpoint === '')
    throw new TypeError('endpoint must be a non-empty string');
  if (typeof commonName !== 'string' || commonName === '')
    throw new TypeError('commonName must be a non-empty string');
  return `tls-client-app-key-${endpoint}-${digest(commonName).slice(0, 16)}`;
}

/** The identity of a request: common name and SANs (order-insensitive, duplicates ignored). */
export function requestFingerprint(request: AppRequest): string {
  const sans = request.sans === null ? null : [...new Set(request.sans)].sort();
  return JSON.stringify([request.commonName, sans]);
}

/** Decodes the secret's content; undefined when the key is missing (not ours, or damaged). */
export function readAppSecret(content: Readonly<Record<string, string>>): AppSecret | undefined {
  const privateKey = content[APP_SECRET_KEYS.privateKey];
  if (typeof privateKey !== 'string' || !privateKey.includes('PRIVATE KEY-----')) return undefined;
  const csr = content[APP_SECRET_KEYS.csr];
  const request = content[APP_SECRET_KEYS.request];
  return {
    privateKey,
    csr: typeof csr === 'string' && csr !== '' ? csr : undefined,
    request: typeof request === 'string' && request !== '' ? request : undefined,
  };
}

/** The secret's content for a key, its CSR and the request the CSR stands for. */
export function appSecretContent(secret: {
  privateKey: string;
  csr: string;
  request: string;
}): Record<string, string> {
  return {
    [APP_SECRET_KEYS.privateKey]: secret.privateKey,
    [APP_SECRET_KEYS.csr]: secret.csr,
    [APP_SECRET_KEYS.request]: secret.request,
  };
}

/** What the provider publishes for one CSR. */
export type AppAnswer =
  | { kind: 'none' }
  | { kind: 'revoked' }
  | { kind: 'issued'; entry: ProviderCertificateEntry & { index?: number } };

/**
 * The provider's answer to our CSR (canonical PEM identity): the first entry not revoked, else
 * `revoked` when every entry for it is, else `none`. Duplicates beyond the first are ignored.
 */
export function findAppAnswer(
  certificates: readonly (ProviderCertificateEntry & { index?: number })[],
  csr: string | undefined,
): AppAnswer {
  if (csr === undefined) return { kind: 'none' };
  let revoked = false;
  for (const entry of certificates) {
    if (!pemEquals(entry.certificateSigningRequest, csr)) continue;
    if (entry.revoked === true) revoked = true;
    else return { kind: 'issued', entry };
  }
  return revoked ? { kind: 'revoked' } : { kind: 'none' };
}

/** Whether `fraction` of the validity has passed at `now` (0.5 < fraction ≤ 1). */
export function renewalDue(
  validity: { notBefore: string | null | undefined; notAfter: string | null | undefined },
  now: Date,
  fraction: number,
): boolean {
  if (validity.notBefore == null || validity.notAfter == null) return false;
  const start = Date.parse(validity.notBefore);
  const end = Date.parse(validity.notAfter);
  if (!Number.isFinite(start) || !Number.isFinite(end) || end <= start) return false;
  return now.getTime() >= start + (end - start) * fraction;
}

/** Why the leader makes a new CSR (with the same key). */
export type NewCsrReason = 'first' | 'request-changed' | 'revoked' | 'renewal-due';

/** What the leader does for one application certificate in this hook. */
export interface LeaderPlan {
  /** No key in the secret yet: generate one (the only time a key is made). */
  generateKey: boolean;
  /** Make a new CSR with the key, and store it in the secret; undefined: keep the secret's CSR. */
  newCsr: NewCsrReason | undefined;
}

/**
 * The leader's decision. A key is generated only when the secret has none: after a leadership
 * change the new leader finds the old leader's key and CSR there and re-uses both, so the
 * provider re-issues nothing (the Python library makes a new key here, §2.6). A new CSR only when
 * there is none, the request changed, the certificate was revoked, or its renewal time passed.
 */
export function planAppLeader(input: {
  request: AppRequest;
  secret: AppSecret | undefined;
  answer: AppAnswer;
  renewalDue: boolean;
  /** `rotateKeyOnRenewal`: a renewal (by time) also makes a new key. */
  rotateKeyOnRenewal?: boolean | undefined;
}): LeaderPlan {
  const { secret, answer } = input;
  if (secret === undefined) return { generateKey: true, newCsr: 'first' };
  if (secret.csr === undefined) return { generateKey: false, newCsr: 'first' };
  if (secret.request !== requestFingerprint(input.request))
    return { generateKey: false, newCsr: 'request-changed' };
  if (answer.kind === 'revoked') return { generateKey: false, newCsr: 'revoked' };
  if (answer.kind === 'issued' && input.renewalDue)
    return { generateKey: input.rotateKeyOnRenewal === true, newCsr: 'renewal-due' };
  return { generateKey: false, newCsr: undefined };
}

/**
 * Whether a unit can skip this application certificate without a secret call: nothing it depends
 * on changed since it last looked. The leader also needs its CSR still published, and no renewal
 * due. A pending request (no answer yet) is steady too: the next provider change wakes it.
 */
export function appSteady(input: {
  record: AppRecord | undefined;
  request: AppRequest;
  certificatesDigest: string;
  pathsDigest: string;
  leader: boolean;
  /** The leader's published CSRs (canonical PEMs); ignored for a non-leader. */
  publishedCsrs: readonly string[];
  renewalDue: boolean;
}): boolean {
  const { record } = input;
  if (record === undefined) return false;
  if (record.request !== requestFingerprint(input.request)) return false;
  if (record.certificates !== input.certificatesDigest || record.paths !== input.pathsDigest) return false;
  if (!input.leader) return true;
  return !input.renewalDue && input.publishedCsrs.some((csr) => pemEquals(csr, record.csr));
}
