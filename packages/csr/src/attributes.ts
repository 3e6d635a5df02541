import { isIP } from 'node:net';

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

/** The canonical text of an IP address: IPv4 dotted, IPv6 compressed lowercase (RFC 5952), as Python's `ipaddress`. */
export function canonicalIp(ip: string): string {
  const family = isIP(ip);
  if (family === 4)
    return ip
      .split('.')
      .map((part) => String(Number(part)))
      .join('.');
  if (family !== 6) throw new TypeError('not an IP address');
  let text = ip.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -v4[1]!.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups =
    tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  const hex = groups.map((g) => Number.parseInt(g, 16).toString(16));
  // The longest run of two or more zero groups becomes "::" (the first one on a tie).
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (hex[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && hex[j] === '0') j++;
    if (j - i > bestLength) [best, bestLength] = [i, j - i];
    i = j;
  }
  if (best === -1) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLength).join(':')}`;
}

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

/** The 4 or 16 bytes of an IP address (for an iPAddress SAN). */
export function ipToBytes(ip: string): Buffer {
  const text = canonicalIp(ip);
  if (isIP(text) === 4) return Buffer.from(text.split('.').map(Number));
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups =
    tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(Number.parseInt(g, 16), i * 2));
  return out;
}

/** The canonical text of a 4- or 16-byte iPAddress; undefined for any other length. */
export function bytesToIp(bytes: Uint8Array): string | undefined {
  if (bytes.length === 4) return [...bytes].join('.');
  if (bytes.length !== 16) return undefined;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return canonicalIp(groups.join(':'));
}
