import type { CertType } from '@tls-client/protocol';
import type { ProblemCode } from './errors.js';

/** Flag-store value key of the path registry (the original's name; the shape is ours). */
export const PATHS_KEY = 'layer.tls-client.cert-paths';
/** Flag-store value key of the requests this unit made (published to the first relation). */
export const REQUESTS_KEY = 'layer.tls-client.requests';
/** Flag-store value key of what the last successful hook did, for `tls-client status`. */
export const STATE_KEY = 'layer.tls-client.state';

/** Where one certificate's files go. `null` means "not requested" (W3: never the string "None"). */
export interface StoredPaths {
  crt: string | null;
  key: string | null;
  chain: string | null;
  fullchain: string | null;
  owner: string | number | null;
  group: string | number | null;
  certMode: number | null;
  keyMode: number | null;
}

/** The path registry: type → common name → paths. */
export type PathRegistry = Partial<Record<CertType, Record<string, StoredPaths>>>;

/** One request as remembered across hooks. */
export interface StoredRequest {
  type: CertType;
  commonName: string;
  sans: string[] | null;
}

/**
 * Something the provider published that the layer skipped; the hook still succeeded.
 *
 * `severity` is `'error'` for data this unit depends on (the CA, the chain, an answer to one of its
 * requests) and `'warning'` for data it never asked for (e.g. an answer to a common name or type it
 * did not request). A warning never counts as a failed request: a charm's status should ignore it.
 */
export interface Problem {
  /** The error code of the check that failed, e.g. `ERR_CERT_WRITER_KEY_MISMATCH`. */
  code: ProblemCode;
  /** `'warning'` exactly when `requested` is false. */
  severity: 'error' | 'warning';
  /** Whether the bad data was about something this unit depends on (see above). */
  requested: boolean;
  /** The relation key the bad value came from, e.g. `app_0.processed_requests`. Never its value. */
  key?: string | undefined;
  /** The certificate concerned, when known. */
  commonName?: string | undefined;
  /** The certificate type concerned, when known. */
  type?: CertType | undefined;
  /** A message fit for a log or a workload status. Never contains relation values. */
  message: string;
}

/** One file the layer wrote, as recorded after the hook that wrote it. */
export interface RecordedFile {
  kind: 'cert' | 'key' | 'chain' | 'fullchain' | 'ca';
  path: string;
  sha256: string;
  mode: number;
}

/** One certificate the layer wrote. */
export interface RecordedCertificate {
  type: CertType;
  commonName: string;
  /** `true` for the deprecated single server / global client paths. */
  deprecatedPath: boolean;
  sourceKey: string | null;
  fingerprint256: string;
  notAfter: string;
  files: RecordedFile[];
}

/** Flag-store value key of the v4 requests' own bookkeeping (CSRs sent, key files); internal. */
export const V4_KEY = 'layer.tls-client.v4';

/** The dialect a relation speaks: `'unknown'` while `auto` waits for the provider's first answer. */
export type RelationDialect = 'legacy' | 'v4' | 'unknown';

/** What the layer records per relation (`LayerState.relations[relationId]`). Stable for the CLI. */
export interface RelationRecord {
  /**
   * The dialect in use. Once `'legacy'` or `'v4'` it stays until relation-broken; `'unknown'` means
   * both dialects' requests are published side by side (`protocol: 'auto'`).
   */
  dialect: RelationDialect;
}

/** A provider `request_errors` entry for one of our CSRs (v4 §7.1), as recorded for the CLI. */
export interface RecordedRequestError {
  code: number;
  name: string;
  message: string;
}

/**
 * What the layer records per v4 request (`LayerState.v4[certId]`), for `tls-client status` and
 * `check`. Present for every request published in the v4 dialect, answered or not. Stable: other
 * packages (the CLI) read these fields; change them only with need.
 */
export interface V4RequestRecord {
  type: CertType;
  commonName: string;
  /** The relation the CSR is published on. */
  relationId: string;
  /** ISO time at which the current certificate is due for renewal; `null` before the first one. */
  renewAt: string | null;
  /** A renewal CSR (or a revocation's) has been sent and its certificate has not arrived yet. */
  renewalPending: boolean;
  /** A new key was made (`rotateKey` or `rotateKeyOnRenewal`); the files switch when its certificate arrives. */
  keyRotationPending: boolean;
  /** ISO expiry of the certificate in use; `null` before the first one. */
  notAfter: string | null;
  /** The provider's `request_errors` for our current CSR (empty when none). */
  requestErrors: RecordedRequestError[];
}

/** A replaced CA kept in the trust store while a certificate we hold is signed by it. Stable for the CLI. */
export interface RetiringCa {
  /** Its trust-store name: `<app>-retiring-<first 16 hex digits of id>`. */
  name: string;
  /** sha256 (hex) of its certificates' DER. */
  id: string;
  /** Its PEM (public). */
  pem: string;
}

/** What the layer persists in the flag store for the CLI and for its own change detection. */
export interface LayerState {
  version: 1;
  endpoint: string;
  application: string;
  unit: string;
  /** The last hook that changed this state (idle hooks leave the state file alone). */
  lastHook: string;
  /** ISO time of that hook. */
  lastRun: string;
  relationIds: string[];
  remoteUnits: string[];
  ca: {
    /** The trust-store name (the application name). */
    name: string;
    sha256: string | null;
    installed: boolean;
    path: string | null;
    /**
     * The CA installer's record file the hooks used (it moves under `TLS_CLIENT_TRUST_ROOT`), so
     * that `tls-client status` checks the same trust store. Absent in states written before it.
     */
    recordPath?: string | undefined;
    /**
     * The PEM of the CA installed under `name` (public), so that a rotation can keep it trusted
     * under a retiring name. Absent in states written before it, and while nothing is installed.
     */
    pem?: string | undefined;
    /**
     * CAs the provider replaced that still sign a certificate we hold, each trusted under its own
     * name until none does. Absent when there are none.
     */
    retiring?: RetiringCa[] | undefined;
  };
  certificates: Record<string, RecordedCertificate>;
  problems: Problem[];
  warnings: string[];
  /** Per relation id: its dialect. Absent in states written before v4 support. */
  relations?: Record<string, RelationRecord> | undefined;
  /** Per certificate id (`server/cn`): the v4 request's renewal and error record. */
  v4?: Record<string, V4RequestRecord> | undefined;
  /**
   * How renewals are triggered: `'secret-expiry'` (a unit-owned secret per certificate, its
   * `secret-expired` hook renews) or `'hook-check'` (no secret tools, e.g. Juju 2.9: every hook
   * compares the renewal time). `null` until a v4 certificate was accepted.
   */
  renewalTrigger?: 'secret-expiry' | 'hook-check' | null | undefined;
}

/** The registry key of a certificate: `server/10.0.0.5`. */
export function certId(type: CertType, commonName: string): string {
  return `${type}/${commonName}`;
}

/** A fresh state for a unit that never ran the layer. */
export function emptyState(endpoint: string, application: string, unit: string): LayerState {
  return {
    version: 1,
    endpoint,
    application,
    unit,
    lastHook: '',
    lastRun: '',
    relationIds: [],
    remoteUnits: [],
    ca: { name: application, sha256: null, installed: false, path: null },
    certificates: {},
    problems: [],
    warnings: [],
  };
}
