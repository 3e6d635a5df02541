/**
 * Canonical PEM: one block, its base64 body checked and re-wrapped at 64 columns, its DER checked
 * for the outer shape of a certificate or CSR. Pure JS (no Buffer), so the package stays portable.
 * This is an identity and sanity check, not an X.509 parser: the DER is walked only as far as the
 * outer TLVs, so a CSR's signature or a certificate's extensions are not verified here.
 */

/**
 * The longest PEM text the v4 decoders read, in characters (1 MiB, as cert-writer's
 * `MAX_PEM_BYTES`). Larger values are reported as `ERR_PROTOCOL_TOO_LARGE` before any parsing.
 */
export const MAX_PEM_LENGTH = 1024 * 1024;

/** What a PEM field must hold. */
export type PemExpectation = 'csr' | 'certificate' | 'by-label';

/** The outcome of {@link inspectPem}. `reason` describes the fault without quoting the value. */
export type PemInspection =
  | { ok: true; pem: string; label: string }
  | { ok: false; code: 'ERR_PROTOCOL_INVALID_PEM' | 'ERR_PROTOCOL_TOO_LARGE'; reason: string };

const BASE64_VALUES = new Int8Array(128).fill(-1);
const BASE64_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
for (let i = 0; i < 64; i++) BASE64_VALUES[BASE64_CHARS.charCodeAt(i)] = i;

const BEGIN = '-----BEGIN ';
const DASHES = '-----';
const LABEL = /^[A-Z0-9]+(?: [A-Z0-9]+)*$/;
const WHITESPACE = /[ \t\r\n]+/g;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
// cryptography writes `CERTIFICATE REQUEST` for a CSR read as `NEW CERTIFICATE REQUEST` (Netscape).
const CSR_LABELS = new Set(['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']);

const TAG_SEQUENCE = 0x30;
const TAG_INTEGER = 0x02;
const TAG_BIT_STRING = 0x03;
const TAG_CONTEXT_0 = 0xa0;

/** Lazy random access to the bytes of a base64 text, so the DER walk decodes only what it reads. */
class Base64Bytes {
  readonly length: number;
  constructor(private readonly text: string) {
    const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
    this.length = (text.length / 4) * 3 - padding;
  }

  at(index: number): number {
    const quad = (index / 3) | 0;
    const i = quad * 4;
    const t = this.text;
    const bits =
      (BASE64_VALUES[t.charCodeAt(i)]! << 18) |
      (BASE64_VALUES[t.charCodeAt(i + 1)]! << 12) |
      (((BASE64_VALUES[t.charCodeAt(i + 2)] ?? 0) & 63) << 6) |
      ((BASE64_VALUES[t.charCodeAt(i + 3)] ?? 0) & 63);
    return (bits >> (16 - 8 * (index - quad * 3))) & 0xff;
  }
}

interface Tlv {
  tag: number;
  start: number;
  end: number;
}

/** Reads one DER TLV at `offset` that must end by `limit`; undefined when it does not. */
function readTlv(bytes: Base64Bytes, offset: number, limit: number): Tlv | undefined {
  if (offset + 2 > limit) return undefined;
  const tag = bytes.at(offset);
  // Multi-byte tags do not occur in the outer layers of a certificate or CSR.
  if ((tag & 0x1f) === 0x1f) return undefined;
  let length = bytes.at(offset + 1);
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    // 0x80 is BER's indefinite length, which DER forbids; more than 4 length bytes is absurd here.
    if (count === 0 || count > 4 || start + count > limit) return undefined;
    length = 0;
    for (let k = 0; k < count; k++) length = length * 256 + bytes.at(start + k);
    start += count;
  }
  const end = start + length;
  return end > limit ? undefined : { tag, start, end };
}

/** The tags of the TLVs that exactly fill `parent`; undefined when they do not fill it. */
function childTags(
  bytes: Base64Bytes,
  parent: Tlv,
  max: number,
): { tags: number[]; children: Tlv[] } | undefined {
  const tags: number[] = [];
  const children: Tlv[] = [];
  let offset = parent.start;
  while (offset < parent.end) {
    if (tags.length === max) return undefined;
    const child = readTlv(bytes, offset, parent.end);
    if (child === undefined) return undefined;
    tags.push(child.tag);
    children.push(child);
    offset = child.end;
  }
  return { tags, children };
}

/** Why the DER is not a signed X.509 structure of the expected kind; undefined when it is. */
function checkDer(bytes: Base64Bytes, kind: PemExpectation): string | undefined {
  const outer = readTlv(bytes, 0, bytes.length);
  if (outer === undefined || outer.end !== bytes.length) return 'its DER is truncated or has trailing bytes';
  if (kind === 'by-label') return undefined;
  if (outer.tag !== TAG_SEQUENCE) return 'its DER is not a SEQUENCE';
  // Certificate and CertificationRequest are both SEQUENCE { info SEQUENCE, algorithm SEQUENCE, BIT STRING }.
  const signed = childTags(bytes, outer, 3);
  if (
    signed === undefined ||
    signed.tags.length !== 3 ||
    signed.tags[0] !== TAG_SEQUENCE ||
    signed.tags[1] !== TAG_SEQUENCE ||
    signed.tags[2] !== TAG_BIT_STRING
  ) {
    return 'its DER is not a signed structure (info, algorithm, signature)';
  }
  const info = childTags(bytes, signed.children[0]!, 16);
  if (info === undefined) return 'its DER is truncated inside the signed info';
  const t = info.tags;
  if (kind === 'csr') {
    // CertificationRequestInfo: version INTEGER, subject Name, subjectPKInfo, [0] attributes.
    const isCsr =
      t.length === 4 &&
      t[0] === TAG_INTEGER &&
      t[1] === TAG_SEQUENCE &&
      t[2] === TAG_SEQUENCE &&
      t[3] === TAG_CONTEXT_0;
    return isCsr ? undefined : 'its DER is not a certification request (PKCS #10)';
  }
  // TBSCertificate: [0] version (v2/v3), serial INTEGER, signature, issuer, validity, subject, SPKI, ...
  const first = t[0] === TAG_CONTEXT_0 ? 1 : 0;
  const isCertificate =
    t.length >= first + 6 &&
    t[first] === TAG_INTEGER &&
    t.slice(first + 1, first + 6).every((tag) => tag === TAG_SEQUENCE);
  return isCertificate ? undefined : 'its DER is not an X.509 certificate';
}

/** Clears the unused low bits of the last base64 digit, as re-encoding the decoded bytes would. */
function canonicalBase64(body: string): string {
  const padding = body.endsWith('==') ? 2 : body.endsWith('=') ? 1 : 0;
  if (padding === 0) return body;
  const last = body.length - 1 - padding;
  const value = BASE64_VALUES[body.charCodeAt(last)]!;
  const mask = padding === 2 ? 0x30 : 0x3c;
  return (value & mask) === value
    ? body
    : `${body.slice(0, last)}${BASE64_CHARS[value & mask]}${body.slice(last + 1)}`;
}

function wrap(body: string): string {
  if (body.length <= 64) return body;
  const lines: string[] = [];
  for (let i = 0; i < body.length; i += 64) lines.push(body.slice(i, i + 64));
  return lines.join('\n');
}

function labelName(kind: PemExpectation): string {
  return kind === 'csr' ? 'CERTIFICATE REQUEST' : 'CERTIFICATE';
}

/**
 * Internal: checks that `text` is one PEM block of the expected kind, with nothing but whitespace
 * around it, and returns its canonical form (what Python's `cryptography` writes, stripped).
 */
export function inspectPem(text: unknown, kind: PemExpectation): PemInspection {
  if (typeof text !== 'string')
    return { ok: false, code: 'ERR_PROTOCOL_INVALID_PEM', reason: 'is not a string' };
  if (text.length > MAX_PEM_LENGTH) {
    return {
      ok: false,
      code: 'ERR_PROTOCOL_TOO_LARGE',
      reason: `is ${text.length} characters, more than the ${MAX_PEM_LENGTH} a PEM block is read up to`,
    };
  }
  const pem = text.trim();
  const invalid = (reason: string): PemInspection => ({
    ok: false,
    code: 'ERR_PROTOCOL_INVALID_PEM',
    reason,
  });
  if (!pem.startsWith(BEGIN)) return invalid('is not PEM (no BEGIN line)');
  const labelEnd = pem.indexOf(DASHES, BEGIN.length);
  if (labelEnd < 0) return invalid('is not PEM (unterminated BEGIN line)');
  const label = pem.slice(BEGIN.length, labelEnd);
  if (!LABEL.test(label)) return invalid('is not PEM (bad label)');
  const end = `-----END ${label}-----`;
  if (!pem.endsWith(end) || pem.length < labelEnd + DASHES.length + end.length) {
    return invalid(`is a truncated PEM ${label} (no matching END line)`);
  }
  if (kind === 'csr' && !CSR_LABELS.has(label)) {
    return invalid(`holds a PEM ${label} where a CERTIFICATE REQUEST belongs`);
  }
  if (kind === 'certificate' && label !== 'CERTIFICATE') {
    return invalid(`holds a PEM ${label} where a CERTIFICATE belongs`);
  }
  const body = pem.slice(labelEnd + DASHES.length, pem.length - end.length).replace(WHITESPACE, '');
  if (body.length === 0 || body.length % 4 !== 0 || !BASE64.test(body)) {
    return invalid(`holds a PEM ${label} whose body is not base64 (junk, a second block or a cut)`);
  }
  const canonicalLabel = CSR_LABELS.has(label) ? 'CERTIFICATE REQUEST' : label;
  const expected: PemExpectation =
    kind !== 'by-label'
      ? kind
      : canonicalLabel === 'CERTIFICATE REQUEST'
        ? 'csr'
        : label === 'CERTIFICATE'
          ? 'certificate'
          : 'by-label';
  const fault = checkDer(new Base64Bytes(body), expected);
  if (fault !== undefined) {
    return invalid(
      `holds a PEM ${label} whose content is not a ${expected === 'by-label' ? 'DER value' : labelName(expected)}: ${fault}`,
    );
  }
  return {
    ok: true,
    label: canonicalLabel,
    pem: `-----BEGIN ${canonicalLabel}-----\n${wrap(canonicalBase64(body))}\n-----END ${canonicalLabel}-----`,
  };
}

/**
 * The canonical form of a PEM block: LF line ends, base64 at 64 columns, no surrounding whitespace
 * (`NEW CERTIFICATE REQUEST` becomes `CERTIFICATE REQUEST`), as Python's `cryptography` re-serialises
 * it and strips it. Returns `undefined` when `pem` is not exactly one well-formed block (text around
 * it, bad base64, a DER that is truncated or, for a certificate or CSR, not shaped like one) or is
 * longer than {@link MAX_PEM_LENGTH}.
 *
 * @example canonicalPem('-----BEGIN CERTIFICATE REQUEST-----\r\nMIIC…\r\n-----END CERTIFICATE REQUEST-----\r\n')
 */
export function canonicalPem(pem: string): string | undefined {
  const inspected = inspectPem(pem, 'by-label');
  return inspected.ok ? inspected.pem : undefined;
}

/**
 * CSR and certificate identity as the v4 protocol compares them: true when both are well-formed
 * PEM blocks with the same label and the same DER bytes, whatever their line lengths, line ends or
 * surrounding whitespace. False when either is not well-formed.
 *
 * @example pemEquals(ourCsr, entry.certificateSigningRequest)
 */
export function pemEquals(a: string, b: string): boolean {
  if (a === b) return canonicalPem(a) !== undefined;
  const x = canonicalPem(a);
  return x !== undefined && x === canonicalPem(b);
}
