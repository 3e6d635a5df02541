/**
 * Canonical PEM: one block, its base64 body checked and re-wrapped at 64 columns, its DER checked
 * for the outer shape of a certificate or CSR. Pure JS (no Buffer; base64 is decoded with the
 * standard global `atob`), so the package stays portable.
 * This is an identity and sanity check, not an X.509 parser: the DER is walked only as far as the
 * outer TLVs, so a CSR's signature or a certificate's extensions are not verified here.
 */
import { pyStrip } from './py-strip.js';

// A global of browsers, Deno and Node >= 16; declared here because the package is built without
// the DOM and Node type libraries (a Node global must not compile).
declare function atob(data: string): string;

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
const CSR_BEGIN = '-----BEGIN CERTIFICATE REQUEST-----';
const CSR_END = '-----END CERTIFICATE REQUEST-----';
const CERTIFICATE_BEGIN = '-----BEGIN CERTIFICATE-----';
const CERTIFICATE_END = '-----END CERTIFICATE-----';
const LABEL = /^[A-Z0-9]+(?: [A-Z0-9]+)*$/;
const WHITESPACE = /[ \t\r\n]+/g;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const TAG_SEQUENCE = 0x30;
const TAG_INTEGER = 0x02;
const TAG_BIT_STRING = 0x03;
const TAG_CONTEXT_0 = 0xa0;

/**
 * The bytes of base64 text, as a binary string (one character per byte), or undefined when it is
 * not base64. `atob` is a global of every JavaScript runtime the package targets (browsers, Deno,
 * Node >= 16) and decodes natively, several times faster than a JavaScript loop or a regex test
 * over the same characters. It is forgiving (it skips ASCII whitespace, accepts missing padding
 * and unused bits set), so callers check the layout themselves: see decodeCanonicalBody.
 */
function decodeBase64(text: string): string | undefined {
  try {
    return atob(text);
  } catch (error) {
    // The one error atob throws for bad input; anything else (no atob at all) is not the data's fault.
    if ((error as { name?: unknown } | null)?.name === 'InvalidCharacterError') return undefined;
    throw error;
  }
}

/**
 * The fast path: when `text[start, end)` is base64 already laid out canonically (lines of 64
 * digits joined by `\n`, a last line of 1 to 64, padding only at the end, no unused bits set),
 * returns its bytes; otherwise undefined (the caller takes the slow path, which accepts any
 * layout). One native pass over the text: the line breaks are checked where the layout puts them,
 * and `atob` checks every other character. atob skips whitespace and stops at nothing else, so a
 * character out of place (a space, a tab, a stray line break) makes it throw or return fewer bytes
 * than the digit count promises, and is caught by the length check.
 */
function decodeCanonicalBody(text: string, start: number, end: number): string | undefined {
  const length = end - start;
  // 64 digits and a \n per full line; the last line (1 to 64 digits) has no \n.
  const lastLength = length % 65;
  if (lastLength === 0) return undefined;
  for (let at = start + 64; at < end; at += 65) if (text.charCodeAt(at) !== 0x0a) return undefined;
  const digits = length - (length - lastLength) / 65;
  if (digits % 4 !== 0) return undefined;
  const padding = text.charCodeAt(end - 1) !== 0x3d ? 0 : text.charCodeAt(end - 2) !== 0x3d ? 1 : 2;
  if (padding > 0) {
    // The digit before the padding must carry no unused bits (else the slow path clears them).
    const code = text.charCodeAt(end - 1 - padding);
    if (code >= 128 || (BASE64_VALUES[code]! & (padding === 2 ? 0x0f : 0x03)) !== 0) return undefined;
  }
  const bytes = decodeBase64(text.slice(start, end));
  return bytes !== undefined && bytes.length === (digits / 4) * 3 - padding ? bytes : undefined;
}

// Where the last TLV readTlv read starts and ends (module state rather than an object per call:
// this is the hot path).
let tlvStart = 0;
let tlvEnd = 0;

/**
 * Reads one DER TLV of `der` (a binary string) at `offset` that must end by `limit`: returns its
 * tag and sets tlvStart and tlvEnd, or returns -1.
 */
function readTlv(der: string, offset: number, limit: number): number {
  if (offset + 2 > limit) return -1;
  const tag = der.charCodeAt(offset);
  // Multi-byte tags do not occur in the outer layers of a certificate or CSR.
  if ((tag & 0x1f) === 0x1f) return -1;
  let length = der.charCodeAt(offset + 1);
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    // 0x80 is BER's indefinite length, which DER forbids; more than 4 length bytes is absurd here.
    if (count === 0 || count > 4 || start + count > limit) return -1;
    length = 0;
    for (let k = 0; k < count; k++) length = length * 256 + der.charCodeAt(start + k);
    start += count;
  }
  if (start + length > limit) return -1;
  tlvStart = start;
  tlvEnd = start + length;
  return tag;
}

/** Reads the TLV at `offset` and checks its tag; returns its end, or -1. */
function expectTlv(der: string, offset: number, limit: number, tag: number): number {
  return readTlv(der, offset, limit) === tag ? tlvEnd : -1;
}

/** Why the DER is not a signed X.509 structure of the expected kind; undefined when it is. */
function checkDer(bytes: string, kind: PemExpectation): string | undefined {
  const outerTag = readTlv(bytes, 0, bytes.length);
  if (outerTag < 0 || tlvEnd !== bytes.length) return 'its DER is truncated or has trailing bytes';
  if (kind === 'by-label') return undefined;
  if (outerTag !== TAG_SEQUENCE) return 'its DER is not a SEQUENCE';
  const outerEnd = tlvEnd;
  // Certificate and CertificationRequest are both SEQUENCE { info SEQUENCE, algorithm SEQUENCE, BIT STRING }.
  const infoEnd = expectTlv(bytes, tlvStart, outerEnd, TAG_SEQUENCE);
  const infoStart = tlvStart;
  const algorithmEnd = infoEnd < 0 ? -1 : expectTlv(bytes, infoEnd, outerEnd, TAG_SEQUENCE);
  if (algorithmEnd < 0 || expectTlv(bytes, algorithmEnd, outerEnd, TAG_BIT_STRING) !== outerEnd) {
    return 'its DER is not a signed structure (info, algorithm, signature)';
  }
  if (kind === 'csr') {
    // CertificationRequestInfo: version INTEGER, subject Name, subjectPKInfo, [0] attributes.
    let at = expectTlv(bytes, infoStart, infoEnd, TAG_INTEGER);
    if (at >= 0) at = expectTlv(bytes, at, infoEnd, TAG_SEQUENCE);
    if (at >= 0) at = expectTlv(bytes, at, infoEnd, TAG_SEQUENCE);
    if (at >= 0) at = expectTlv(bytes, at, infoEnd, TAG_CONTEXT_0);
    return at === infoEnd ? undefined : 'its DER is not a certification request (PKCS #10)';
  }
  // TBSCertificate: [0] version (v2/v3), serial INTEGER, signature, issuer, validity, subject, SPKI,
  // then optional unique ids and [3] extensions.
  let at = infoStart;
  if (readTlv(bytes, at, infoEnd) === TAG_CONTEXT_0) at = tlvEnd;
  at = expectTlv(bytes, at, infoEnd, TAG_INTEGER);
  for (let k = 0; k < 5 && at >= 0; k++) at = expectTlv(bytes, at, infoEnd, TAG_SEQUENCE);
  for (let k = 0; k < 3 && at >= 0 && at < infoEnd; k++) at = readTlv(bytes, at, infoEnd) < 0 ? -1 : tlvEnd;
  return at === infoEnd ? undefined : 'its DER is not an X.509 certificate';
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

function invalid(reason: string): PemInspection {
  return { ok: false, code: 'ERR_PROTOCOL_INVALID_PEM', reason };
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
  const pem = pyStrip(text);
  // The two labels of the protocol are recognised without slicing or a regex (the hot path).
  let label: string;
  let labelEnd: number;
  let end: string;
  if (pem.startsWith(CSR_BEGIN)) {
    label = 'CERTIFICATE REQUEST';
    labelEnd = CSR_BEGIN.length - DASHES.length;
    end = CSR_END;
  } else if (pem.startsWith(CERTIFICATE_BEGIN)) {
    label = 'CERTIFICATE';
    labelEnd = CERTIFICATE_BEGIN.length - DASHES.length;
    end = CERTIFICATE_END;
  } else {
    if (!pem.startsWith(BEGIN)) return invalid('is not PEM (no BEGIN line)');
    labelEnd = pem.indexOf(DASHES, BEGIN.length);
    if (labelEnd < 0) return invalid('is not PEM (unterminated BEGIN line)');
    label = pem.slice(BEGIN.length, labelEnd);
    if (!LABEL.test(label)) return invalid('is not PEM (bad label)');
    end = `-----END ${label}-----`;
  }
  if (!pem.endsWith(end) || pem.length < labelEnd + DASHES.length + end.length) {
    return invalid(`is a truncated PEM ${label} (no matching END line)`);
  }
  // cryptography writes `CERTIFICATE REQUEST` for a CSR read as `NEW CERTIFICATE REQUEST` (Netscape).
  const isCsr = label === 'CERTIFICATE REQUEST' || label === 'NEW CERTIFICATE REQUEST';
  if (kind === 'csr' && !isCsr) {
    return invalid(`holds a PEM ${label} where a CERTIFICATE REQUEST belongs`);
  }
  if (kind === 'certificate' && label !== 'CERTIFICATE') {
    return invalid(`holds a PEM ${label} where a CERTIFICATE belongs`);
  }
  const canonicalLabel = isCsr ? 'CERTIFICATE REQUEST' : label;
  const expected: PemExpectation =
    kind !== 'by-label'
      ? kind
      : canonicalLabel === 'CERTIFICATE REQUEST'
        ? 'csr'
        : label === 'CERTIFICATE'
          ? 'certificate'
          : 'by-label';
  const bodyStart = labelEnd + DASHES.length;
  const bodyEnd = pem.length - end.length;
  // Fast path: the body is already canonical (what cryptography and openssl write), so the DER is
  // decoded in place and the canonical text is the stripped input itself, or the input relabelled.
  let bytes =
    pem.charCodeAt(bodyStart) === 0x0a && pem.charCodeAt(bodyEnd - 1) === 0x0a
      ? decodeCanonicalBody(pem, bodyStart + 1, bodyEnd - 1)
      : undefined;
  let canonicalBody: string | undefined;
  if (bytes === undefined) {
    const body = pem.slice(bodyStart, bodyEnd).replace(WHITESPACE, '');
    if (body.length % 4 === 0 && BASE64.test(body)) bytes = decodeBase64(body);
    if (bytes === undefined || bytes.length === 0) {
      return invalid(`holds a PEM ${label} whose body is not base64 (junk, a second block or a cut)`);
    }
    canonicalBody = wrap(canonicalBase64(body));
  }
  const fault = checkDer(bytes, expected);
  if (fault !== undefined) {
    const what = expected === 'by-label' ? 'DER value' : labelName(expected);
    return invalid(`holds a PEM ${label} whose content is not a ${what}: ${fault}`);
  }
  if (canonicalBody === undefined && canonicalLabel === label) return { ok: true, label, pem };
  canonicalBody ??= pem.slice(bodyStart + 1, bodyEnd - 1);
  return {
    ok: true,
    label: canonicalLabel,
    pem: `-----BEGIN ${canonicalLabel}-----\n${canonicalBody}\n-----END ${canonicalLabel}-----`,
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
