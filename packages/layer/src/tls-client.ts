import type { FlagStore } from '@tls-client/flags';
import { FlagsError, runHook } from '@tls-client/flags';
import { getHookContext, HookTools } from '@tls-client/hookenv';
import type { CertType } from '@tls-client/protocol';
import { acknowledgeChanges, type Changes, pendingChanges } from './changes.js';
import { wrapError } from './errors.js';
import { endpointFlags, TLS_CLIENT_FLAGS } from './flag-names.js';
import { HookRun } from './hook-run.js';
import { openFlagStore } from './locate-state.js';
import { applyRequest, type PendingRequest } from './request-registry.js';
import { certId, type Problem, REQUESTS_KEY, type StoredRequest } from './state.js';

/** Where one requested certificate's files go. Omit both paths to request without writing (W3). */
export interface CertFileOptions {
  certPath?: string;
  keyPath?: string;
  /** Also write the chain alone here. */
  chainPath?: string;
  /** Also write the leaf followed by the chain here (the cert file already has that, as in the original). */
  fullchainPath?: string;
  owner?: string | number;
  group?: string | number;
  /** Default `0o644`. */
  certMode?: number;
  /** Default `0o600` (`0o640` is sensible with a `group`). Applied when the file is created (W1). */
  keyMode?: number;
}

/** Options of {@link TlsClient}. */
export interface TlsClientOptions {
  /** The relation endpoint. Default `'certificates'` (W15). */
  endpoint?: string;
  /** An extra copy of the CA, always newline-terminated (W8). */
  caCertificatePath?: string;
  /** @deprecated Use `requestServerCert(cn, sans, { certPath })`. The first server certificate + chain. */
  serverCertificatePath?: string;
  /** @deprecated Use `requestServerCert(cn, sans, { keyPath })`. */
  serverKeyPath?: string;
  /** @deprecated Use `requestClientCert(cn, sans, { certPath })`. The provider's global client certificate. */
  clientCertificatePath?: string;
  /** @deprecated Use `requestClientCert(cn, sans, { keyPath })`. */
  clientKeyPath?: string;
  /** Install the CA into the system trust store. Default `true`. */
  installCa?: boolean;
  /** Keep trusting the CA after the relation is removed. Default `false` (W11). */
  keepCaOnBroken?: boolean;
  /** Remove the certificate, key and CA files the layer wrote when the relation is removed. Default `false`. */
  removeFilesOnBroken?: boolean;
  /**
   * Verify that every certificate chains, through the published `chain`, to the published `ca`
   * (signatures and issuer names); one that does not is skipped as a problem. Default `true`. Set
   * `false` only for a provider that publishes a `ca` unrelated to the certificates it issues.
   */
  verifyChain?: boolean;
  /**
   * The dialect: `'legacy'` (the provider makes the key), `'v4'` (CSRs; the key never leaves the
   * unit) or `'auto'` (default: both side by side until the provider answers in one, then only that
   * one; against a legacy provider the key then travels, as legacy requires).
   */
  protocol?: 'auto' | 'legacy' | 'v4';
  /** v4: renew once this fraction of a certificate's validity has passed; `0.5 < f ≤ 1`, default `0.9`. */
  renewAt?: number;
  /** v4: make a new key at each renewal (default `false`: the key is kept). */
  rotateKeyOnRenewal?: boolean;
  /** v4: the key type made on the unit: `'rsa'` (2048 bits, default, as the Python requirer) or `'ec'` (P-256). */
  keyType?: 'rsa' | 'ec';
  /** The environment: hook context, `TLS_CLIENT_STATE_DIR`, `TLS_CLIENT_TRUST_ROOT`, `TLS_CLIENT_DISTRO`. */
  env?: NodeJS.ProcessEnv;
}

/** What one `run()` did. */
export interface RunResult {
  hook: string;
  /** Whether a relation exists on the endpoint (requests can be published). */
  connected: boolean;
  /** Files created or updated in this hook. */
  filesWritten: string[];
  /** Whether the CA was installed into (or refreshed in) the trust store in this hook. */
  caInstalled: boolean;
  /** How many `relation-set` calls the hook made (0 when nothing changed). */
  relationSets: number;
  /** Every problem of this hook; `severity: 'warning'` ones are about data we did not request. */
  problems: Problem[];
  /**
   * What changed in this hook: certificates whose files changed, and whether the CA changed. Judged
   * against the last committed hook, so a hook killed before its commit is reported by the next one.
   */
  changes: Changes;
  /** Every certificate the layer holds files for, with its expiry (expired ones are kept; see README). */
  certificates: CertificateInfo[];
  /** The dialect of each relation on the endpoint (`'unknown'` while `auto` still waits). */
  dialects: Record<string, 'legacy' | 'v4' | 'unknown'>;
  /** v4: certificates renewed in this hook (a renewal's or a revocation's new certificate arrived). */
  renewed: { type: CertType; commonName: string }[];
  /** v4: certificates whose key rotation completed in this hook (new key and certificate written together). */
  rotated: { type: CertType; commonName: string }[];
}

/** A certificate the layer wrote, as {@link RunResult.certificates} lists it. */
export interface CertificateInfo {
  type: CertType;
  commonName: string;
  /** ISO time the certificate expires. */
  notAfter: string;
  /** Whether it has expired (it is still written and used; the log has a WARNING). */
  expired: boolean;
}

/** The options after defaults; internal. */
export type ResolvedOptions = TlsClientOptions & {
  endpoint: string;
  installCa: boolean;
  keepCaOnBroken: boolean;
  verifyChain: boolean;
  protocol: 'auto' | 'legacy' | 'v4';
  renewAt: number;
  rotateKeyOnRenewal: boolean;
  keyType: 'rsa' | 'ec';
};

/** A flag handler of the charm. */
export type Handler = () => void | Promise<void>;

/** A charm handler waiting for `run()`; internal. */
export interface HandlerRegistration {
  kind: 'when' | 'whenNot' | 'whenAny' | 'whenNone';
  flags: string | string[];
  handler: Handler;
  name: string | undefined;
}

const DEFAULT_ENDPOINT = 'certificates';

/**
 * The tls-client layer: declare the certificates a unit needs, then call `run()` on every hook.
 *
 * @example
 * ```ts
 * const tls = new TlsClient({ caCertificatePath: '/etc/myapp/ca.crt' });
 * tls.requestServerCert('10.0.0.5', ['10.0.0.5', 'myapp.internal'], {
 *   certPath: '/etc/myapp/server.crt', keyPath: '/etc/myapp/server.key',
 * });
 * tls.when('tls_client.server.certs.changed', async () => {
 *   await restartMyApp();
 *   tls.flags.clear('tls_client.server.certs.changed');
 * });
 * await tls.run();
 * ```
 */
export class TlsClient {
  readonly #options: ResolvedOptions;
  readonly #env: NodeJS.ProcessEnv;
  readonly #pending = new Map<string, PendingRequest>();
  readonly #handlers: HandlerRegistration[] = [];
  readonly #rotateKeys = new Set<string>();
  #store: FlagStore | undefined;
  #problems: Problem[] = [];
  #running = false;

  constructor(options: TlsClientOptions = {}) {
    if (options.endpoint !== undefined && (typeof options.endpoint !== 'string' || options.endpoint === '')) {
      throw new TypeError('endpoint must be a non-empty string');
    }
    for (const name of [
      'caCertificatePath',
      'serverCertificatePath',
      'serverKeyPath',
      'clientCertificatePath',
      'clientKeyPath',
    ] as const) {
      const value = options[name];
      if (value !== undefined && typeof value !== 'string') throw new TypeError(`${name} must be a string`);
    }
    if (options.protocol !== undefined && !['auto', 'legacy', 'v4'].includes(options.protocol)) {
      throw new TypeError("protocol must be 'auto', 'legacy' or 'v4'");
    }
    if (
      options.renewAt !== undefined &&
      (typeof options.renewAt !== 'number' || !(options.renewAt > 0.5 && options.renewAt <= 1))
    ) {
      throw new TypeError('renewAt must be a number with 0.5 < renewAt <= 1');
    }
    if (options.keyType !== undefined && options.keyType !== 'rsa' && options.keyType !== 'ec') {
      throw new TypeError("keyType must be 'rsa' or 'ec'");
    }
    this.#options = {
      ...options,
      protocol: options.protocol ?? 'auto',
      renewAt: options.renewAt ?? 0.9,
      rotateKeyOnRenewal: options.rotateKeyOnRenewal ?? false,
      keyType: options.keyType ?? 'rsa',
      endpoint: options.endpoint ?? DEFAULT_ENDPOINT,
      installCa: options.installCa ?? true,
      keepCaOnBroken: options.keepCaOnBroken ?? false,
      verifyChain: options.verifyChain ?? true,
    };
    this.#env = options.env ?? process.env;
  }

  /** The endpoint this client works on. */
  get endpoint(): string {
    return this.#options.endpoint;
  }

  /**
   * The unit's flag store. Available once `run()` has started: change flags inside handlers, since
   * only what happens before `run()` resolves is committed.
   * @throws TypeError before `run()`.
   */
  get flags(): FlagStore {
    if (this.#store === undefined) throw new TypeError('tlsClient.flags is available once run() has started');
    return this.#store;
  }

  /**
   * Requests a server certificate. The same common name again is the same certificate (its SANs are
   * replaced); paths given are remembered across hooks, and changing one rewrites the files there.
   */
  requestServerCert(commonName: string, sans?: readonly string[], files?: CertFileOptions): void {
    this.#request('server', commonName, sans ?? [], files, false);
  }

  /** Requests a client certificate; `sans` defaults to `null` on the wire, as in the original. */
  requestClientCert(commonName: string, sans?: readonly string[] | null, files?: CertFileOptions): void {
    this.#request('client', commonName, sans ?? null, files, true);
  }

  /** Requests the application certificate (one per application, answered as `app_data`). */
  requestApplicationCert(commonName: string, sans?: readonly string[] | null, files?: CertFileOptions): void {
    this.#request('application', commonName, sans ?? null, files, true);
  }

  /** Requests an intermediate CA certificate. */
  requestIntermediateCert(commonName: string, sans?: readonly string[], files?: CertFileOptions): void {
    this.#request('intermediate', commonName, sans ?? [], files, false);
  }

  /**
   * v4: makes a new key and a new CSR for this certificate in the next `run()`. The files switch only
   * when the new certificate arrives; until then the old certificate and key stay as a matching pair.
   * @throws TypeError for an unknown type or an empty common name.
   */
  rotateKey(type: CertType, commonName: string): void {
    if (!['server', 'client', 'application', 'intermediate'].includes(type)) {
      throw new TypeError(`unknown certificate type ${JSON.stringify(type)}`);
    }
    if (typeof commonName !== 'string' || commonName === '') {
      throw new TypeError('commonName must be a non-empty string');
    }
    this.#rotateKeys.add(certId(type, commonName));
  }

  /** Runs `handler` in `run()` while all of `flags` are set, after the layer's own work. */
  when(flags: string | string[], handler: Handler, name?: string): this {
    return this.#register('when', flags, handler, name);
  }
  /** Runs `handler` in `run()` while none of `flags` is set (reactive's `when_not`). */
  whenNot(flags: string | string[], handler: Handler, name?: string): this {
    return this.#register('whenNot', flags, handler, name);
  }
  /** Runs `handler` in `run()` while any of `flags` is set. */
  whenAny(flags: string | string[], handler: Handler, name?: string): this {
    return this.#register('whenAny', flags, handler, name);
  }
  /** Runs `handler` in `run()` while none of `flags` is set. */
  whenNone(flags: string | string[], handler: Handler, name?: string): this {
    return this.#register('whenNone', flags, handler, name);
  }

  /**
   * Runs `handler` in `run()` while a change is pending (a certificate's files or the CA changed,
   * in this hook or an earlier one not acknowledged), after the layer's own work; when it resolves,
   * the change is acknowledged ({@link acknowledgeChanges}). If it throws, the hook fails, nothing is
   * committed, and the change is reported again on the retry. **Reload your workload here.**
   */
  whenChanged(handler: (changes: Changes) => void | Promise<void>, name?: string): this {
    if (typeof handler !== 'function') throw new TypeError('handler must be a function');
    return this.#register(
      'whenAny',
      [TLS_CLIENT_FLAGS.certFilesChanged, endpointFlags(this.#options.endpoint).caChanged],
      async () => {
        await handler(this.changes());
        this.acknowledgeChanges();
      },
      name ?? 'tls-client:when-changed',
    );
  }

  /**
   * The changes not acknowledged yet (in this hook or earlier ones), from the `*.changed` flags.
   * @throws TypeError before `run()`.
   */
  changes(): Changes {
    const store = this.flags;
    return pendingChanges(store, this.#options.endpoint, store.getValue<StoredRequest[]>(REQUESTS_KEY) ?? []);
  }

  /**
   * Acknowledges every pending change in one call: clears every `*.changed` flag of the layer
   * (`tls_client.*.changed`) and of its endpoint (`<endpoint>.*.changed`). Call it inside a handler
   * (the clearing is committed with the hook), after reloading the workload.
   * @throws TypeError outside `run()`.
   */
  acknowledgeChanges(): void {
    if (!this.#running) throw new TypeError('acknowledgeChanges() works inside run(), in a handler');
    acknowledgeChanges(this.flags, this.#options.endpoint);
  }

  /**
   * Clears the `written` flag of a certificate type so the charm is told again next time the file
   * is written. Fixes W9: `'ca'` clears `tls_client.ca.written`.
   * @throws TypeError for an unknown type, or before `run()`.
   */
  resetCertificateWriteFlag(type: 'server' | 'client' | 'ca'): void {
    const flag = {
      server: TLS_CLIENT_FLAGS.serverCertificateWritten,
      client: TLS_CLIENT_FLAGS.clientCertificateWritten,
      ca: TLS_CLIENT_FLAGS.caWritten,
    }[type];
    if (flag === undefined) throw new TypeError(`unknown certificate type ${JSON.stringify(type)}`);
    this.flags.clear(flag);
  }

  /** The provider data skipped by the last `run()` (empty when all was well). */
  problems(): Problem[] {
    return this.#problems.map((p) => ({ ...p }));
  }

  /**
   * The hook: reads the relation, decodes the provider's answer, writes files, installs the CA,
   * runs the charm's handlers, publishes requests (diff only), then commits flags. Everything or
   * nothing of the flag state is committed.
   *
   * @throws LayerError `ERR_LAYER_WRITE_FAILED`, `ERR_LAYER_CA_INSTALL_FAILED`,
   *   `ERR_LAYER_HOOK_TOOL_FAILED`, `ERR_LAYER_STATE_FAILED` — our own failures, so the hook fails
   *   and Juju retries it. Bad provider data never rejects; see {@link TlsClient.problems}.
   */
  async run(): Promise<RunResult> {
    if (this.#running) throw new TypeError('run() is already running');
    this.#running = true;
    try {
      const ctx = getHookContext(this.#env);
      // Read the required context first, so that outside a hook the hookenv error surfaces as is.
      const charmDir = ctx.charmDir;
      void ctx.unitName;
      let store: FlagStore;
      try {
        store = openFlagStore({ env: this.#env, charmDir });
      } catch (error) {
        throw wrapError('ERR_LAYER_STATE_FAILED', 'cannot open the unit flag store', error);
      }
      this.#store = store;
      const tools = new HookTools({ env: this.#env });
      const hookRun = new HookRun(
        this.#options,
        this.#env,
        ctx,
        store,
        tools,
        this.#pending,
        this.#handlers,
        undefined,
        this.#rotateKeys,
      );
      try {
        await runHook(store, () => hookRun.execute());
      } catch (error) {
        // The charm's own handler errors pass through unchanged; the flag store's become ours.
        const wrapped =
          error instanceof FlagsError
            ? wrapError('ERR_LAYER_STATE_FAILED', 'cannot commit the unit flag store', error)
            : error;
        const message = wrapped instanceof Error ? wrapped.message : String(wrapped);
        await tools
          .jujuLog(`tls-client: hook failed, flags not committed: ${message}`, 'ERROR')
          .catch(() => undefined);
        throw wrapped;
      }
      this.#problems = hookRun.problems;
      return hookRun.result();
    } finally {
      this.#running = false;
    }
  }

  #request(
    type: CertType,
    commonName: string,
    sans: readonly string[] | null,
    files: CertFileOptions | undefined,
    nullableSans: boolean,
  ): void {
    if (typeof commonName !== 'string' || commonName === '') {
      throw new TypeError('commonName must be a non-empty string');
    }
    if (sans !== null && (!Array.isArray(sans) || sans.some((s) => typeof s !== 'string'))) {
      throw new TypeError(
        nullableSans ? 'sans must be an array of strings or null' : 'sans must be an array of strings',
      );
    }
    if (files !== undefined) validateFileOptions(files);
    const entry: PendingRequest = {
      request: { type, commonName, sans: sans === null ? null : [...sans] },
      files: files === undefined ? undefined : { ...files },
    };
    // Requests made inside a handler go straight into the open store; earlier ones wait for run().
    if (this.#store !== undefined && this.#running) {
      applyRequest(this.#store, entry);
    } else {
      this.#pending.set(certId(type, commonName), entry);
    }
  }

  #register(
    kind: HandlerRegistration['kind'],
    flags: string | string[],
    handler: Handler,
    name?: string,
  ): this {
    if (typeof handler !== 'function') throw new TypeError('handler must be a function');
    if (typeof flags !== 'string' && !(Array.isArray(flags) && flags.every((f) => typeof f === 'string'))) {
      throw new TypeError('flags must be a string or an array of strings');
    }
    this.#handlers.push({ kind, flags, handler, name });
    return this;
  }
}

function validateFileOptions(files: CertFileOptions): void {
  for (const name of ['certPath', 'keyPath', 'chainPath', 'fullchainPath'] as const) {
    const value = files[name];
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      throw new TypeError(`${name} must be a non-empty string`);
    }
  }
  for (const name of ['certMode', 'keyMode'] as const) {
    const value = files[name];
    if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > 0o777)) {
      throw new TypeError(`${name} must be a file mode between 0 and 0o777`);
    }
  }
}
