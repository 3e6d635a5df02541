import type { KeyObject } from 'node:crypto';
import type { CsrAttributes } from './attributes.js';

/** The subject fields the v4 protocol knows, first value of each. */
export interface CsrSubject {
  commonName?: string;
  /** The x500UniqueIdentifier (2.5.4.45), a UUID in CSRs the v4 requirer makes. */
  uniqueId?: string;
  organization?: string;
  organizationalUnit?: string;
  emailAddress?: string;
  countryName?: string;
  stateOrProvinceName?: string;
  localityName?: string;
}

/** One extension of a CSR's extensionRequest attribute. */
export interface ParsedExtension {
  oid: string;
  critical: boolean;
  /** DER of the extension value (the content of `extnValue`). */
  value: Uint8Array;
}

/** What `parseCsr` reads from a PKCS#10 request. */
export interface ParsedCsr {
  /** The canonical PEM: re-encoded from the DER, 64-column lines, no trailing newline. */
  pem: string;
  der: Uint8Array;
  subject: CsrSubject;
  /** Every subject attribute in order, one per RDN value (`oid`, decoded `value`). */
  subjectAttributes: readonly { oid: string; value: string }[];
  /** DER of the subject Name, for an issuer that copies it into a certificate. */
  subjectDer: Uint8Array;
  /** SubjectAlternativeName entries by type; IPs in canonical text. */
  sansDns: readonly string[];
  sansIp: readonly string[];
  sansOid: readonly string[];
  sansEmail: readonly string[];
  /** Every requested extension, SAN included, in order. */
  extensions: readonly ParsedExtension[];
  publicKey: KeyObject;
  /** Whether the request's self-signature verifies with its own public key. */
  signatureValid: boolean;
}

const SAN = '2.5.29.17';

/**
 * The request attributes a parsed CSR stands for (the inverse of `createCsr`), for
 * `attributesEqual`. `isCa` travels in the databag entry, not in the CSR, so the caller passes it.
 */
export function attributesOfCsr(csr: ParsedCsr, options: { isCa?: boolean } = {}): CsrAttributes {
  const { subject } = csr;
  return {
    commonName: subject.commonName,
    sansDns: csr.sansDns,
    sansIp: csr.sansIp,
    sansOid: csr.sansOid,
    emailAddress: subject.emailAddress,
    organization: subject.organization,
    organizationalUnit: subject.organizationalUnit,
    countryName: subject.countryName,
    stateOrProvinceName: subject.stateOrProvinceName,
    localityName: subject.localityName,
    isCa: options.isCa ?? false,
    addUniqueId: subject.uniqueId !== undefined,
    additionalCriticalExtensions: csr.extensions
      .filter((e) => e.critical && e.oid !== SAN)
      .map((e) => ({ oid: e.oid, value: e.value })),
  };
}
