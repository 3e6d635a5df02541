import { isIP } from 'node:net';
import { canonicalIp } from './ip.js';

/** An extra X.509 extension of a CSR; those given to `createCsr` are always marked critical. */
export interface CsrExtension {
  /** Dotted OID of the extension, e.g. `1.3.6.1.5.5.7.1.24` (TLS feature). */
  oid: string;
  /** DER of the extension value (the content of `extnValue`). */
  value: Uint8Array;
}

/**
 * What a CSR asks for: the v4 `CertificateRequestAttributes` in camelCase. At least one of
 * `commonName`, `sansDns`, `sansIp`, `sansOid` must be set.
 */
export interface CsrAttributes {
  commonName?: string | undefined;
  /** DNS names (A-labels: ASCII only); a set, order does not matter. */
  sansDns?: readonly string[] | undefined;
  /** IPv4 or IPv6 addresses; a set. */
  sansIp?: readonly string[] | undefined;
  /** Dotted OIDs, sent as registeredID entries; a set. */
  sansOid?: readonly string[] | undefined;
  emailAddress?: string | undefined;
  organization?: string | undefined;
  organizationalUnit?: string | undefined;
  /** Two-letter country code. */
  countryName?: string | undefined;
  stateOrProvinceName?: string | undefined;
  localityName?: string | undefined;
  /** Whether a CA certificate is requested. It travels in the databag (`ca`), not in the CSR. Default false. */
  isCa?: boolean | undefined;
  /** Put a fresh UUIDv4 x500UniqueIdentifier in the subject. Default true. */
  addUniqueId?: boolean | undefined;
  /** Extra extensions, each marked critical. */
  additionalCriticalExtensions?: readonly CsrExtension[] | undefined;
}

/** The subject fields in their v4 order, after CN and the unique id. */
export const SUBJECT_FIELDS = [
  'organization',
  'organizationalUnit',
  'emailAddress',
  'countryName',
  'stateOrProvinceName',
  'localityName',
] as const;

function sameSet(a: readonly string[] | undefined, b: readonly string[] | undefined, map = (s: string) => s) {
  const left = new Set((a ?? []).map(map));
  const right = new Set((b ?? []).map(map));
  return left.size === right.size && [...left].every((x) => right.has(x));
}

function ipKey(ip: string): string {
  return isIP(ip) === 0 ? ip : canonicalIp(ip);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

/**
 * Attribute equality as the v4 requirer defines it (protocol-v4 §2.4), used to tell whether a CSR
 * still matches a request: CN (missing = ""), the three SAN sets (IPs compared in canonical form),
 * every subject field, `isCa`, whether a unique id is present, and the list of additional critical
 * extensions (OID, then value bytes, in order).
 * @example
 * const csr = await parseCsr(pem);
 * if (!attributesEqual(attributesOfCsr(csr, { isCa: false }), wanted)) { … send a new CSR … }
 */
export function attributesEqual(a: CsrAttributes, b: CsrAttributes): boolean {
  if ((a.commonName ?? '') !== (b.commonName ?? '')) return false;
  if (!sameSet(a.sansDns, b.sansDns) || !sameSet(a.sansOid, b.sansOid)) return false;
  if (!sameSet(a.sansIp, b.sansIp, ipKey)) return false;
  for (const field of SUBJECT_FIELDS) if ((a[field] ?? undefined) !== (b[field] ?? undefined)) return false;
  if ((a.isCa ?? false) !== (b.isCa ?? false)) return false;
  if ((a.addUniqueId ?? true) !== (b.addUniqueId ?? true)) return false;
  const x = a.additionalCriticalExtensions ?? [];
  const y = b.additionalCriticalExtensions ?? [];
  return x.length === y.length && x.every((e, i) => e.oid === y[i]!.oid && sameBytes(e.value, y[i]!.value));
}
