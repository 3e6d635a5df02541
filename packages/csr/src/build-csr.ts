import { type KeyObject, randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import {
  type Asn1Node,
  binary,
  contextTag,
  oid,
  oidBytes,
  primitive,
  sequence,
  set,
  Type,
  toDer,
} from './asn1.js';
import { type CsrAttributes, type CsrExtension, SUBJECT_FIELDS } from './attributes.js';
import { ipToBytes } from './ip.js';
import { EXTENSION_REQUEST, NAME_ATTRIBUTES, SUBJECT_ALT_NAME } from './oids.js';
import { derToPem } from './pem.js';
import { toPrivateKey } from './private-key.js';
import { signAsn1, subjectPublicKeyInfo } from './sign-asn1.js';

/** Options of `createCsr`. */
export interface CreateCsrOptions {
  /** The x500UniqueIdentifier to use instead of a fresh UUIDv4 (for reproducible tests). */
  uniqueId?: string | undefined;
}

const OID_TEXT = /^[0-2](\.(0|[1-9]\d*))+$/;

function stringValue(type: 'utf8' | 'ia5' | 'printable', text: string): Asn1Node {
  if (type === 'utf8') return primitive(Type.UTF8, Buffer.from(text, 'utf8').toString('binary'));
  return primitive(type === 'ia5' ? Type.IA5STRING : Type.PRINTABLESTRING, text);
}

function rdn(field: keyof typeof NAME_ATTRIBUTES, text: string): Asn1Node {
  const { oid: type, type: stringType } = NAME_ATTRIBUTES[field];
  return set([sequence([oid(type), stringValue(stringType, text)])]);
}

function extension(id: string, critical: boolean, value: Asn1Node | Uint8Array): Asn1Node {
  const der = value instanceof Uint8Array ? value : toDer(value);
  return sequence([
    oid(id),
    ...(critical ? [primitive(Type.BOOLEAN, '\u00ff')] : []),
    primitive(Type.OCTETSTRING, binary(der)),
  ]);
}

function checkText(name: string, value: unknown, pattern?: RegExp): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`);
  if (pattern && !pattern.test(value)) throw new TypeError(`${name} is not valid`);
  return value;
}

function checkList(name: string, value: unknown, check: (item: string) => boolean): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new TypeError(`${name} must be an array of strings`);
  for (const item of value) {
    if (typeof item !== 'string' || !check(item)) throw new TypeError(`${name} has an invalid entry`);
  }
  return [...new Set(value as string[])];
}

const DNS_NAME = /^[\x21-\x7e]{1,253}$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: IA5 is 7-bit.
const IA5 = /^[\x00-\x7f]+$/;

function checkExtensions(value: unknown): readonly CsrExtension[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new TypeError('additionalCriticalExtensions must be an array');
  for (const e of value as CsrExtension[]) {
    if (typeof e?.oid !== 'string' || !OID_TEXT.test(e.oid) || !(e.value instanceof Uint8Array)) {
      throw new TypeError('each additional critical extension needs an oid and a Uint8Array value');
    }
    if (e.oid === SUBJECT_ALT_NAME) throw new TypeError('give SANs as sansDns, sansIp and sansOid');
  }
  return value as CsrExtension[];
}

/**
 * Builds and signs a PKCS#10 CSR, synchronously (node-forge's ASN.1 codec must be loaded: this is
 * the `@tls-client/csr/forge` form of `createCsr`). See `createCsr` for the contents.
 * @throws {CsrError} `ERR_CSR_INVALID_KEY`, `ERR_CSR_UNSUPPORTED_KEY`; `TypeError` for invalid attributes.
 */
export function createCsrSync(
  privateKey: string | KeyObject,
  attributes: CsrAttributes,
  options: CreateCsrOptions = {},
): string {
  if (typeof attributes !== 'object' || attributes === null)
    throw new TypeError('attributes must be an object');
  const key = toPrivateKey(privateKey);
  const commonName = checkText('commonName', attributes.commonName);
  if (commonName !== undefined && commonName.length > 64)
    throw new TypeError('commonName is over 64 characters');
  const dns = checkList('sansDns', attributes.sansDns, (s) => DNS_NAME.test(s));
  const ips = checkList('sansIp', attributes.sansIp, (s) => isIP(s) !== 0);
  const oids = checkList('sansOid', attributes.sansOid, (s) => OID_TEXT.test(s));
  if (commonName === undefined && dns.length + ips.length + oids.length === 0) {
    throw new TypeError('a CSR needs a commonName or at least one SAN');
  }
  const fields = {
    organization: checkText('organization', attributes.organization),
    organizationalUnit: checkText('organizationalUnit', attributes.organizationalUnit),
    emailAddress: checkText('emailAddress', attributes.emailAddress, IA5),
    countryName: checkText('countryName', attributes.countryName, /^[A-Za-z]{2}$/),
    stateOrProvinceName: checkText('stateOrProvinceName', attributes.stateOrProvinceName),
    localityName: checkText('localityName', attributes.localityName),
  };
  const extra = checkExtensions(attributes.additionalCriticalExtensions);
  const addUniqueId = attributes.addUniqueId ?? true;
  const uniqueId = checkText('uniqueId', options.uniqueId) ?? randomUUID();

  // Subject: one attribute per RDN, in the v4 order.
  const rdns: Asn1Node[] = [];
  if (commonName !== undefined) rdns.push(rdn('commonName', commonName));
  if (addUniqueId) rdns.push(rdn('uniqueId', uniqueId));
  for (const field of SUBJECT_FIELDS) {
    const value = fields[field];
    if (value !== undefined) rdns.push(rdn(field, value));
  }

  const extensions: Asn1Node[] = [];
  if (dns.length + ips.length + oids.length > 0) {
    const names = [
      ...oids.map((o) => contextTag(8, false, oidBytes(o))),
      ...ips.map((ip) => contextTag(7, false, binary(ipToBytes(ip)))),
      ...dns.map((name) => contextTag(2, false, name)),
    ];
    extensions.push(extension(SUBJECT_ALT_NAME, false, sequence(names)));
  }
  for (const e of extra) extensions.push(extension(e.oid, true, e.value));

  const attributesNode = contextTag(
    0,
    true,
    extensions.length === 0 ? [] : [sequence([oid(EXTENSION_REQUEST), set([sequence(extensions)])])],
  );
  const info = sequence([
    primitive(Type.INTEGER, '\u0000'),
    sequence(rdns),
    subjectPublicKeyInfo(key),
    attributesNode,
  ]);
  return derToPem('CERTIFICATE REQUEST', toDer(signAsn1(info, key)));
}
