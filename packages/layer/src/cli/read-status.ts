import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { lstat, readFile, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type CertificateFileInfo, inspectCertificateFile } from '@tls-client/cert-writer';
import type { CertType } from '@tls-client/protocol';
import { LayerError } from '../errors.js';
import { openFlagStore } from '../locate-state.js';
import {
  certId,
  type LayerState,
  PATHS_KEY,
  type PathRegistry,
  type Problem,
  REQUESTS_KEY,
  type RecordedFile,
  STATE_KEY,
  type StoredRequest,
} from '../state.js';
import {
  type RelationDialectStatus,
  type RenewalTrigger,
  type RequestErrorStatus,
  readDialects,
  readRenewal,
  readRenewalTrigger,
} from './read-renewal.js';
import { readTrustAnchor, type TrustAnchorStatus } from './read-trust-anchor.js';

/** One file as found on disk now. */
export interface FileStatus {
  kind: RecordedFile['kind'];
  path: string;
  exists: boolean;
  /** Octal string, e.g. `"0600"`; `null` when the file is missing. */
  mode: string | null;
  uid: number | null;
  gid: number | null;
  /** User and group names from `/etc/passwd` and `/etc/group`, when found. */
  owner: string | null;
  group: string | null;
  /** Whether the bytes on disk are the bytes the layer last wrote. `null` when never recorded. */
  matchesRecorded: boolean | null;
  /**
   * When `path` is a symbolic link (e.g. into a versioned directory), the file it resolves to;
   * mode, owner and bytes above are that file's. `null` for a regular file or a dangling link.
   */
  resolvedPath: string | null;
}

/** One requested (or written) certificate. */
export interface CertificateStatus {
  type: CertType;
  commonName: string;
  /** SANs as requested (`null` for a client request without SANs). */
  requestedSans: string[] | null;
  /**
   * `written`: files on disk; `pending`: requested with paths but not answered yet; `rejected`: never
   * written because the provider's answer failed validation (`rejectionCode` says why); `refused`:
   * never written because the provider refused the request (v4 `request_errors`, see
   * `requestErrors`); `not-written`: requested without paths. New values may be added: treat an
   * unknown one as not ready.
   */
  state: 'written' | 'pending' | 'rejected' | 'refused' | 'not-written';
  /** The code of the problem that rejected the provider's answer (`rejected` only), e.g. `ERR_CERT_WRITER_KEY_MISMATCH`. */
  rejectionCode: string | null;
  /** The deprecated single server / global client paths of the layer options. */
  deprecatedPath: boolean;
  paths: { cert: string | null; key: string | null; chain: string | null; fullchain: string | null };
  subject: string | null;
  /** SANs of the certificate on disk, e.g. `DNS:example.com`, `IP Address:10.0.0.5`. */
  sans: string[];
  issuer: string | null;
  /** ISO 8601. */
  notAfter: string | null;
  /** Whole days until `notAfter` (negative once expired). */
  daysLeft: number | null;
  /** Whether the key file holds the certificate's private key; `null` when either is not on disk. */
  keyMatches: boolean | null;
  fingerprint256: string | null;
  /** ISO time the layer renews it with a new CSR (v4); `null` when the layer does not renew it (legacy). */
  renewAt: string | null;
  /** A renewal (or a revocation's re-request) was sent (new CSR) and its certificate has not arrived. */
  renewalPending: boolean;
  /** A new key was made (`rotateKey`); until its certificate arrives the old pair stays on disk. */
  keyRotationPending: boolean;
  /** Past `renewAt` and the certificate on disk is still the one `renewAt` was computed for. */
  renewalOverdue: boolean;
  /** The provider's `request_errors` for our current CSR (v4), with its code, name and message. */
  requestErrors: RequestErrorStatus[];
  files: FileStatus[];
  problems: Problem[];
}

/** What `tls-client status --json` prints (format version 1). */
export interface TlsClientStatus {
  formatVersion: 1;
  /** ISO time the status was read (what `daysLeft` and the expiry text count from). */
  checkedAt: string;
  statePath: string;
  unit: string | null;
  application: string | null;
  endpoint: string | null;
  lastHook: string | null;
  lastRun: string | null;
  relation: {
    connected: boolean;
    relationIds: string[];
    remoteUnits: string[];
    /** Each relation's dialect (`legacy`, `v4`, or `unknown` while `auto` publishes both). */
    dialects: RelationDialectStatus[];
    /**
     * How renewals are triggered: `secret-expiry` (a secret per certificate expires at the renewal
     * time; its `secret-expired` hook renews), or `hook-check` (the model has no secrets, e.g. Juju
     * 2.9: every hook, update-status included, checks the renewal time). `null` until a v4
     * certificate was accepted (legacy only: the provider renews).
     */
    renewalTrigger: RenewalTrigger | null;
  };
  flags: string[];
  ca: {
    name: string | null;
    /** What the layer's state says: it installed the CA (see `anchor` for what is on disk now). */
    installed: boolean;
    sha256: string | null;
    /** The extra CA copy (`caCertificatePath`), if configured. */
    file: FileStatus | null;
    /** The anchor in the system trust store, checked on disk; `null` when the layer installed none. */
    anchor: TrustAnchorStatus | null;
    /**
     * Replaced CAs still trusted (each under its own name) because a certificate we hold is signed
     * by it; absent when there are none.
     */
    retiring?: { name: string; subject: string | null }[];
  };
  certificates: CertificateStatus[];
  problems: Problem[];
  warnings: string[];
}

/** Options of {@link readStatus}. */
export interface ReadStatusOptions {
  /** Default `process.env` (`TLS_CLIENT_STATE_DIR`, `JUJU_CHARM_DIR`, `CHARM_DIR`). */
  env?: NodeJS.ProcessEnv | undefined;
  /** The directory of the state file; wins over the environment. */
  stateDir?: string | undefined;
  /** The charm directory (state in `<charmDir>/.tls-client`). */
  charmDir?: string | undefined;
  /** Where to look for unit charm directories when nothing else says. Default `/var/lib/juju/agents`. */
  agentsDir?: string | undefined;
  /**
   * The sandbox trust root the hooks ran with (`TLS_CLIENT_TRUST_ROOT`), to find the CA installer's
   * record when the layer state does not name it. Default: `TLS_CLIENT_TRUST_ROOT` from `env`, else `/`.
   */
  trustRoot?: string | undefined;
  /** Default now. */
  now?: Date | undefined;
}

/**
 * Reads the unit's committed layer state and inspects the files it names and the CA's trust anchor
 * (through the CA installer's record). Only reads; works outside a hook.
 * @example const status = await readStatus({ charmDir: '/var/lib/juju/agents/unit-web-0/charm' });
 * @throws LayerError `ERR_LAYER_STATE_NOT_FOUND` when no state file is found,
 *   `ERR_LAYER_STATE_FAILED` when it cannot be read.
 */
export async function readStatus(options: ReadStatusOptions = {}): Promise<TlsClientStatus> {
  const env = options.env ?? process.env;
  const location = locate(options, env);
  let store: ReturnType<typeof openFlagStore>;
  try {
    store = openFlagStore({ env, ...location });
  } catch (error) {
    const { path, cause } = error as { path?: unknown; cause?: { code?: unknown } };
    const denied = cause?.code === 'EACCES' || (error as { code?: unknown }).code === 'EACCES';
    throw new LayerError(
      'ERR_LAYER_STATE_FAILED',
      `cannot read the unit state: ${(error as Error).message}${
        denied ? ' (the state is readable by root only: run tls-client as root, as juju exec does)' : ''
      }`,
      { cause: error, ...(typeof path === 'string' ? { path } : {}) },
    );
  }
  if (!existsSync(store.path)) {
    throw new LayerError(
      'ERR_LAYER_STATE_NOT_FOUND',
      `no tls-client state at ${store.path} (has the charm run on this unit? set TLS_CLIENT_STATE_DIR or pass --charm-dir)`,
      { path: store.path },
    );
  }
  const now = options.now ?? new Date();
  const state = store.getValue<LayerState>(STATE_KEY);
  const requests = store.getValue<StoredRequest[]>(REQUESTS_KEY) ?? [];
  const registry = store.getValue<PathRegistry>(PATHS_KEY) ?? {};
  const problems = state?.problems ?? [];
  const names = await loadNames();

  const certificates: CertificateStatus[] = [];
  const seen = new Set<string>();
  for (const request of requests) {
    const id = certId(request.type, request.commonName);
    seen.add(id);
    const paths = registry[request.type]?.[request.commonName];
    const recorded = state?.certificates[id];
    const hasPaths = paths !== undefined && (paths.crt !== null || paths.key !== null);
    const own = problems.filter(
      (p) => p.commonName === request.commonName && (!p.type || p.type === request.type),
    );
    const renewal = readRenewal(state, id);
    const refused = recorded === undefined && renewal.requestErrors.length > 0;
    const rejected = recorded === undefined && !refused && own.length > 0;
    certificates.push(
      await inspect({
        type: request.type,
        commonName: request.commonName,
        requestedSans: request.sans,
        deprecatedPath: false,
        paths: {
          cert: paths?.crt ?? null,
          key: paths?.key ?? null,
          chain: paths?.chain ?? null,
          fullchain: paths?.fullchain ?? null,
        },
        recordedFiles: recorded?.files ?? [],
        state:
          recorded !== undefined
            ? 'written'
            : refused
              ? 'refused'
              : rejected
                ? 'rejected'
                : hasPaths
                  ? 'pending'
                  : 'not-written',
        rejectionCode: rejected ? (own[0]?.code ?? null) : null,
        renewal,
        recordedFingerprint: recorded?.fingerprint256 ?? null,
        problems: own,
        now,
        names,
      }),
    );
  }
  for (const [id, recorded] of Object.entries(state?.certificates ?? {})) {
    if (seen.has(id)) continue;
    const path = (kind: RecordedFile['kind']) => recorded.files.find((f) => f.kind === kind)?.path ?? null;
    certificates.push(
      await inspect({
        type: recorded.type,
        commonName: recorded.commonName,
        requestedSans: null,
        deprecatedPath: recorded.deprecatedPath,
        paths: { cert: path('cert'), key: path('key'), chain: path('chain'), fullchain: path('fullchain') },
        recordedFiles: recorded.files,
        state: 'written',
        rejectionCode: null,
        renewal: readRenewal(state, id),
        recordedFingerprint: recorded.fingerprint256,
        problems: [],
        now,
        names,
      }),
    );
  }

  const caPath = state?.ca.path ?? null;
  const installed = state?.ca.installed ?? false;
  const caName = state?.ca.name ?? null;
  return {
    formatVersion: 1,
    checkedAt: now.toISOString(),
    statePath: store.path,
    unit: state?.unit ?? null,
    application: state?.application ?? null,
    endpoint: state?.endpoint ?? null,
    lastHook: state?.lastHook || null,
    lastRun: state?.lastRun || null,
    relation: {
      connected: (state?.relationIds.length ?? 0) > 0,
      relationIds: state?.relationIds ?? [],
      remoteUnits: state?.remoteUnits ?? [],
      dialects: readDialects(state),
      renewalTrigger: readRenewalTrigger(state),
    },
    flags: store.list().sort(),
    ca: {
      name: caName,
      installed,
      sha256: state?.ca.sha256 ?? null,
      file: caPath === null ? null : await fileStatus('ca', caPath, undefined, names),
      anchor:
        installed && caName !== null
          ? await readTrustAnchor(caName, {
              // An explicit trust root wins over what the state recorded.
              recordPath: options.trustRoot ? undefined : recordedInstallerPath(state),
              trustRoot: options.trustRoot,
              env,
            })
          : null,
      ...retiringCas(state),
    },
    certificates,
    problems,
    warnings: state?.warnings ?? [],
  };
}

function locate(
  options: ReadStatusOptions,
  env: NodeJS.ProcessEnv,
): { stateDir?: string; charmDir?: string } {
  if (options.stateDir) return { stateDir: options.stateDir };
  if (options.charmDir) return { charmDir: options.charmDir };
  if (env.TLS_CLIENT_STATE_DIR || env.JUJU_CHARM_DIR || env.CHARM_DIR) return {};
  // Outside a hook (`juju ssh`): the one unit on this machine with layer state, if there is one.
  const agents = options.agentsDir ?? '/var/lib/juju/agents';
  let found: string[] = [];
  try {
    found = readdirSync(agents)
      .filter((name) => name.startsWith('unit-'))
      .map((name) => join(agents, name, 'charm'))
      .filter((dir) => existsSync(join(dir, '.tls-client')));
  } catch {
    found = [];
  }
  if (found.length === 1) return { charmDir: found[0]! };
  throw new LayerError(
    'ERR_LAYER_STATE_NOT_FOUND',
    found.length === 0
      ? `no unit with tls-client state under ${agents}; pass --state-dir or --charm-dir, or set TLS_CLIENT_STATE_DIR`
      : `${found.length} units with tls-client state under ${agents}; choose one with --charm-dir`,
  );
}

/**
 * The CA installer's record file the hooks used, if the layer state names it (`ca.recordPath`; an
 * older state has none, so this is read defensively).
 */
function recordedInstallerPath(state: LayerState | undefined): string | undefined {
  const value = (state?.ca as { recordPath?: unknown } | undefined)?.recordPath;
  return typeof value === 'string' && value.startsWith('/') ? value : undefined;
}

interface InspectInput {
  type: CertType;
  commonName: string;
  requestedSans: string[] | null;
  deprecatedPath: boolean;
  paths: CertificateStatus['paths'];
  recordedFiles: RecordedFile[];
  state: CertificateStatus['state'];
  rejectionCode: string | null;
  renewal: ReturnType<typeof readRenewal>;
  /** The fingerprint of the certificate the state records (what `renewAt` was computed for). */
  recordedFingerprint: string | null;
  problems: Problem[];
  now: Date;
  names: Names;
}

async function inspect(input: InspectInput): Promise<CertificateStatus> {
  const result: CertificateStatus = {
    type: input.type,
    commonName: input.commonName,
    requestedSans: input.requestedSans,
    state: input.state,
    rejectionCode: input.rejectionCode,
    deprecatedPath: input.deprecatedPath,
    paths: input.paths,
    subject: null,
    sans: [],
    issuer: null,
    notAfter: null,
    daysLeft: null,
    keyMatches: null,
    fingerprint256: null,
    renewAt: input.renewal.renewAt,
    renewalPending: input.renewal.renewalPending,
    keyRotationPending: input.renewal.keyRotationPending,
    renewalOverdue: false,
    requestErrors: input.renewal.requestErrors,
    files: [],
    problems: input.problems,
  };
  const kinds = ['cert', 'key', 'chain', 'fullchain'] as const;
  for (const kind of kinds) {
    const path = input.paths[kind];
    if (path === null) continue;
    const recorded = input.recordedFiles.find((f) => f.kind === kind && f.path === path);
    result.files.push(await fileStatus(kind, path, recorded, input.names));
  }
  if (input.state !== 'written') return result;
  if (input.paths.cert === null) return result;
  let info: CertificateFileInfo;
  try {
    info = await inspectCertificateFile(input.paths.cert, input.paths.key ?? undefined);
  } catch {
    // Missing or unreadable now: the file rows above say which.
    return result;
  }
  const { certificate } = info;
  result.subject = certificate.subject;
  result.issuer = certificate.issuer;
  result.sans = certificate.sans;
  result.notAfter = certificate.notAfter.toISOString();
  result.daysLeft = Math.floor((certificate.notAfter.getTime() - input.now.getTime()) / 86_400_000);
  result.fingerprint256 = certificate.fingerprint256;
  if (info.key?.exists) result.keyMatches = info.key.matches;
  // Overdue: the renewal time has passed and the file still holds the certificate it was set for.
  const renewAt = result.renewAt === null ? Number.NaN : Date.parse(result.renewAt);
  const same = input.recordedFingerprint === null || input.recordedFingerprint === certificate.fingerprint256;
  result.renewalOverdue = renewAt <= input.now.getTime() && same;
  return result;
}

async function fileStatus(
  kind: RecordedFile['kind'],
  path: string,
  recorded: RecordedFile | undefined,
  names: Names,
): Promise<FileStatus> {
  try {
    const info = await stat(path);
    const resolvedPath = (await lstat(path)).isSymbolicLink() ? await realpath(path) : null;
    let matchesRecorded: boolean | null = null;
    if (recorded !== undefined) {
      const bytes = await readFile(path);
      matchesRecorded = createHash('sha256').update(bytes).digest('hex') === recorded.sha256;
    }
    return {
      kind,
      path,
      exists: true,
      mode: `0${(info.mode & 0o777).toString(8).padStart(3, '0')}`,
      uid: info.uid,
      gid: info.gid,
      owner: names.users.get(info.uid) ?? null,
      group: names.groups.get(info.gid) ?? null,
      matchesRecorded,
      resolvedPath,
    };
  } catch {
    return {
      kind,
      path,
      exists: false,
      mode: null,
      uid: null,
      gid: null,
      owner: null,
      group: null,
      matchesRecorded: null,
      resolvedPath: null,
    };
  }
}

interface Names {
  users: Map<number, string>;
  groups: Map<number, string>;
}

async function loadNames(): Promise<Names> {
  const parse = async (file: string): Promise<Map<number, string>> => {
    const map = new Map<number, string>();
    try {
      for (const line of (await readFile(file, 'utf8')).split('\n')) {
        const [name, , id] = line.split(':');
        if (name && id !== undefined && /^[0-9]+$/.test(id)) map.set(Number(id), name);
      }
    } catch {
      // No name database (minimal containers): numeric ids only.
    }
    return map;
  };
  return { users: await parse('/etc/passwd'), groups: await parse('/etc/group') };
}

/** The retiring CAs the state records, with their subject (`ca.retiring`). */
function retiringCas(state: LayerState | undefined): {
  retiring?: { name: string; subject: string | null }[];
} {
  const retiring = state?.ca.retiring ?? [];
  if (retiring.length === 0) return {};
  return {
    retiring: retiring.map((r) => {
      let subject: string | null = null;
      try {
        subject = new X509Certificate(r.pem).subject.replaceAll('\n', ', ');
      } catch {
        // Shown by name only.
      }
      return { name: r.name, subject };
    }),
  };
}
