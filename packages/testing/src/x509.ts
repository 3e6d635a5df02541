// Certificate issuing for the embedded CA, on the same path as @tls-client/csr: node-forge's `pki`
// fills the standard extensions and names, its `asn1` codec assembles the TBSCertificate (with
// the real SubjectPublicKeyInfo of any key node:crypto made), and node:crypto signs (RSA or EC).
import { generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import {
  type Asn1Node,
  derToPem,
  fromDer,
  keyIdentifier,
  signAsn1,
  signatureAlgorithm,
  subjectPublicKeyInfo,
  toDer,
} from '@tls-client/csr/forge';

// node-forge is CommonJS with a single `module.exports` object and no ESM named exports.
const forge = createRequire(import.meta.url)('node-forge') as typeof import('node-forge');
type ForgeAsn1 = import('node-forge').asn1.Asn1;
const { asn1 } = forge;
// Both exist in node-forge 1.4.3 but are missing from its type definitions.
const pki = forge.pki as typeof forge.pki & {
  certificateExtensionsToAsn1(extensions: unknown[]): ForgeAsn1;
};
const bytesFromIP = (forge.util as unknown as { bytesFromIP(ip: string): string | null }).bytesFromIP;
type CertificateField = import('node-forge').pki.CertificateField;
const node = (value: ForgeAsn1): Asn1Node => value as unknown as Asn1Node;
const forgeNode = (value: Asn1Node): ForgeAsn1 => value as unknown as ForgeAsn1;

/** The key algorithm of issued certificates. */
export type KeyType = 'ec' | 'rsa';

/** A key pair; `keyPem` is PKCS#8 (`-----BEGIN PRIVATE KEY-----`). */
export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyPem: string;
}

/** SubjectAlternativeName entries by type. */
export interface SanEntries {
  dns?: readonly string[] | undefined;
  ip?: readonly string[] | undefined;
  /** registeredID entries (dotted OIDs). */
  oid?: readonly string[] | undefined;
  /** rfc822Name entries. */
  email?: readonly string[] | undefined;
}

/** An extension copied as it is (for example from a CSR). */
export interface RawExtension {
  oid: string;
  critical: boolean;
  value: Uint8Array;
}

/** What one issued certificate is for. */
export interface CertificateProfile {
  /** CN of a subject with that one attribute (UTF8String), unless `subjectDer` is given. */
  commonName: string;
  /** DER of the subject Name, copied as it is (a CSR's subject). */
  subjectDer?: Uint8Array | undefined;
  /** DNS names and IP addresses (IPs become iPAddress entries), or entries by type. */
  sans?: readonly string[] | SanEntries | null | undefined;
  /**
   * `server`: serverAuth; `client`: clientAuth; `both`; `ca`: a CA certificate (`pathLength`
   * optional); `plain`: only basic constraints CA:FALSE, as the Python v4 provider signs leaves.
   */
  usage: 'server' | 'client' | 'both' | 'ca' | 'plain';
  pathLength?: number | undefined;
  notBefore: Date;
  notAfter: Date;
  /** More extensions, after the ones above (a CSR's requested extensions). */
  extraExtensions?: readonly RawExtension[] | undefined;
}

/** An issuing certificate and its key. */
export interface Issuer {
  certPem: string;
  key: KeyPair;
  commonName: string;
  /** Subject key identifier of the issuer, for the authority key identifier of what it signs. */
  keyId: Buffer;
  /** DER of the issuer's subject Name, the issuer Name of what it signs. */
  subjectDer: Uint8Array;
}

/** Generates a key pair with Node's crypto: EC P-256 or RSA 2048. */
export function generateKeyPair(type: KeyType): KeyPair {
  const { privateKey, publicKey } =
    type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicKey, keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}

function binary(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('binary');
}

function commonNameDer(commonName: string): Uint8Array {
  const holder = pki.createCertificate();
  holder.setSubject([
    { name: 'commonName', value: commonName, valueTagClass: asn1.Type.UTF8 },
  ] as unknown as CertificateField[]);
  return toDer(node(pki.distinguishedNameToAsn1(holder.subject)));
}

function time(date: Date): Asn1Node {
  // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
  const utc = date.getUTCFullYear() < 2050;
  return node(
    asn1.create(
      asn1.Class.UNIVERSAL,
      utc ? asn1.Type.UTCTIME : asn1.Type.GENERALIZEDTIME,
      false,
      utc ? asn1.dateToUtcTime(date) : asn1.dateToGeneralizedTime(date),
    ),
  );
}

function sanEntries(sans: CertificateProfile['sans']): SanEntries {
  if (sans === null || sans === undefined) return {};
  if (!Array.isArray(sans)) return sans as SanEntries;
  // dNSName is an IA5String: internationalised names go in their punycode (A-label) form.
  return {
    ip: sans.filter((san) => isIP(san) !== 0),
    dns: sans.filter((san) => isIP(san) === 0).map((san) => domainToASCII(san) || san),
  };
}

// forge's own registeredID encoding is broken in 1.4.3 (it encodes the OID twice), so the SAN
// value is built here with forge's codec, in the order the sans were given: for a legacy request
// the order of its `sans`, for a CSR the CSR's type order (RID, IP, DNS, email).
function subjectAltName(entries: SanEntries, order: 'request' | 'csr'): ForgeAsn1 | undefined {
  const context = (tag: number, value: string) => asn1.create(asn1.Class.CONTEXT_SPECIFIC, tag, false, value);
  const ip = (text: string) => context(7, bytesFromIP(text) ?? '');
  const dns = (entries.dns ?? []).map((name) => context(2, name));
  const ips = (entries.ip ?? []).map(ip);
  const oids = (entries.oid ?? []).map((oid) => context(8, asn1.oidToDer(oid).getBytes()));
  const emails = (entries.email ?? []).map((email) => context(1, email));
  const names = order === 'csr' ? [...oids, ...ips, ...dns, ...emails] : [...ips, ...dns];
  return names.length === 0 ? undefined : asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, names);
}

function standardExtensions(
  profile: CertificateProfile,
  subjectKey: KeyPair,
  issuer: Issuer | undefined,
): Record<string, unknown>[] {
  const extensions: Record<string, unknown>[] = [];
  if (profile.usage === 'ca') {
    const basic: Record<string, unknown> = { name: 'basicConstraints', critical: true, cA: true };
    // forge encodes the field whenever the property exists, even as undefined.
    if (profile.pathLength !== undefined) basic.pathLenConstraint = profile.pathLength;
    extensions.push(basic);
    extensions.push({
      name: 'keyUsage',
      critical: true,
      keyCertSign: true,
      cRLSign: true,
      digitalSignature: true,
    });
  } else {
    extensions.push({ name: 'basicConstraints', critical: true, cA: false });
    if (profile.usage !== 'plain') {
      const rsa = subjectKey.publicKey.asymmetricKeyType === 'rsa';
      extensions.push({ name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: rsa });
      extensions.push({
        name: 'extKeyUsage',
        serverAuth: profile.usage === 'server' || profile.usage === 'both',
        clientAuth: profile.usage === 'client' || profile.usage === 'both',
      });
    }
  }
  const san = subjectAltName(sanEntries(profile.sans), Array.isArray(profile.sans) ? 'request' : 'csr');
  if (san !== undefined) extensions.push({ id: '2.5.29.17', value: san });
  const octets = (bytes: Uint8Array) =>
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, binary(bytes));
  extensions.push({ id: '2.5.29.14', value: octets(keyIdentifier(subjectKey.publicKey)) });
  if (issuer !== undefined) {
    extensions.push({
      id: '2.5.29.35',
      value: asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
        asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, false, binary(issuer.keyId)),
      ]),
    });
  }
  for (const extra of profile.extraExtensions ?? []) {
    extensions.push({ id: extra.oid, critical: extra.critical, value: binary(extra.value) });
  }
  return extensions;
}

/**
 * Issues one certificate for `subjectKey`, signed by `issuer` (or self-signed when `issuer` is
 * undefined). Returns the PEM (with a trailing newline).
 */
export function issueCertificate(
  profile: CertificateProfile,
  subjectKey: KeyPair | { publicKey: KeyObject },
  issuer: Issuer | undefined,
): string {
  if (issuer === undefined && !('privateKey' in subjectKey))
    throw new TypeError('a self-signed certificate needs its private key');
  const signer = issuer?.key.privateKey ?? (subjectKey as KeyPair).privateKey;
  // A positive 127-bit serial.
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  const subjectDer = profile.subjectDer ?? commonNameDer(profile.commonName);
  // forge's setExtensions fills each extension's DER value from its named fields.
  const holder = pki.createCertificate();
  holder.setExtensions(standardExtensions(profile, subjectKey as KeyPair, issuer));
  const integer = (bytes: string) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, bytes);
  const tbs = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [integer('\u0002')]),
    integer(binary(serial)),
    forgeNode(signatureAlgorithm(signer)),
    forgeNode(fromDer(issuer?.subjectDer ?? subjectDer)),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
      forgeNode(time(profile.notBefore)),
      forgeNode(time(profile.notAfter)),
    ]),
    forgeNode(fromDer(subjectDer)),
    forgeNode(subjectPublicKeyInfo(subjectKey.publicKey)),
    pki.certificateExtensionsToAsn1(holder.extensions),
  ]);
  return `${derToPem('CERTIFICATE', toDer(signAsn1(node(tbs), signer)))}\n`;
}

/** Makes an issuer (a CA certificate and key); self-signed when `parent` is undefined. */
export function createIssuer(
  commonName: string,
  keyType: KeyType,
  validity: { notBefore: Date; notAfter: Date },
  parent?: Issuer,
  pathLength?: number,
): Issuer {
  const key = generateKeyPair(keyType);
  const certPem = issueCertificate({ commonName, usage: 'ca', pathLength, ...validity }, key, parent);
  return {
    certPem,
    key,
    commonName,
    keyId: keyIdentifier(key.publicKey),
    subjectDer: commonNameDer(commonName),
  };
}
