// Certificate issuing for the embedded CA. node-forge builds the TBSCertificate (names, validity,
// extensions); Node's crypto generates the keys and signs, which is much faster than pure JS and
// lets the CA and the leaves use EC P-256 as well as RSA (forge alone signs only with RSA).
import {
  createHash,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
  X509Certificate,
} from 'node:crypto';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';

// node-forge is CommonJS with a single `module.exports` object and no ESM named exports.
const forge = createRequire(import.meta.url)('node-forge') as typeof import('node-forge');
type Asn1 = import('node-forge').asn1.Asn1;
type CertificateField = import('node-forge').pki.CertificateField;
// getTBSCertificate exists in node-forge but is missing from its type definitions.
const forgePki = forge.pki as typeof forge.pki & {
  getTBSCertificate(cert: import('node-forge').pki.Certificate): Asn1;
};

/** The key algorithm of issued certificates. */
export type KeyType = 'ec' | 'rsa';

/** A key pair; `keyPem` is PKCS#8 (`-----BEGIN PRIVATE KEY-----`). */
export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyPem: string;
}

/** What one issued certificate is for. */
export interface CertificateProfile {
  commonName: string;
  /** DNS names and IP addresses; IPs become iPAddress entries. */
  sans?: readonly string[] | null;
  /** `server`: serverAuth; `client`: clientAuth; `both`; `ca`: a CA certificate (`pathLength` optional). */
  usage: 'server' | 'client' | 'both' | 'ca';
  pathLength?: number;
  notBefore: Date;
  notAfter: Date;
}

/** An issuing certificate and its key. */
export interface Issuer {
  certPem: string;
  key: KeyPair;
  commonName: string;
  /** Subject key identifier of the issuer, for the authority key identifier of what it signs. */
  keyId: Buffer;
}

/** Generates a key pair with Node's crypto: EC P-256 or RSA 2048. */
export function generateKeyPair(type: KeyType): KeyPair {
  const { privateKey, publicKey } =
    type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicKey, keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n >>= 8) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function der(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
}

// Reads one TLV at `offset`: returns where its content starts and where it ends.
function readTlv(buf: Buffer, offset: number): { contentStart: number; end: number } {
  const first = buf[offset + 1]!;
  let length = first;
  let header = 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[offset + 2 + i]!;
    header += count;
  }
  return { contentStart: offset + header, end: offset + header + length };
}

/** SHA-1 of the subjectPublicKey bits (RFC 5280 method 1). */
function keyIdentifier(publicKey: KeyObject): Buffer {
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const outer = readTlv(spki, 0);
  const algorithm = readTlv(spki, outer.contentStart);
  const bits = readTlv(spki, algorithm.end);
  // Skip the unused-bits byte of the BIT STRING.
  return createHash('sha1')
    .update(spki.subarray(bits.contentStart + 1, bits.end))
    .digest();
}

const SHA256_WITH_RSA = Buffer.from('300d06092a864886f70d01010b0500', 'hex');
const ECDSA_WITH_SHA256 = Buffer.from('300a06082a8648ce3d040302', 'hex');

function binary(buf: Buffer): string {
  return buf.toString('binary');
}

function toPem(label: string, derBytes: Buffer): string {
  const body = derBytes.toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}

/** Splits SANs into forge altNames: IP addresses as iPAddress, the rest as dNSName. */
function altNames(sans: readonly string[]): { type: number; value?: string; ip?: string }[] {
  // dNSName is an IA5String: internationalised names go in their punycode (A-label) form.
  return sans.map((san) =>
    isIP(san) === 0 ? { type: 2, value: domainToASCII(san) || san } : { type: 7, ip: san },
  );
}

/**
 * Issues one certificate for `subjectKey`, signed by `issuer` (or self-signed when `issuer` is
 * undefined). Returns the PEM.
 */
export function issueCertificate(
  profile: CertificateProfile,
  subjectKey: KeyPair,
  issuer: Issuer | undefined,
): string {
  const cert = forge.pki.createCertificate();
  // A positive 127-bit serial.
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  cert.serialNumber = serial.toString('hex');
  cert.validity.notBefore = profile.notBefore;
  cert.validity.notAfter = profile.notAfter;
  const name = (cn: string) => [{ name: 'commonName', value: cn, valueTagClass: forge.asn1.Type.UTF8 }];
  cert.setSubject(name(profile.commonName) as unknown as CertificateField[]);
  cert.setIssuer(name(issuer?.commonName ?? profile.commonName) as unknown as CertificateField[]);
  const ownKeyId = keyIdentifier(subjectKey.publicKey);
  const extensions: Record<string, unknown>[] = [];
  if (profile.usage === 'ca') {
    extensions.push({
      name: 'basicConstraints',
      critical: true,
      cA: true,
      ...(profile.pathLength === undefined ? {} : { pathLenConstraint: profile.pathLength }),
    });
    extensions.push({
      name: 'keyUsage',
      critical: true,
      keyCertSign: true,
      cRLSign: true,
      digitalSignature: true,
    });
  } else {
    extensions.push({ name: 'basicConstraints', critical: true, cA: false });
    const rsa = subjectKey.publicKey.asymmetricKeyType === 'rsa';
    extensions.push({ name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: rsa });
    extensions.push({
      name: 'extKeyUsage',
      serverAuth: profile.usage === 'server' || profile.usage === 'both',
      clientAuth: profile.usage === 'client' || profile.usage === 'both',
    });
  }
  const sans = profile.sans ?? [];
  if (sans.length > 0) extensions.push({ name: 'subjectAltName', altNames: altNames(sans) });
  const asn1 = forge.asn1;
  extensions.push({
    id: '2.5.29.14',
    value: asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, binary(ownKeyId)),
  });
  if (issuer !== undefined) {
    extensions.push({
      id: '2.5.29.35',
      value: asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
        asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, false, binary(issuer.keyId)),
      ]),
    });
  }
  cert.setExtensions(extensions);
  // forge needs an RSA public key object to build the TBS; its SubjectPublicKeyInfo is replaced
  // below by the real key's DER, and the signature algorithm by the issuer's.
  const placeholder = new forge.jsbn.BigInteger('65537', 10);
  cert.publicKey = forge.pki.setRsaPublicKey(placeholder, placeholder);
  cert.siginfo.algorithmOid = forge.pki.oids.sha256WithRSAEncryption!;
  const tbs = forgePki.getTBSCertificate(cert);
  const signer = issuer?.key ?? subjectKey;
  const signatureAlgorithm =
    signer.privateKey.asymmetricKeyType === 'rsa' ? SHA256_WITH_RSA : ECDSA_WITH_SHA256;
  const children = (tbs.value as Asn1[]).map((child) => Buffer.from(asn1.toDer(child).getBytes(), 'binary'));
  children[2] = signatureAlgorithm;
  children[6] = subjectKey.publicKey.export({ type: 'spki', format: 'der' });
  const tbsDer = der(0x30, Buffer.concat(children));
  const signature = sign('sha256', tbsDer, signer.privateKey);
  const certDer = der(
    0x30,
    Buffer.concat([tbsDer, signatureAlgorithm, der(0x03, Buffer.concat([Buffer.from([0]), signature]))]),
  );
  return toPem('CERTIFICATE', certDer);
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
  const certPem = issueCertificate(
    { commonName, usage: 'ca', ...(pathLength === undefined ? {} : { pathLength }), ...validity },
    key,
    parent,
  );
  return { certPem, key, commonName, keyId: keyIdentifier(key.publicKey) };
}

function opensslDate(date: Date): string {
  const month = date.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const day = String(date.getUTCDate()).padStart(2, ' ');
  const time = date.toISOString().slice(11, 19);
  return `${month} ${day} ${time} ${date.getUTCFullYear()} GMT`;
}

function colonHex(buf: Buffer): string {
  return [...buf].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/**
 * An `openssl x509 -text`-style dump of a certificate followed by its PEM, as some providers and
 * `openssl ca` output publish it. The PEM block is intact, so consumers must accept it.
 */
export function withTextDump(certPem: string): string {
  const x = new X509Certificate(certPem);
  const ec = x.publicKey.asymmetricKeyType === 'ec';
  const dn = (text: string) => text.split('\n').join(', ').replace(/=/g, ' = ');
  const lines = [
    'Certificate:',
    '    Data:',
    '        Version: 3 (0x2)',
    '        Serial Number:',
    `            ${colonHex(Buffer.from(x.serialNumber, 'hex'))}`,
    `        Signature Algorithm: ${ec ? 'ecdsa-with-SHA256' : 'sha256WithRSAEncryption'}`,
    `        Issuer: ${dn(x.issuer)}`,
    '        Validity',
    `            Not Before: ${opensslDate(new Date(x.validFrom))}`,
    `            Not After : ${opensslDate(new Date(x.validTo))}`,
    `        Subject: ${dn(x.subject)}`,
    '        Subject Public Key Info:',
    `            Public Key Algorithm: ${ec ? 'id-ecPublicKey' : 'rsaEncryption'}`,
    '        X509v3 extensions:',
    '            X509v3 Basic Constraints: critical',
    `                CA:${x.ca ? 'TRUE' : 'FALSE'}`,
    ...(x.subjectAltName
      ? ['            X509v3 Subject Alternative Name: ', `                ${x.subjectAltName}`]
      : []),
    `    Signature Algorithm: ${ec ? 'ecdsa-with-SHA256' : 'sha256WithRSAEncryption'}`,
    '    Signature Value:',
    `        ${colonHex(Buffer.from(x.fingerprint256.replace(/:/g, ''), 'hex'))}`,
  ];
  return `${lines.join('\n')}\n${certPem}`;
}
