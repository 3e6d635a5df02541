import { parseCsrSync } from '@tls-client/csr/forge';
import {
  type CertRequest,
  type CertType,
  decodeProviderData,
  decodeRequirerData,
  encodeProviderData,
  mangleUnitName,
  normalizeSans,
  type ProtocolError,
  type ProviderView,
} from '@tls-client/protocol';
import { padHuge, truncatePem, withTextDump } from './embedded-ca-faults.js';
import {
  type AnswerV4Options,
  type AnswerV4Result,
  answerV4,
  type SanPolicy,
  signCsr,
  type V4Authority,
  type V4Memory,
} from './embedded-ca-v4.js';
import type { FakeModel } from './fake-model.js';
import { createIssuer, generateKeyPair, type Issuer, issueCertificate, type KeyType } from './x509.js';

/**
 * Deliberately bad provider data for fault tests:
 * - `garbage-json`: the `<U>.processed_*` maps are not JSON;
 * - `mismatched-key`: every key belongs to a different certificate;
 * - `truncated-pem`: every certificate is cut off before its END line;
 * - `text-dump`: an `openssl x509 -text` dump precedes every PEM (CA included); valid, must be accepted;
 * - `huge-value`: certificates and CA preceded by over 1 MiB of text dump (valid PEM, huge value);
 * - `key-as-cert`: the certificate field holds the private key.
 */
export type FaultMode =
  | 'garbage-json'
  | 'mismatched-key'
  | 'truncated-pem'
  | 'text-dump'
  | 'huge-value'
  | 'key-as-cert';

const FAULT_MODES: readonly FaultMode[] = [
  'garbage-json',
  'mismatched-key',
  'truncated-pem',
  'text-dump',
  'huge-value',
  'key-as-cert',
];

/** Options of {@link EmbeddedCa.create}. The {@link SanPolicy} fields apply to v4 answers. */
export interface EmbeddedCaOptions extends SanPolicy {
  /** CN of the root CA. Default `Embedded Test CA`. */
  commonName?: string;
  /** Validity of issued certificates in days, from now. Default 365. Zero or less gives expired certificates. */
  validityDays?: number;
  /** Validity of the CA (and intermediate) in days. Default 3650. */
  caValidityDays?: number;
  /** Sign leaves with an intermediate CA, published as `chain`. Default false. */
  withIntermediate?: boolean;
  /** Key algorithm of the CA and issued keys: EC P-256 (default, fast) or RSA 2048. */
  keyType?: KeyType;
}

/** Options of {@link EmbeddedCa.answer}. */
export interface AnswerOptions {
  /** The provider unit that publishes. Default: the relation's first remote unit, else `<remote app>/0` (added). */
  providerUnit?: string;
  /** Publish deliberately bad data instead (re-issues every request). */
  fault?: FaultMode;
  /** Also publish the deprecated global `client.cert` / `client.key`. */
  globalClient?: boolean;
  /** Shape of intermediate answers: `per-cn` (default, the reactive provider) or `app_data`. */
  intermediateShape?: 'per-cn' | 'app_data';
  /** Size the `huge-value` fault pads values to, in bytes. Default 1 MiB + 1. */
  hugeValueBytes?: number;
}

/** What one {@link EmbeddedCa.answer} did. */
export interface AnswerResult {
  /** Certificates issued (requests not already answered, or all with a fault or after rotate). */
  issued: number;
  /** The provider unit that published. */
  providerUnit: string;
  /** The requirer's mangled unit name, the prefix of the answer keys. */
  unitName: string;
  /** Requests the codec could not read from the requirer's databag. */
  problems: ProtocolError[];
}

/** A certificate and key from {@link EmbeddedCa.issue}. */
export interface IssuedPair {
  cert: string;
  key: string;
}

const DAY_MS = 86_400_000;

function validity(days: number, now = Date.now()): { notBefore: Date; notAfter: Date } {
  const notAfter = new Date(now + days * DAY_MS);
  // A minute of slack for clock skew; with days <= 0 the certificate is already expired.
  const notBefore = new Date(Math.min(now - 60_000, notAfter.getTime() - DAY_MS));
  return { notBefore, notAfter };
}

function usageOf(type: CertType): 'server' | 'client' | 'both' | 'ca' {
  if (type === 'server') return 'server';
  if (type === 'client') return 'client';
  if (type === 'application') return 'both';
  return 'ca';
}

/**
 * A certificate authority that plays the provider side of the legacy `tls-certificates` relation
 * against a {@link FakeModel}: it reads our unit's committed requests, issues certificates (server
 * certs with serverAuth, client certs with clientAuth, SANs as DNS or IP entries) and publishes CA,
 * chain and answers into a provider unit's databag exactly as the reactive provider does.
 *
 * @example
 * const ca = await EmbeddedCa.create({ withIntermediate: true });
 * await model.runHook('certificates-relation-joined');  // the charm publishes its requests
 * await ca.answer(model, rel);                            // the provider answers
 * await model.runHook('certificates-relation-changed');  // the charm writes its files
 */
export class EmbeddedCa {
  #root: Issuer;
  #intermediate: Issuer | undefined;
  #generation = 0;
  readonly #options: Required<Omit<EmbeddedCaOptions, keyof SanPolicy>>;
  readonly #policy: SanPolicy;
  readonly #v4Memory: V4Memory = new Map();
  // Per (relation, provider unit, requirer, type, CN): the SANs and CA generation last published.
  readonly #published = new Map<string, { sans: string; generation: number; cert: string }>();

  private constructor(options: EmbeddedCaOptions) {
    this.#options = {
      commonName: options.commonName ?? 'Embedded Test CA',
      validityDays: options.validityDays ?? 365,
      caValidityDays: options.caValidityDays ?? 3650,
      withIntermediate: options.withIntermediate ?? false,
      keyType: options.keyType ?? 'ec',
    };
    this.#policy = {
      refuseIpSans: options.refuseIpSans,
      refuseWildcardDns: options.refuseWildcardDns,
      allowedDomains: options.allowedDomains,
    };
    if (!['ec', 'rsa'].includes(this.#options.keyType)) throw new TypeError("keyType must be 'ec' or 'rsa'");
    if (!Number.isFinite(this.#options.validityDays)) throw new TypeError('validityDays must be a number');
    [this.#root, this.#intermediate] = this.#makeIssuers();
  }

  /** Creates the CA (and intermediate) with fresh keys. */
  static async create(options: EmbeddedCaOptions = {}): Promise<EmbeddedCa> {
    return new EmbeddedCa(options);
  }

  #makeIssuers(): [Issuer, Issuer | undefined] {
    const { commonName, caValidityDays, keyType, withIntermediate } = this.#options;
    const suffix = this.#generation === 0 ? '' : ` (${this.#generation})`;
    const root = createIssuer(
      `${commonName}${suffix}`,
      keyType,
      validity(caValidityDays),
      undefined,
      withIntermediate ? 1 : undefined,
    );
    const intermediate = withIntermediate
      ? createIssuer(`${commonName} Intermediate${suffix}`, keyType, validity(caValidityDays), root, 0)
      : undefined;
    return [root, intermediate];
  }

  /** The root CA certificate (PEM), published as `ca`. */
  get caPem(): string {
    return this.#root.certPem;
  }

  /** The intermediate (PEM), published as `chain`; undefined without `withIntermediate`. */
  get chainPem(): string | undefined {
    return this.#intermediate?.certPem;
  }

  /** How many times {@link EmbeddedCa.rotate} ran. */
  get generation(): number {
    return this.#generation;
  }

  /**
   * Issues one certificate and key for a request, outside any relation. Intermediate requests get a
   * CA certificate (path length 0).
   */
  issue(request: CertRequest, options: { validityDays?: number } = {}): IssuedPair {
    if (typeof request?.commonName !== 'string' || request.commonName === '') {
      throw new TypeError('request.commonName must be a non-empty string');
    }
    const key = generateKeyPair(this.#options.keyType);
    const usage = usageOf(request.type);
    const cert = issueCertificate(
      {
        commonName: request.commonName,
        sans: request.sans ?? [],
        usage,
        pathLength: usage === 'ca' ? 0 : undefined,
        ...validity(options.validityDays ?? this.#options.validityDays),
      },
      key,
      this.#intermediate ?? this.#root,
    );
    return { cert, key: key.keyPem };
  }

  /**
   * Signs one v4 CSR outside any relation, as {@link EmbeddedCa.answerV4} does, and returns the
   * certificate with the `ca` and `chain` it would publish.
   * @throws {CsrError} (from `@tls-client/csr`) for a CSR that does not parse.
   */
  signCsr(
    csrPem: string,
    options: { ca?: boolean } = {},
  ): { certificate: string; ca: string; chain: string[] } {
    const authority = this.#v4Authority();
    const certificate = signCsr(parseCsrSync(csrPem), options.ca ?? false, authority).trim();
    return {
      certificate,
      ca: authority.rootPem.trim(),
      chain: [certificate, ...authority.chainAfterLeaf.map((p) => p.trim())],
    };
  }

  /** Replaces the CA (and intermediate) with new keys; the next {@link EmbeddedCa.answer} re-issues everything. */
  async rotate(): Promise<void> {
    this.#generation += 1;
    [this.#root, this.#intermediate] = this.#makeIssuers();
  }

  /**
   * Plays the v4 provider (protocol-v4 §3, charmlibs 1.10) for `relationId`: reads the CSRs of
   * our unit's databag, of `otherUnits` and of our application's databag; signs each new one as
   * the Python reference signer does (subject and SANs from the CSR, chain `[cert, intermediate?,
   * root]`, `ca` the root); and publishes `certificates` (CSR echoed in canonical PEM) and
   * `request_errors` (CSRs the SAN policy refuses) in the provider's application databag. Entries
   * whose CSR is gone are removed; after {@link EmbeddedCa.rotate}, the first answer marks every
   * older entry `revoked: true` and the next one signs those CSRs again.
   * @throws {TestingError} `ERR_TESTING_UNKNOWN_RELATION` for an unknown relation.
   */
  async answerV4(
    model: FakeModel,
    relationId: string,
    options: AnswerV4Options = {},
  ): Promise<AnswerV4Result> {
    return answerV4(this.#v4Authority(), this.#v4Memory, model, relationId, options);
  }

  #v4Authority(): V4Authority {
    const intermediate = this.#intermediate === undefined ? [] : [this.#intermediate.certPem];
    return {
      issuer: this.#intermediate ?? this.#root,
      rootPem: this.#root.certPem,
      chainAfterLeaf: [...intermediate, this.#root.certPem],
      generation: this.#generation,
      validity: (expired) => validity(expired ? -1 : this.#options.validityDays),
      policy: this.#policy,
    };
  }

  /**
   * Answers our unit's committed requests in `relationId` from a provider unit's databag, and
   * publishes `ca` (and `chain`). Requests already answered with the same SANs by this CA generation
   * are left as they are.
   * @throws {TestingError} `ERR_TESTING_UNKNOWN_RELATION` for an unknown relation.
   */
  async answer(model: FakeModel, relationId: string, options: AnswerOptions = {}): Promise<AnswerResult> {
    const fault = options.fault;
    if (fault !== undefined && !FAULT_MODES.includes(fault))
      throw new TypeError(`unknown fault mode ${JSON.stringify(fault)}`);
    const remoteApp = model.remoteApp(relationId);
    const providerUnit = options.providerUnit ?? model.remoteUnits(relationId)[0] ?? `${remoteApp}/0`;
    if (!model.remoteUnits(relationId).includes(providerUnit)) {
      model.addRemoteUnit(relationId, providerUnit, {
        'private-address': '10.0.1.1',
        'ingress-address': '10.0.1.1',
        'egress-subnets': '10.0.1.1/32',
      });
    }
    const decoded = decodeRequirerData(model.localUnitData(relationId), model.unit, { relationId });
    const current = model.remoteUnitData(relationId, providerUnit);
    const shape = options.intermediateShape ?? 'per-cn';
    const view = (data: Record<string, string>) =>
      decodeProviderData({
        unitName: model.unit,
        units: [{ relationId, unit: providerUnit, data }],
        published: model.localUnitData(relationId),
        intermediateShape: shape,
      });
    const before = view(current);
    const answers: {
      unitName: string;
      request: CertRequest & { topLevel?: boolean };
      cert: string;
      key: string;
    }[] = [];
    const records: [string, { sans: string; generation: number; cert: string }][] = [];
    for (const request of decoded.requests) {
      const id = [relationId, providerUnit, decoded.unitName, request.type, request.commonName].join(
        '\u0000',
      );
      const sans = JSON.stringify(normalizeSans(request.sans));
      const last = this.#published.get(id);
      const stillPublished = last !== undefined && publishedCert(before, request, shape) === last.cert;
      if (fault === undefined && stillPublished && last.sans === sans && last.generation === this.#generation)
        continue;
      const pair = this.issue(request);
      records.push([id, { sans, generation: this.#generation, cert: pair.cert }]);
      answers.push({
        unitName: decoded.unitName,
        request: {
          type: request.type,
          commonName: request.commonName,
          sans: request.sans,
          topLevel: request.topLevel,
        },
        ...pair,
      });
    }
    const hugeBytes = options.hugeValueBytes ?? 1024 * 1024 + 1;
    let ca = this.caPem;
    let chain = this.chainPem;
    if (fault === 'text-dump') {
      ca = withTextDump(ca);
      chain = chain === undefined ? undefined : withTextDump(chain);
    }
    if (fault === 'huge-value') ca = padHuge(ca, hugeBytes);
    for (const answer of answers) {
      if (fault === 'mismatched-key') answer.key = generateKeyPair(this.#options.keyType).keyPem;
      if (fault === 'truncated-pem') answer.cert = truncatePem(answer.cert);
      if (fault === 'text-dump') answer.cert = withTextDump(answer.cert);
      if (fault === 'huge-value') answer.cert = padHuge(answer.cert, hugeBytes);
      if (fault === 'key-as-cert') answer.cert = answer.key;
    }
    const globalClient = options.globalClient
      ? this.issue({ type: 'client', commonName: 'client', sans: null })
      : undefined;
    const changes = encodeProviderData({
      current,
      ca,
      // EncodeProviderDataInput (protocol) declares these without `| undefined`.
      ...(chain === undefined ? {} : { chain }),
      ...(globalClient === undefined ? {} : { globalClient }),
      answers,
      intermediateShape: shape,
    });
    const data = changes.data;
    if (fault === 'garbage-json') {
      // Spoil every answer map the encoder wrote for this unit (read back with the decoder).
      const after = view(data);
      const issued = [
        ...after.server,
        ...after.client,
        ...after.intermediate,
        ...(after.application ? [after.application] : []),
      ];
      const maps = new Set(issued.map((c) => c.sourceKey).filter((key) => data[key]?.startsWith('{')));
      if (maps.size === 0) maps.add(`${mangleUnitName(decoded.unitName)}.processed_requests`);
      for (const key of maps) data[key] = '{"this is": not json';
    }
    model.setRemoteUnitData(relationId, providerUnit, data, { replace: true });
    // Faulty answers are not remembered, so the next clean answer replaces them.
    for (const [id, record] of records) {
      if (fault === undefined) this.#published.set(id, record);
      else this.#published.delete(id);
    }
    return { issued: answers.length, providerUnit, unitName: decoded.unitName, problems: decoded.problems };
  }
}

// The certificate currently published for a request, as the protocol's decoder reads it.
function publishedCert(
  view: ProviderView,
  request: CertRequest,
  shape: 'per-cn' | 'app_data',
): string | undefined {
  if (request.type === 'application') return view.application?.cert;
  const name = request.type === 'intermediate' && shape === 'app_data' ? 'app_data' : request.commonName;
  const list = { server: view.server, client: view.client, intermediate: view.intermediate }[request.type];
  return list.find((c) => c.commonName === name)?.cert;
}
