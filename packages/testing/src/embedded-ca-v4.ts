// The EmbeddedCa's v4 provider side: read the CSRs of the requirer's unit and app databags, sign
// them as the Python provider's reference signer does (protocol-v4 §3.3), and publish
// `certificates` (and `request_errors`) in the provider's app databag with protocol's encoder.
import { CsrError, type ParsedCsr } from '@tls-client/csr';
import { createCsrSync, parseCsrSync, pemToDer } from '@tls-client/csr/forge';
import type { ProtocolError } from '@tls-client/protocol';
import {
  decodeProviderAppData,
  decodeRequirerRequests,
  encodeProviderAppData,
  type ProviderCapabilities,
  type ProviderCertificateInput,
  pemEquals,
  REQUEST_ERROR_CODES,
  type RequestErrorEntry,
  type RequirerUnitDatabag,
} from '@tls-client/protocol/v4';
import { truncatePem } from './embedded-ca-faults.js';
import type { FakeModel } from './fake-model.js';
import { generateKeyPair, type Issuer, issueCertificate } from './x509.js';

/**
 * Deliberately bad (or unusual) v4 provider data for fault tests:
 * - `other-csr`: each certificate was issued for another CSR (other subject, SANs and key);
 * - `wrong-key`: each certificate has the CSR's subject and SANs but another public key;
 * - `missing-chain`: no `chain` field (the v4 model tolerates it);
 * - `reversed-chain`: `chain` ordered root → leaf;
 * - `garbage-json`: the `certificates` value is not JSON;
 * - `truncated-pem`: each certificate (and `chain[0]`) is cut off before its END line;
 * - `expired`: each certificate expired a day ago;
 * - `revoked`: each entry carries `revoked: true`;
 * - `reserialised-csr`: the CSR is echoed with 76-column lines (valid: compare canonically);
 * - `duplicate-entry`: two entries, with two different valid certificates, for each CSR.
 */
export type V4FaultMode =
  | 'other-csr'
  | 'wrong-key'
  | 'missing-chain'
  | 'reversed-chain'
  | 'garbage-json'
  | 'truncated-pem'
  | 'expired'
  | 'revoked'
  | 'reserialised-csr'
  | 'duplicate-entry';

export const V4_FAULT_MODES: readonly V4FaultMode[] = [
  'other-csr',
  'wrong-key',
  'missing-chain',
  'reversed-chain',
  'garbage-json',
  'truncated-pem',
  'expired',
  'revoked',
  'reserialised-csr',
  'duplicate-entry',
];

/** What the CA refuses to sign; each refusal is published in `request_errors`. */
export interface SanPolicy {
  /** Refuse IP SANs: code 101 `IP_NOT_ALLOWED`. */
  refuseIpSans?: boolean | undefined;
  /** Refuse wildcard DNS SANs: code 103 `WILDCARD_NOT_ALLOWED`. */
  refuseWildcardDns?: boolean | undefined;
  /** Sign only DNS SANs equal to or under one of these domains: else code 102 `DOMAIN_NOT_ALLOWED`. */
  allowedDomains?: readonly string[] | undefined;
}

/** Options of {@link EmbeddedCa.answerV4}. */
export interface AnswerV4Options {
  /**
   * Databags of other units of the requirer application (unit name → data), read beside our
   * unit's, as the provider sees every requirer unit.
   */
  otherUnits?: Readonly<Record<string, Readonly<Record<string, string>>>> | undefined;
  /** A provider unit to add to the relation if it has none. Default `<remote app>/0`. */
  providerUnit?: string | undefined;
  /** Publish deliberately bad data instead (re-issues every request). */
  fault?: V4FaultMode | undefined;
  /**
   * The CA backend is down: every CSR that needs a new certificate gets a `request_errors` entry
   * 201 `SERVER_NOT_AVAILABLE` instead (entries already issued stay), as a provider whose backend
   * cannot be reached publishes.
   */
  unavailable?: boolean | undefined;
  /** Publish `capabilities` (`null` deletes the key). Default: leave the key as it is. */
  capabilities?: ProviderCapabilities | null | undefined;
}

/** What one {@link EmbeddedCa.answerV4} did. */
export interface AnswerV4Result {
  /** Certificates newly signed. */
  issued: number;
  /** Entries left as they were (same CSR, same CA generation). */
  kept: number;
  /** Entries marked `revoked: true` because the CA rotated since they were issued. */
  revoked: number;
  /** CSRs refused by the SAN policy or because the CA is `unavailable` (published in `request_errors`). */
  refused: number;
  /** Entries dropped because no requirer asks for their CSR any more. */
  removed: number;
  /** The provider unit of the relation. */
  providerUnit: string;
  /** Requirer entries that could not be read (protocol problems) or whose CSR does not parse. */
  problems: (ProtocolError | CsrError)[];
}

/** What the v4 side needs of the CA. */
export interface V4Authority {
  issuer: Issuer;
  rootPem: string;
  /** Leaf-first chain after the leaf: the intermediate (if any), then the root. */
  chainAfterLeaf: readonly string[];
  generation: number;
  /** Validity of a new leaf; `expired`: one that ended a day ago. */
  validity(expired: boolean): { notBefore: Date; notAfter: Date };
  policy: SanPolicy;
}

interface Remembered {
  generation: number;
  certificate: string;
  revoked: boolean;
}

/** Per relation: the clean entries last published, by canonical CSR. */
export type V4Memory = Map<string, Map<string, Remembered>>;

// Extensions the reference signer writes itself instead of copying from the CSR.
const OWN_EXTENSIONS = new Set(['2.5.29.17', '2.5.29.19', '2.5.29.14', '2.5.29.35']);
const KEY_USAGE = '2.5.29.15';

/** Signs one CSR as the Python reference signer does (protocol-v4 §3.3). */
export function signCsr(
  csr: ParsedCsr,
  ca: boolean,
  authority: V4Authority,
  options: { publicKey?: ParsedCsr['publicKey']; expired?: boolean } = {},
): string {
  const emails = [...csr.sansEmail];
  // The reference signer adds the subject emailAddress as an rfc822Name SAN.
  const email = csr.subject.emailAddress;
  if (email !== undefined && !emails.includes(email)) emails.push(email);
  return issueCertificate(
    {
      commonName: csr.subject.commonName ?? '',
      subjectDer: csr.subjectDer,
      sans: { oid: csr.sansOid, ip: csr.sansIp, dns: csr.sansDns, email: emails },
      usage: ca ? 'ca' : 'plain',
      ...authority.validity(options.expired ?? false),
      extraExtensions: csr.extensions.filter(
        (e) => !OWN_EXTENSIONS.has(e.oid) && !(ca && e.oid === KEY_USAGE),
      ),
    },
    { publicKey: options.publicKey ?? csr.publicKey },
    authority.issuer,
  );
}

function refusal(csr: ParsedCsr, policy: SanPolicy): RequestErrorEntry['error'] | undefined {
  if (policy.refuseIpSans && csr.sansIp.length > 0) {
    return {
      code: REQUEST_ERROR_CODES.IP_NOT_ALLOWED,
      name: 'IP_NOT_ALLOWED',
      message: 'IP SANs are not allowed',
    };
  }
  const dns = csr.sansDns;
  if (policy.refuseWildcardDns && dns.some((name) => name.startsWith('*.'))) {
    return {
      code: REQUEST_ERROR_CODES.WILDCARD_NOT_ALLOWED,
      name: 'WILDCARD_NOT_ALLOWED',
      message: 'wildcard DNS SANs are not allowed',
    };
  }
  const allowed = policy.allowedDomains;
  if (allowed !== undefined) {
    const outside = dns.filter(
      (name) => !allowed.some((domain) => name === domain || name.endsWith(`.${domain}`)),
    );
    if (outside.length > 0) {
      return {
        code: REQUEST_ERROR_CODES.DOMAIN_NOT_ALLOWED,
        name: 'DOMAIN_NOT_ALLOWED',
        message: `${outside.length} DNS SAN(s) outside the allowed domains`,
        reason: `allowed: ${allowed.join(', ')}`,
      };
    }
  }
  return undefined;
}

function reserialise(pem: string): string {
  const base64 = Buffer.from(pemToDer(pem, 'csr')).toString('base64');
  return `-----BEGIN CERTIFICATE REQUEST-----\n${base64.replace(/.{1,76}/g, '$&\n')}-----END CERTIFICATE REQUEST-----`;
}

/**
 * Answers the v4 CSRs of `relationId` (our unit, `otherUnits`, and our application's databag) in
 * the provider's application databag.
 */
export function answerV4(
  authority: V4Authority,
  memory: V4Memory,
  model: FakeModel,
  relationId: string,
  options: AnswerV4Options,
): AnswerV4Result {
  const { fault } = options;
  if (fault !== undefined && !V4_FAULT_MODES.includes(fault)) {
    throw new TypeError(`unknown v4 fault mode ${JSON.stringify(fault)}`);
  }
  const remoteApp = model.remoteApp(relationId);
  const providerUnit = model.remoteUnits(relationId)[0] ?? options.providerUnit ?? `${remoteApp}/0`;
  if (!model.remoteUnits(relationId).includes(providerUnit)) model.addRemoteUnit(relationId, providerUnit);
  const units: RequirerUnitDatabag[] = [
    { relationId, unit: model.unit, data: model.localUnitData(relationId) },
  ];
  for (const [unit, data] of Object.entries(options.otherUnits ?? {}))
    units.push({ relationId, unit, data: { ...data } });
  const app = model.unit.split('/')[0]!;
  const decoded = decodeRequirerRequests({
    units,
    apps: [{ relationId, app, data: model.localAppData(relationId) }],
  });
  const problems: (ProtocolError | CsrError)[] = [...decoded.problems];

  const current = model.remoteAppData(relationId);
  const published = decodeProviderAppData(current).certificates;
  const before = memory.get(relationId) ?? new Map<string, Remembered>();
  const after = new Map<string, Remembered>();
  const certificates: ProviderCertificateInput[] = [];
  const requestErrors: RequestErrorEntry[] = [];
  const result = { issued: 0, kept: 0, revoked: 0, refused: 0, removed: 0 };
  const seen = new Set<string>();

  for (const request of decoded.requests) {
    const csrPem = request.certificateSigningRequest;
    if (seen.has(csrPem)) continue;
    seen.add(csrPem);
    let csr: ParsedCsr;
    try {
      csr = parseCsrSync(csrPem);
    } catch (error) {
      // The Python provider's hook fails here for everyone; a provider on our codec skips it.
      if (error instanceof CsrError) problems.push(error);
      else throw error;
      continue;
    }
    const refused = refusal(csr, authority.policy);
    if (refused !== undefined) {
      requestErrors.push({ csr: csrPem, error: refused });
      result.refused++;
      continue;
    }
    const last = before.get(csrPem);
    const live = published.find((e) => pemEquals(e.certificateSigningRequest, csrPem));
    const intact =
      fault === undefined &&
      last !== undefined &&
      live !== undefined &&
      pemEquals(live.certificate, last.certificate) &&
      (live.revoked ?? false) === last.revoked;
    const entry = (certificate: string): ProviderCertificateInput => ({
      ca: authority.rootPem,
      certificateSigningRequest: csrPem,
      certificate,
      chain: [certificate, ...authority.chainAfterLeaf],
    });
    if (intact && last.generation === authority.generation) {
      certificates.push({ ...live, certificateSigningRequest: csrPem });
      after.set(csrPem, last);
      result.kept++;
      continue;
    }
    if (intact && !last.revoked) {
      // The CA rotated: revoke what the old one signed, as revoke_all_certificates() does. The next
      // answer signs the request again if it is still there.
      certificates.push({ ...live, certificateSigningRequest: csrPem, revoked: true });
      after.set(csrPem, { ...last, revoked: true });
      result.revoked++;
      continue;
    }
    if (options.unavailable === true) {
      requestErrors.push({
        csr: csrPem,
        error: {
          code: REQUEST_ERROR_CODES.SERVER_NOT_AVAILABLE,
          name: 'SERVER_NOT_AVAILABLE',
          message: 'the CA backend is not available',
        },
      });
      result.refused++;
      continue;
    }
    const certificate = signFaulty(csr, request.ca, authority, fault);
    certificates.push(entry(certificate));
    after.set(csrPem, { generation: authority.generation, certificate, revoked: false });
    result.issued++;
    if (fault === 'duplicate-entry') certificates.push(entry(signCsr(csr, request.ca, authority)));
  }
  result.removed = published.filter((e) => !seen.has(e.certificateSigningRequest)).length;

  for (const e of certificates) {
    if (fault === 'missing-chain') e.chain = undefined;
    if (fault === 'reversed-chain') e.chain = [...(e.chain ?? [])].reverse();
    if (fault === 'revoked') e.revoked = true;
    if (fault === 'reserialised-csr') e.certificateSigningRequest = reserialise(e.certificateSigningRequest);
    if (fault === 'truncated-pem') {
      e.certificate = truncatePem(e.certificate);
      e.chain = [e.certificate, ...(e.chain ?? []).slice(1)];
    }
  }
  const changes = encodeProviderAppData({
    current,
    certificates,
    requestErrors,
    capabilities: options.capabilities,
  });
  const data = changes.data;
  if (fault === 'garbage-json') data.certificates = '[{"ca": "-----BEGIN CERTIFICATE-----", oops';
  model.setRemoteAppData(relationId, data, { replace: true });
  // Faulty answers are not remembered, so the next clean answer replaces them.
  memory.set(relationId, fault === undefined ? after : new Map());
  return { ...result, providerUnit, problems };
}

function signFaulty(
  csr: ParsedCsr,
  ca: boolean,
  authority: V4Authority,
  fault: V4FaultMode | undefined,
): string {
  if (fault === 'expired') return signCsr(csr, ca, authority, { expired: true });
  if (fault === 'wrong-key')
    return signCsr(csr, ca, authority, { publicKey: generateKeyPair('ec').publicKey });
  if (fault === 'other-csr') {
    const other = generateKeyPair('ec');
    const otherCsr = parseCsrSync(
      createCsrSync(other.privateKey, { commonName: 'other.invalid', sansDns: ['other.invalid'] }),
    );
    return signCsr(otherCsr, ca, authority);
  }
  return signCsr(csr, ca, authority);
}
