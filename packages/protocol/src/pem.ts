/**
 * PEM helpers: find blocks amid other text, classify them, normalise them. Text only, no Node APIs.
 * They do not check that the base64 decodes to a valid certificate or key; that is the job of the
 * layer that parses the DER (cert-writer).
 */

/** A PEM label such as `CERTIFICATE`, `PRIVATE KEY`, `RSA PRIVATE KEY`, `EC PRIVATE KEY`. */
export type PemLabel = string;

/** What a PEM block holds, judged by its label. */
export type PemKind = 'certificate' | 'private-key' | 'other';

/** One PEM block found in a text. */
export interface PemBlock {
  /** The label between `BEGIN ` and the dashes, e.g. `RSA PRIVATE KEY`. */
  label: PemLabel;
  /** `certificate` for `CERTIFICATE`, `TRUSTED CERTIFICATE` and `X509 CERTIFICATE`; `private-key` for any label ending in `PRIVATE KEY`. */
  kind: PemKind;
  /** True for `ENCRYPTED PRIVATE KEY` and for legacy keys with a `Proc-Type: 4,ENCRYPTED` header. */
  encrypted: boolean;
  /** The block normalised: LF line ends, no blank or padded lines (RFC 1421 headers keep their one separating blank line), ends with one `\n`. */
  pem: string;
}

// RFC 7468 labels: printable ASCII except '-', with single spaces or hyphens between characters.
const MARKER = /-----(BEGIN|END) ((?:[\x21-\x2c\x2e-\x7e](?:[- ]?[\x21-\x2c\x2e-\x7e])*)?)-----/g;
const BASE64_LINE = /^[A-Za-z0-9+/=]+$/;
const HEADER_LINE = /^[\x21-\x39\x3b-\x7e]+:/;
const CERTIFICATE_LABELS = new Set(['CERTIFICATE', 'TRUSTED CERTIFICATE', 'X509 CERTIFICATE']);

function kindOf(label: string): PemKind {
  if (CERTIFICATE_LABELS.has(label)) return 'certificate';
  if (label === 'PRIVATE KEY' || label.endsWith(' PRIVATE KEY')) return 'private-key';
  return 'other';
}

/**
 * Normalises the text between the BEGIN and END lines. Returns undefined when it is not PEM
 * content: no base64, or characters outside base64 after the headers.
 */
function normaliseBody(body: string): { lines: string[]; encrypted: boolean } | undefined {
  const headers: string[] = [];
  const data: string[] = [];
  let lastHeader = -1;
  for (const rawLine of body.split(/\r\n|\r|\n/)) {
    const line = rawLine.trim();
    if (line === '') continue;
    if (data.length === 0 && HEADER_LINE.test(line)) {
      headers.push(line);
      lastHeader = headers.length - 1;
      continue;
    }
    // RFC 1421 header continuation lines start with whitespace.
    if (data.length === 0 && lastHeader >= 0 && /^[ \t]/.test(rawLine) && !BASE64_LINE.test(line)) {
      headers[lastHeader] += ` ${line}`;
      continue;
    }
    if (!BASE64_LINE.test(line)) return undefined;
    data.push(line);
  }
  if (data.length === 0) return undefined;
  const encrypted = headers.some((header) => /^Proc-Type:\s*4\s*,\s*ENCRYPTED$/i.test(header));
  return { lines: headers.length > 0 ? [...headers, '', ...data] : data, encrypted };
}

/**
 * Finds every complete PEM block in a text, in order, ignoring whatever surrounds them (such as the
 * OpenSSL text dump easy-rsa puts before a certificate). Accepts CRLF and stray whitespace. A BEGIN
 * without its matching END, or a block whose body is not base64, is skipped.
 *
 * @throws TypeError when `text` is not a string.
 * @example extractPemBlocks(value).filter((b) => b.kind === 'certificate')
 */
export function extractPemBlocks(text: string): PemBlock[] {
  if (typeof text !== 'string') throw new TypeError('extractPemBlocks: text must be a string');
  const blocks: PemBlock[] = [];
  let open: { label: string; bodyStart: number } | undefined;
  MARKER.lastIndex = 0;
  for (let match = MARKER.exec(text); match !== null; match = MARKER.exec(text)) {
    const [marker, which, label = ''] = match;
    if (which === 'BEGIN') {
      // A BEGIN inside an open block means the earlier block was truncated: start over here.
      open = { label, bodyStart: match.index + marker.length };
      continue;
    }
    if (open === undefined || open.label !== label) {
      open = undefined;
      continue;
    }
    const body = normaliseBody(text.slice(open.bodyStart, match.index));
    open = undefined;
    if (body === undefined) continue;
    const kind = kindOf(label);
    blocks.push({
      label,
      kind,
      encrypted: label === 'ENCRYPTED PRIVATE KEY' || body.encrypted,
      pem: `-----BEGIN ${label}-----\n${body.lines.join('\n')}\n-----END ${label}-----\n`,
    });
  }
  return blocks;
}

/**
 * Returns every PEM block of a text, normalised and joined: one `\n` between blocks and one at the
 * end. Text outside the blocks is dropped. Returns `""` when the text holds no PEM block.
 *
 * @throws TypeError when `text` is not a string.
 */
export function normalizePem(text: string): string {
  if (typeof text !== 'string') throw new TypeError('normalizePem: text must be a string');
  return extractPemBlocks(text)
    .map((block) => block.pem)
    .join('');
}

/**
 * Joins PEM texts (typically a certificate and its chain) into one normalised bundle, in order.
 * `undefined` and empty parts are skipped; text around the blocks is dropped.
 *
 * @throws TypeError when a part is neither a string nor undefined.
 * @example joinPem(cert, chain) // "-----BEGIN CERTIFICATE-----\n…\n-----END CERTIFICATE-----\n-----BEGIN …"
 */
export function joinPem(...parts: (string | undefined)[]): string {
  let out = '';
  for (const part of parts) {
    if (part === undefined || part === '') continue;
    if (typeof part !== 'string') throw new TypeError('joinPem: every part must be a string or undefined');
    out += normalizePem(part);
  }
  return out;
}
