// How the EmbeddedCa spoils what it publishes for fault tests: PEMs cut short, padded, or
// preceded by an `openssl x509 -text` dump.
import { X509Certificate } from 'node:crypto';

/** Cuts a PEM in the middle of its body, before its END line. */
export function truncatePem(pem: string): string {
  const lines = pem.trimEnd().split('\n');
  return `${lines.slice(0, Math.max(2, Math.floor(lines.length / 2))).join('\n')}\n`;
}

/** Precedes a PEM with copies of its text dump until the value is over `bytes` long. */
export function padHuge(pem: string, bytes: number): string {
  const dump = withTextDump(pem).slice(0, -pem.length);
  const copies = Math.ceil(bytes / dump.length);
  return `${dump.repeat(copies)}${pem}`;
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
