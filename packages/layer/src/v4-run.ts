import { createHash } from 'node:crypto';
import { lstat, mkdir, readFile, rm } from 'node:fs/promises';
import { isIP } from 'node:net';
import { dirname, join } from 'node:path';
import { type ValidatedCertificate, validateCertificate, writeFileAtomic } from '@tls-client/cert-writer';
import type { FlagStore } from '@tls-client/flags';
import type { HookTools } from '@tls-client/hookenv';
import type { CertType } from '@tls-client/protocol';
import { type DecodeProviderAppDataResult, encodeCsrRequests } from '@tls-client/protocol/v4';
import type { Checked, CheckedView, RawProblem } from './check-provider-data.js';
import { wrapError } from './errors.js';
import {
  certId,
  type LayerState,
  PATHS_KEY,
  type PathRegistry,
  type StoredRequest,
  V4_KEY,
  type V4RequestRecord,
} from './state.js';
import { testKillPoint } from './test-kill-point.js';
import { answerFor, chainAfterLeaf, planCsr, renewalTime, type V4Entry, v4Sans } from './v4-dialect.js';

/**
 * The v4 dialect's I/O for one hook, unit mode: reads our key files, checks the provider's answers
 * for our CSRs, and makes keys and CSRs when {@link planCsr} says so (loading `@tls-client/csr`
 * only then). The hook (`hook-run.ts`) writes the accepted certificates through `write-outputs.ts`.
 */

/** Label prefix of the unit-owned renewal secrets (one per certificate, expiring at its renewal time). */
export const RENEWAL_SECRET_PREFIX = 'tls-client-renew-';

/** What {@link V4Run} needs from the hook; internal. */
export interface V4Deps {
  store: FlagStore;
  tools: HookTools;
  state: LayerState;
  committed: LayerState;
  now: Date;
  options: { renewAt: number; rotateKeyOnRenewal: boolean; keyType: 'rsa' | 'ec'; verifyChain: boolean };
  /** Certificate ids `rotateKey()` asked for in this hook. */
  rotateKeys: ReadonlySet<string>;
  /** The certificate id a `secret-expired` hook names (renew it now). */
  expired: string | undefined;
  tool: <T>(fn: () => Promise<T>) => Promise<T>;
  /** The environment (for the test-only kill points). */
  env: NodeJS.ProcessEnv;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export class V4Run {
  readonly problems: RawProblem[] = [];
  /** Certificate ids whose answer was revoked in this hook (renewed at once). */
  readonly #revoked = new Set<string>();
  /** Renewal secrets to (re)create, by certificate id: the renewal time. */
  readonly #secrets = new Map<string, string>();
  #entries: Record<string, V4Entry>;
  readonly renewed: string[] = [];
  readonly rotated: string[] = [];

  constructor(private readonly deps: V4Deps) {
    this.#entries = structuredClone(deps.store.getValue<Record<string, V4Entry>>(V4_KEY) ?? {});
  }

  /** The key directory in the unit state dir (0700), next to the flag store. */
  #keyDir(): string {
    return join(dirname(this.deps.store.path), 'keys');
  }

  #record(id: string, entry: V4Entry, relationId: string): V4RequestRecord {
    this.deps.state.v4 ??= {};
    const records = this.deps.state.v4;
    const current = records[id] ?? {
      type: entry.type,
      commonName: entry.commonName,
      relationId,
      renewAt: null,
      renewalPending: false,
      keyRotationPending: false,
      notAfter: null,
      requestErrors: [],
    };
    current.relationId = relationId;
    records[id] = current;
    return current;
  }

  /**
   * Checks the provider's answers for every CSR we sent. Accepted certificates come back as a view
   * for the writers; nothing is written here.
   */
  async answers(relationId: string, app: DecodeProviderAppDataResult): Promise<CheckedView> {
    const view: CheckedView = {
      ca: undefined,
      chain: undefined,
      server: [],
      client: [],
      intermediate: [],
      application: undefined,
      globalClient: undefined,
      clientPublished: true,
    };
    for (const p of app.problems) {
      this.problems.push({ code: p.code, message: p.message, key: p.key });
    }
    const before = JSON.stringify(this.#entries);
    /** Requests without a new certificate in this hook: their last accepted one stays in the view. */
    const holding: [string, V4Entry][] = [];
    let newest = Number.NEGATIVE_INFINITY;
    for (const [id, entry] of Object.entries(this.#entries)) {
      const record = this.#record(id, entry, relationId);
      const answer = answerFor(entry.csr, app);
      const about = { commonName: entry.commonName, type: entry.type, key: 'certificates' };
      const retryable = answer.kind === 'error' && answer.retryable;
      if ((entry.retryableError ?? false) !== retryable) entry.retryableError = retryable;
      if (answer.kind !== 'certificate') holding.push([id, entry]);
      if (answer.kind === 'none') continue;
      if (answer.kind === 'revoked') {
        this.#revoked.add(id);
        continue;
      }
      if (answer.kind === 'error') {
        record.requestErrors = [answer.error];
        entry.waitingOnError = !answer.retryable;
        this.problems.push({
          code: 'ERR_LAYER_REQUEST_REFUSED',
          ...about,
          key: 'request_errors',
          message: `the provider refused the ${entry.type} certificate "${entry.commonName}": ${answer.error.name} (${answer.error.code}): ${answer.error.message.slice(0, 500)}${answer.retryable ? '; retried on later hooks' : '; waiting until the request changes'}`,
        });
        continue;
      }
      record.requestErrors = [];
      let key: string;
      try {
        key = await readFile(join(this.#keyDir(), entry.keyFile), 'utf8');
      } catch (error) {
        throw wrapError('ERR_LAYER_WRITE_FAILED', `cannot read the key of the ${id} request`, error);
      }
      let validated: ValidatedCertificate;
      try {
        const chain = chainAfterLeaf(answer.certificate, answer.chain);
        validated = validateCertificate({
          cert: answer.certificate,
          key,
          chain: chain.length === 0 ? undefined : chain.join('\n'),
          verifyCa: this.deps.options.verifyChain ? answer.ca : undefined,
          allowExpired: true,
          badChain: 'drop',
        });
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        this.problems.push({
          code:
            typeof code === 'string' && code.startsWith('ERR_')
              ? (code as RawProblem['code'])
              : 'ERR_LAYER_INVALID_CERTIFICATE',
          ...about,
          message: `the ${entry.type} certificate "${entry.commonName}" answering our CSR was skipped: ${error instanceof Error ? error.message : 'invalid'}`,
        });
        holding.push([id, entry]);
        continue;
      }
      if (validated.certificate.notAfter.getTime() <= this.deps.now.getTime()) {
        // Expired on arrival: never reported as valid; renewed with a new CSR.
        this.problems.push({
          code: 'ERR_LAYER_INVALID_CERTIFICATE',
          ...about,
          message: `the ${entry.type} certificate "${entry.commonName}" answering our CSR has expired; a new CSR is sent`,
        });
        this.#revoked.add(id);
        holding.push([id, entry]);
        continue;
      }
      entry.accepted = { certificate: answer.certificate, ca: answer.ca, chain: [...answer.chain] };
      if ((entry.retries ?? 0) !== 0) entry.retries = 0;
      const checked: Checked = {
        issued: {
          type: entry.type,
          commonName: entry.commonName,
          sourceKey: 'certificates',
          cert: answer.certificate,
          key,
        },
        validated,
        chain: undefined,
      };
      // The CA of the newest certificate: after a CA rotation, a provider that has re-issued only
      // some certificates is on its new CA (the older ones' CA stays trusted while it signs them).
      const issuedAt = validated.certificate.notBefore.getTime();
      if (view.ca === undefined || issuedAt > newest) {
        view.ca = answer.ca;
        newest = issuedAt;
      }
      const list =
        entry.type === 'server' ? view.server : entry.type === 'client' ? view.client : view.intermediate;
      if (entry.type === 'application') continue;
      list.push(checked);
      const renewAt = renewalTime(
        validated.certificate.notBefore,
        validated.certificate.notAfter,
        this.deps.options.renewAt,
      ).toISOString();
      const previous = this.deps.committed.v4?.[id];
      // A new certificate, judged by its fingerprint: a re-issue within the same second as the
      // last one has the same validity dates.
      const isNew =
        this.deps.committed.certificates[id]?.fingerprint256 !== validated.certificate.fingerprint256;
      // The renewal secret is re-armed for every new certificate after a renewal (it has fired).
      if (previous?.renewAt !== renewAt || (record.renewalPending && isNew)) this.#secrets.set(id, renewAt);
      if (record.renewalPending && isNew) this.renewed.push(id);
      if (record.keyRotationPending && entry.activeKeyFile !== entry.keyFile) this.rotated.push(id);
      record.renewAt = renewAt;
      record.notAfter = validated.certificate.notAfter.toISOString();
      record.renewalPending = false;
      record.keyRotationPending = false;
      if (entry.activeKeyFile !== entry.keyFile) {
        const old = entry.activeKeyFile;
        entry.activeKeyFile = entry.keyFile;
        await rm(join(this.#keyDir(), old), { force: true });
      }
    }
    // The CA of a held certificate only when no new answer brought one (a new CA wins).
    for (const [id, entry] of holding) {
      const held = await this.#held(id, entry);
      if (held === undefined) continue;
      if (entry.type === 'application') continue;
      const list =
        entry.type === 'server' ? view.server : entry.type === 'client' ? view.client : view.intermediate;
      list.push(held);
      view.ca ??= entry.accepted?.ca;
    }
    if (JSON.stringify(this.#entries) !== before) this.deps.store.setValue(V4_KEY, this.#entries);
    return view;
  }

  /**
   * The certificate on disk for a request that got no new one in this hook (a renewal or re-issue
   * pending, a retry, or bad data): the last accepted certificate with the key in use, checked
   * again, unless it has expired or was never written. Writing it again changes nothing.
   */
  async #held(id: string, entry: V4Entry): Promise<Checked | undefined> {
    const accepted = entry.accepted;
    if (accepted === undefined || this.deps.committed.certificates[id] === undefined) return undefined;
    try {
      const key = await readFile(join(this.#keyDir(), entry.activeKeyFile), 'utf8');
      const chain = chainAfterLeaf(accepted.certificate, accepted.chain);
      const validated = validateCertificate({
        cert: accepted.certificate,
        key,
        chain: chain.length === 0 ? undefined : chain.join('\n'),
        verifyCa: this.deps.options.verifyChain ? accepted.ca : undefined,
        allowExpired: true,
        badChain: 'drop',
      });
      if (validated.certificate.notAfter.getTime() <= this.deps.now.getTime()) return undefined;
      return {
        issued: {
          type: entry.type,
          commonName: entry.commonName,
          sourceKey: 'certificates',
          cert: accepted.certificate,
          key,
        },
        validated,
        chain: undefined,
      };
    } catch {
      // A key file gone or a certificate that no longer checks: nothing held.
      return undefined;
    }
  }

  /**
   * Makes the CSRs the requests need (new, changed SANs, due for renewal, revoked, key rotation),
   * writes each new key before its CSR exists, and returns the databag changes (key-level).
   */
  async publish(
    requests: readonly StoredRequest[],
    published: Readonly<Record<string, string>>,
    relationId: string,
  ): Promise<{ set: Record<string, string>; deleted: string[] } | undefined> {
    const wanted = new Set(
      requests.filter((r) => r.type !== 'application').map((r) => certId(r.type, r.commonName)),
    );
    let changed = false;
    for (const id of Object.keys(this.#entries)) {
      if (!wanted.has(id)) {
        delete this.#entries[id];
        delete this.deps.state.v4?.[id];
        changed = true;
      }
    }
    let csrLib: typeof import('@tls-client/csr') | undefined;
    for (const request of requests) {
      if (request.type === 'application') continue;
      const id = certId(request.type, request.commonName);
      const entry = this.#entries[id];
      const record = entry === undefined ? undefined : this.#record(id, entry, relationId);
      const plan = planCsr({
        request,
        entry,
        renewAt: record?.renewAt ?? null,
        now: this.deps.now,
        revoked: this.#revoked.has(id) || this.deps.expired === id,
        rotateKey: this.deps.rotateKeys.has(id),
        rotateKeyOnRenewal: this.deps.options.rotateKeyOnRenewal,
      });
      if (plan.action === 'keep') continue;
      csrLib ??= await import('@tls-client/csr');
      const generation = entry === undefined ? 0 : Number(/\.(\d+)\.pem$/.exec(entry.keyFile)?.[1] ?? 0);
      const keyFile = plan.newKey
        ? `${sha256(id).slice(0, 32)}.${entry === undefined ? 0 : generation + 1}.pem`
        : entry!.keyFile;
      const key = plan.newKey
        ? await this.#ensureKey(csrLib, keyFile)
        : await readFile(join(this.#keyDir(), keyFile), 'utf8');
      if (entry === undefined && this.deps.committed.certificates[id] === undefined)
        await this.#writeFirstKey(request, key);
      const sans = v4Sans(request);
      const csr = await csrLib.createCsr(key, {
        commonName: request.commonName,
        sansDns: sans.filter((s) => isIP(s) === 0),
        sansIp: sans.filter((s) => isIP(s) !== 0),
      });
      const next: V4Entry = {
        type: request.type,
        commonName: request.commonName,
        sans,
        csr,
        keyFile,
        activeKeyFile: entry === undefined ? keyFile : entry.activeKeyFile,
        sentAt: this.deps.now.toISOString(),
        reason: plan.reason,
        waitingOnError: false,
        retryableError: false,
        retries: plan.reason === 'retry' ? (entry?.retries ?? 0) + 1 : 0,
        ...(entry?.accepted === undefined ? {} : { accepted: entry.accepted }),
      };
      this.#entries[id] = next;
      const rec = this.#record(id, next, relationId);
      rec.requestErrors = [];
      if (plan.reason === 'renewal' || plan.reason === 'revoked') rec.renewalPending = true;
      if (plan.newKey && entry !== undefined) rec.keyRotationPending = true;
      changed = true;
    }
    if (changed) this.deps.store.setValue(V4_KEY, this.#entries);
    const list = Object.values(this.#entries).map((e) => ({
      certificateSigningRequest: e.csr,
      ca: e.type === 'intermediate',
    }));
    const changes = encodeCsrRequests({ current: published, requests: list });
    return changes.changed ? { set: { ...changes.set }, deleted: [...changes.deleted] } : undefined;
  }

  /** Creates or refreshes the renewal secrets (unit-owned, expiring at the renewal time). */
  async scheduleRenewals(): Promise<'secret-expiry' | 'hook-check'> {
    const { tools } = this.deps;
    if (!tools.supportsSecrets()) return 'hook-check';
    for (const [id, renewAt] of this.#secrets) {
      const label = `${RENEWAL_SECRET_PREFIX}${sha256(id).slice(0, 32)}`;
      await this.deps.tool(async () => {
        try {
          const info = await tools.secretInfoGet({ label });
          await tools.secretSet(info.id, { content: { certificate: id }, expire: new Date(renewAt) });
        } catch (error) {
          if ((error as { code?: unknown }).code !== 'ERR_HOOKENV_SECRET_NOT_FOUND') throw error;
          await tools.secretAdd({ certificate: id }, { label, owner: 'unit', expire: new Date(renewAt) });
        }
      });
    }
    return 'secret-expiry';
  }

  /** Removes every renewal secret (relation-broken). */
  async removeRenewalSecrets(ids: readonly string[]): Promise<void> {
    const { tools } = this.deps;
    if (!tools.supportsSecrets()) return;
    for (const id of ids) {
      const label = `${RENEWAL_SECRET_PREFIX}${sha256(id).slice(0, 32)}`;
      await this.deps.tool(async () => {
        try {
          const info = await tools.secretInfoGet({ label });
          await tools.secretRemove(info.id);
        } catch (error) {
          if ((error as { code?: unknown }).code !== 'ERR_HOOKENV_SECRET_NOT_FOUND') throw error;
        }
      });
    }
  }

  /** Forgets every CSR (relation-broken); key files stay for a later relation. */
  forgetCsrs(): string[] {
    const ids = Object.keys(this.#entries);
    if (ids.length > 0) this.deps.store.setValue(V4_KEY, {});
    this.#entries = {};
    this.deps.state.v4 = {};
    return ids;
  }

  /** The key in the state dir: reused when a killed hook already made it (never a second key). */
  async #ensureKey(csrLib: typeof import('@tls-client/csr'), keyFile: string): Promise<string> {
    const path = join(this.#keyDir(), keyFile);
    try {
      return await readFile(path, 'utf8');
    } catch {
      // Made below.
    }
    const key = await csrLib.generatePrivateKey({ type: this.deps.options.keyType });
    try {
      await mkdir(this.#keyDir(), { recursive: true, mode: 0o700 });
      await writeFileAtomic(path, key, { mode: 0o600 });
    } catch (error) {
      throw wrapError('ERR_LAYER_WRITE_FAILED', 'cannot store a private key in the unit state dir', error);
    }
    testKillPoint(this.deps.env, 'after-key');
    return key;
  }

  /**
   * A new request's key goes to its keyPath (0600 or keyMode from creation) before the CSR is
   * published, unless something is there already (files of an earlier unit or dialect, or a pair
   * the atomic writer manages): replacing only the key would break that pair, so the key then waits
   * in the state dir and is written together with its certificate, as after `rotateKey`.
   */
  async #writeFirstKey(request: StoredRequest, key: string): Promise<void> {
    const paths =
      this.deps.store.getValue<PathRegistry>(PATHS_KEY)?.[request.type as CertType]?.[request.commonName];
    if (paths?.key === null || paths?.key === undefined) return;
    if ((await lstat(paths.key).catch(() => undefined)) !== undefined) return;
    try {
      // The bytes cert-writer writes with the certificate later (one final newline), so that the
      // key file does not change when the pair is completed.
      await writeFileAtomic(paths.key, `${key.trimEnd()}\n`, {
        mode: paths.keyMode ?? 0o600,
        ...(paths.owner === null ? {} : { owner: paths.owner }),
        ...(paths.group === null ? {} : { group: paths.group }),
      });
    } catch (error) {
      throw wrapError(
        'ERR_LAYER_WRITE_FAILED',
        `cannot write the key of the ${request.type} certificate "${request.commonName}"`,
        error,
        paths.key,
      );
    }
  }
}
