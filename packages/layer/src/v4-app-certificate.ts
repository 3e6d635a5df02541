import { isIP } from 'node:net';
import { type ValidatedCertificate, validateCertificate } from '@tls-client/cert-writer';
import type { FlagStore } from '@tls-client/flags';
import { HookToolError, type HookTools, type RelationDataView } from '@tls-client/hookenv';
import {
  CERTIFICATES_KEY,
  canonicalPem,
  decodeProviderAppData,
  decodeRequirerRequests,
  encodeCsrRequests,
} from '@tls-client/protocol/v4';
import type { Checked, RawProblem } from './check-provider-data.js';
import { PATHS_KEY, type PathRegistry } from './state.js';
import {
  APP_STATE_KEY,
  type AppAnswer,
  type AppRecord,
  type AppRecords,
  type AppRequest,
  type AppSecret,
  appSecretContent,
  appSecretLabel,
  appSteady,
  digest,
  findAppAnswer,
  planAppLeader,
  readAppSecret,
  renewalDue,
  requestFingerprint,
} from './v4-app-mode.js';

/** What {@link runAppCertificates} works with; internal. */
export interface AppCertificateDeps {
  tools: HookTools;
  view: RelationDataView;
  store: FlagStore;
  endpoint: string;
  /** The relation the application CSRs are published on (the first one). */
  relationId: string;
  /** The provider application on it. */
  remoteApp: string;
  appName: string;
  /** The charm's application certificate requests. */
  requests: readonly AppRequest[];
  verifyChain: boolean;
  /** Renewal fraction of the validity, 0.5 < f ≤ 1. */
  renewAt: number;
  /** The type of a new key. */
  keyType: 'rsa' | 'ec';
  /** A renewal by time also makes a new key. */
  rotateKeyOnRenewal: boolean;
  now: Date;
  /** Wraps a hook-tool call so that its failure becomes our error. */
  tool: <T>(fn: () => Promise<T>) => Promise<T>;
}

/** What the application certificates gave in this hook. */
export interface AppCertificateResult {
  /** The certificate to write, with the key from the secret; undefined when nothing is to be (re)written. */
  checked: Checked | undefined;
  /** The CA of that certificate. */
  ca: string | undefined;
  problems: RawProblem[];
}

const SECRET_DESCRIPTION = 'tls-client: the private key and CSR of the application certificate';

/**
 * v4 APP mode, one hook: the leader keeps the key and CSR in an application-owned secret and
 * publishes the CSR in the application databag; every unit finds the certificate for the secret's
 * CSR in the provider's `certificates` and returns it with the secret's key for the writer. A unit
 * whose inputs did not change since it last looked makes no secret call and returns nothing to
 * write. The CSR library is loaded only when the leader makes a key or a CSR.
 */
export async function runAppCertificates(deps: AppCertificateDeps): Promise<AppCertificateResult> {
  const { tools, view, store, relationId, tool } = deps;
  const result: AppCertificateResult = { checked: undefined, ca: undefined, problems: [] };
  if (deps.requests.length === 0) return result;
  if (!tools.supportsSecrets()) {
    // The shared key lives in an application secret: without secrets there is no safe way to give
    // it to every unit. Said once per request (a problem, the log, `tls-client status`); never a crash.
    for (const request of deps.requests) {
      result.problems.push({
        code: 'ERR_LAYER_APP_MODE_NEEDS_SECRETS',
        type: 'application',
        commonName: request.commonName,
        message: `the application certificate "${request.commonName}" is not requested: v4 APP mode keeps the shared key in a Juju secret, and this model has no secrets (Juju 2.9)`,
      });
    }
    return result;
  }

  // Hook tools are processes: the two reads every unit needs run side by side.
  const [leader, providerApp] = await Promise.all([
    tool(() => tools.isLeader()),
    tool(() => view.getApp(relationId, deps.remoteApp)),
  ]);
  const certificatesDigest = digest(providerApp[CERTIFICATES_KEY]);
  const ours = leader ? await tool(() => view.getApp(relationId, deps.appName)) : {};
  const publishedCsrs = leader
    ? decodeRequirerRequests({
        units: [],
        apps: [{ relationId, app: deps.appName, data: ours }],
      }).requests.map((r) => r.certificateSigningRequest)
    : [];
  const records: AppRecords = { ...(store.getValue<AppRecords>(APP_STATE_KEY) ?? {}) };
  const registry = store.getValue<PathRegistry>(PATHS_KEY) ?? {};
  let decoded: ReturnType<typeof decodeProviderAppData> | undefined;
  let changed = false;
  const csrs: string[] = [];

  for (const request of deps.requests) {
    const record = records[request.commonName];
    const pathsDigest = digest(JSON.stringify(registry.application?.[request.commonName] ?? null));
    const due = record !== undefined && renewalDue(record, deps.now, deps.renewAt);
    if (
      appSteady({ record, request, certificatesDigest, pathsDigest, leader, publishedCsrs, renewalDue: due })
    ) {
      csrs.push(record!.csr);
      result.ca ??= record!.ca ?? undefined;
      continue;
    }
    if (decoded === undefined) {
      decoded = decodeProviderAppData(providerApp);
      for (const p of decoded.problems)
        result.problems.push({ code: p.code, message: p.message, key: p.key });
    }
    const label = appSecretLabel(deps.endpoint, request.commonName);
    let secret = await readSecret(deps, label);
    let answer = findAppAnswer(decoded.certificates, secret?.csr);
    if (leader) {
      const sameCsr =
        record !== undefined && secret?.csr !== undefined && canonicalPem(secret.csr) === record.csr;
      const plan = planAppLeader({
        request,
        secret,
        answer,
        renewalDue: sameCsr && due,
        rotateKeyOnRenewal: deps.rotateKeyOnRenewal,
      });
      if (plan.newCsr !== undefined) {
        secret = await makeCsr(deps, label, request, secret, plan.generateKey);
        answer = findAppAnswer(decoded.certificates, secret.csr);
      }
    }
    if (secret?.csr === undefined) continue; // a non-leader before the leader's first hook: wait
    const csr = canonicalPem(secret.csr) ?? secret.csr;
    csrs.push(csr);
    const next: AppRecord = {
      label,
      csr,
      request: secret.request ?? requestFingerprint(request),
      certificates: certificatesDigest,
      paths: pathsDigest,
      ca: record?.csr === csr ? record.ca : null,
      certificate: record?.csr === csr ? record.certificate : null,
      notBefore: record?.csr === csr ? record.notBefore : null,
      notAfter: record?.csr === csr ? record.notAfter : null,
    };
    const checked =
      answer.kind === 'issued' ? check(request, answer, secret, deps, result.problems) : undefined;
    if (checked !== undefined && answer.kind === 'issued') {
      result.checked ??= checked;
      result.ca ??= answer.entry.ca;
      next.ca = answer.entry.ca;
      next.certificate = digest(answer.entry.certificate);
      next.notBefore = checked.validated.certificate.notBefore.toISOString();
      next.notAfter = checked.validated.certificate.notAfter.toISOString();
    }
    // With bad provider data, look again next hook, so the problem stays reported while it lasts.
    if (result.problems.length > 0) next.certificates = record?.certificates ?? '';
    result.ca ??= next.ca ?? undefined;
    if (JSON.stringify(next) !== JSON.stringify(record)) {
      records[request.commonName] = next;
      changed = true;
    }
  }
  if (changed) store.setValue(APP_STATE_KEY, records);
  if (leader && csrs.length > 0) {
    const changes = encodeCsrRequests({
      current: ours,
      requests: csrs.map((csr) => ({ certificateSigningRequest: csr, ca: false })),
    });
    if (changes.changed) {
      const data: Record<string, string | null> = { ...changes.set };
      for (const key of changes.deleted) data[key] = null;
      await tool(() => view.setApp(relationId, data));
    }
  }
  return result;
}

/**
 * relation-broken in v4 APP mode (no relation left on the endpoint), on every unit: forgets what
 * this unit remembers of the application certificates (the CSR, the provider's answer, the CA), so
 * that the next relation starts afresh: the leader publishes the CSR in the new relation's
 * application databag and every unit looks for its certificate there. The application CSR needs no
 * `relation-set`: our application databag goes with the relation. Nothing is removed from the
 * application secret: like unit mode's key in the state dir, the key stays for the next relation
 * (the files at the paths go only with `removeFilesOnBroken`, see `withdraw`). APP mode makes no
 * renewal secret (the leader checks the renewal time on every hook), so none is to be removed.
 * Returns the common names forgotten.
 */
export function forgetAppCertificates(store: FlagStore): string[] {
  const names = Object.keys(store.getValue<AppRecords>(APP_STATE_KEY) ?? {});
  store.deleteValue(APP_STATE_KEY);
  return names;
}

/** The application secret by its label; undefined when there is none (or not ours). */
async function readSecret(deps: AppCertificateDeps, label: string): Promise<AppSecret | undefined> {
  try {
    return readAppSecret(await deps.tools.secretGet({ label }));
  } catch (error) {
    if (error instanceof HookToolError && error.code === 'ERR_HOOKENV_SECRET_NOT_FOUND') return undefined;
    return deps.tool(() => Promise.reject(error));
  }
}

/**
 * The leader makes a CSR (and, the first time only, the key) and stores both in the application
 * secret before the CSR is published: a hook killed in between leaves nothing, since Juju drops a
 * failed hook's secret changes and relation settings together.
 */
async function makeCsr(
  deps: AppCertificateDeps,
  label: string,
  request: AppRequest,
  secret: AppSecret | undefined,
  generateKey: boolean,
): Promise<AppSecret> {
  const csrLib = await import('@tls-client/csr');
  const privateKey =
    generateKey || secret === undefined
      ? await csrLib.generatePrivateKey(deps.keyType === 'ec' ? { type: 'ec' } : {})
      : secret.privateKey;
  const sans = request.sans ?? [];
  const csr = await csrLib.createCsr(privateKey, {
    commonName: request.commonName,
    sansDns: sans.filter((s) => isIP(s) === 0),
    sansIp: sans.filter((s) => isIP(s) !== 0),
  });
  const next = { privateKey, csr, request: requestFingerprint(request) };
  const content = appSecretContent(next);
  const { tools, tool } = deps;
  if (secret === undefined) {
    await tool(() =>
      tools.secretAdd(content, { label, owner: 'application', description: SECRET_DESCRIPTION }),
    );
  } else {
    const { id } = await tool(() => tools.secretInfoGet({ label }));
    await tool(() => tools.secretSet(id, { content }));
  }
  return next;
}

/** Validates the provider's certificate against the secret's key, its chain and its CA. */
function check(
  request: AppRequest,
  answer: Extract<AppAnswer, { kind: 'issued' }>,
  secret: AppSecret,
  deps: AppCertificateDeps,
  problems: RawProblem[],
): Checked | undefined {
  const { entry } = answer;
  const key = entry.index === undefined ? CERTIFICATES_KEY : `${CERTIFICATES_KEY}[${entry.index}]`;
  const issued = {
    type: 'application' as const,
    commonName: request.commonName,
    cert: entry.certificate,
    key: secret.privateKey,
    sourceKey: key,
  };
  // The chain as published is leaf first; the writer wants what comes after the leaf.
  const after =
    entry.chain.length > 0 && canonicalPem(entry.chain[0]!) === canonicalPem(entry.certificate)
      ? entry.chain.slice(1)
      : entry.chain;
  const chain = after.length === 0 ? undefined : `${after.join('\n')}\n`;
  let validated: ValidatedCertificate;
  try {
    validated = validateCertificate({
      cert: entry.certificate,
      key: secret.privateKey,
      chain,
      verifyCa: deps.verifyChain ? entry.ca : undefined,
      allowExpired: true,
      badChain: 'drop',
    });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    problems.push({
      code:
        typeof code === 'string' && code.startsWith('ERR_')
          ? (code as RawProblem['code'])
          : 'ERR_LAYER_INVALID_CERTIFICATE',
      key,
      commonName: request.commonName,
      type: 'application',
      message: `the application certificate "${request.commonName}" from relation key "${key}" was skipped: ${
        error instanceof Error ? error.message : 'invalid'
      }`,
    });
    return undefined;
  }
  return { issued, validated, chain: validated.chainError === undefined ? chain : undefined };
}
