import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import {
  type Asn1Node,
  bytesOf,
  Class,
  children,
  fromDer,
  oidFromBytes,
  oidOf,
  Type,
  toDer,
} from './asn1.js';
import { CsrError } from './errors.js';
import { bytesToIp } from './ip.js';
import { EXTENSION_REQUEST, NAME_ATTRIBUTES, SUBJECT_ALT_NAME } from './oids.js';
import type { CsrSubject, ParsedCsr, ParsedExtension } from './parsed-csr.js';
import { derToPem, pemToDer } from './pem.js';

const HASHES: Record<string, string> = {
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};

const FIELD_BY_OID = new Map<string, keyof CsrSubject>(
  Object.entries(NAME_ATTRIBUTES).map(([field, { oid }]) => [oid, field as keyof CsrSubject]),
);

function decodeString(node: Asn1Node): string {
  const raw = bytesOf(node, 'attribute value');
  if (node.type === Type.UTF8) return Buffer.from(raw, 'binary').toString('utf8');
  if (node.type === Type.BMPSTRING) return Buffer.from(raw, 'binary').swap16().toString('utf16le');
  return raw;
}

function readName(name: Asn1Node): { subject: CsrSubject; attributes: { oid: string; value: string }[] } {
  const subject: CsrSubject = {};
  const attributes: { oid: string; value: string }[] = [];
  for (const relative of children(name, 'subject')) {
    for (const pair of children(relative, 'RDN')) {
      const [type, value] = children(pair, 'AttributeTypeAndValue');
      const id = oidOf(type, 'attribute type');
      const text = decodeString(value as Asn1Node);
      attributes.push({ oid: id, value: text });
      const field = FIELD_BY_OID.get(id);
      if (field !== undefined && subject[field] === undefined) subject[field] = text;
    }
  }
  return { subject, attributes };
}

function readExtensions(attributes: Asn1Node | undefined): ParsedExtension[] {
  const out: ParsedExtension[] = [];
  if (attributes === undefined) return out;
  for (const attribute of children(attributes, 'attributes')) {
    const [type, values] = children(attribute, 'attribute');
    if (oidOf(type, 'attribute type') !== EXTENSION_REQUEST) continue;
    for (const list of children(values, 'extensionRequest')) {
      for (const ext of children(list, 'extensions')) {
        const parts = children(ext, 'extension');
        const critical = parts.length === 3 && bytesOf(parts[1], 'critical') !== '\u0000';
        const value = parts[parts.length - 1];
        if (value?.type !== Type.OCTETSTRING) throw new Error('extnValue is not an OCTET STRING');
        out.push({
          oid: oidOf(parts[0], 'extnID'),
          critical,
          value: Buffer.from(bytesOf(value, 'extnValue'), 'binary'),
        });
      }
    }
  }
  return out;
}

function readSans(extensions: readonly ParsedExtension[]) {
  const sans = { dns: [] as string[], ip: [] as string[], oid: [] as string[], email: [] as string[] };
  const san = extensions.find((e) => e.oid === SUBJECT_ALT_NAME);
  if (san === undefined) return sans;
  for (const name of children(fromDer(san.value), 'GeneralNames')) {
    if (name.tagClass !== Class.CONTEXT_SPECIFIC || typeof name.value !== 'string') continue;
    if (name.type === 2) sans.dns.push(name.value);
    else if (name.type === 1) sans.email.push(name.value);
    else if (name.type === 8) sans.oid.push(oidFromBytes(name.value));
    else if (name.type === 7) {
      const ip = bytesToIp(Buffer.from(name.value, 'binary'));
      if (ip !== undefined) sans.ip.push(ip);
    }
  }
  return sans;
}

function verifies(
  info: Asn1Node,
  algorithm: Asn1Node | undefined,
  signature: Asn1Node | undefined,
  key: KeyObject,
) {
  try {
    const hash = HASHES[oidOf(children(algorithm, 'signatureAlgorithm')[0], 'algorithm')];
    const bits = bytesOf(signature, 'signature');
    if (hash === undefined || signature?.type !== Type.BITSTRING || bits[0] !== '\u0000') return false;
    return verify(hash, toDer(info), key, Buffer.from(bits.slice(1), 'binary'));
  } catch {
    return false;
  }
}

/**
 * Parses a PEM PKCS#10 request, synchronously (the `@tls-client/csr/forge` form of `parseCsr`).
 * @throws {CsrError} `ERR_CSR_TOO_LARGE`, `ERR_CSR_NOT_ASCII`, `ERR_CSR_INVALID_PEM`,
 *   `ERR_CSR_WRONG_TYPE`, `ERR_CSR_MALFORMED`.
 */
export function parseCsrSync(pem: string): ParsedCsr {
  const der = pemToDer(pem, 'csr');
  try {
    const [info, algorithm, signature, ...rest] = children(fromDer(der), 'CertificationRequest');
    if (rest.length > 0) throw new Error('CertificationRequest has extra fields');
    const [version, name, spki, attributes] = children(info, 'CertificationRequestInfo');
    if (version?.type !== Type.INTEGER || bytesOf(version, 'version') !== '\u0000') {
      throw new Error('version is not 0');
    }
    if (name?.type !== Type.SEQUENCE || spki?.type !== Type.SEQUENCE) throw new Error('not a CSR');
    const { subject, attributes: subjectAttributes } = readName(name);
    const publicKey = createPublicKey({ key: toDer(spki), format: 'der', type: 'spki' });
    const extensions = readExtensions(attributes);
    const sans = readSans(extensions);
    return {
      pem: derToPem('CERTIFICATE REQUEST', der),
      der,
      subject,
      subjectAttributes,
      subjectDer: toDer(name),
      sansDns: sans.dns,
      sansIp: sans.ip,
      sansOid: sans.oid,
      sansEmail: sans.email,
      extensions,
      publicKey,
      signatureValid: verifies(info as Asn1Node, algorithm, signature, publicKey),
    };
  } catch (cause) {
    throw new CsrError('ERR_CSR_MALFORMED', `CSR is not a PKCS#10 request (${der.length} bytes of DER)`, {
      input: 'csr',
      cause,
    });
  }
}
