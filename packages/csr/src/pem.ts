import { CsrError, type CsrInput, MAX_PEM_BYTES } from './errors.js';

const LABELS = {
  csr: ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST'],
  certificate: ['CERTIFICATE'],
} as const;

const BLOCK = /-----BEGIN ([A-Z0-9 ]{1,40})-----\r?\n([\s\S]*?)\r?\n?-----END ([A-Z0-9 ]{1,40})-----/g;

/**
 * Reads the one PEM block of a CSR or certificate and returns its DER. Checks size first, then
 * ASCII, then the armour, then strict base64, so that nothing large or odd reaches the ASN.1 parser.
 * @throws {CsrError} `ERR_CSR_TOO_LARGE`, `ERR_CSR_NOT_ASCII`, `ERR_CSR_INVALID_PEM`, `ERR_CSR_WRONG_TYPE`.
 */
export function pemToDer(text: string, input: 'csr' | 'certificate'): Buffer {
  if (typeof text !== 'string') throw new TypeError(`${input} must be a PEM string`);
  const what = input === 'csr' ? 'CSR' : 'certificate';
  if (text.length > MAX_PEM_BYTES) {
    throw new CsrError('ERR_CSR_TOO_LARGE', `${what} PEM is ${text.length} bytes, over ${MAX_PEM_BYTES}`, {
      input,
    });
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range is the point.
  const nonAscii = text.search(/[^\x00-\x7f]/);
  if (nonAscii !== -1) {
    throw new CsrError('ERR_CSR_NOT_ASCII', `${what} PEM has a non-ASCII character at offset ${nonAscii}`, {
      input,
    });
  }
  const blocks = [...text.matchAll(BLOCK)];
  if (blocks.length !== 1) {
    throw new CsrError(
      'ERR_CSR_INVALID_PEM',
      `${what} PEM must hold exactly one PEM block (found ${blocks.length})`,
      { input },
    );
  }
  const [whole, begin, body, end] = blocks[0] as unknown as [string, string, string, string];
  if (text.replace(whole, '').trim() !== '') {
    throw new CsrError('ERR_CSR_INVALID_PEM', `${what} PEM has text outside its PEM block`, { input });
  }
  if (begin !== end) {
    throw new CsrError('ERR_CSR_INVALID_PEM', `${what} PEM block BEGIN and END labels differ`, { input });
  }
  if (!(LABELS[input] as readonly string[]).includes(begin)) {
    throw new CsrError('ERR_CSR_WRONG_TYPE', `expected a ${what} PEM block, got "${begin}"`, { input });
  }
  const base64 = body.replace(/[ \t\r\n]/g, '');
  if (base64 === '' || base64.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) {
    throw new CsrError(
      'ERR_CSR_INVALID_PEM',
      `${what} PEM body is not base64 (${base64.length} characters)`,
      {
        input,
      },
    );
  }
  return Buffer.from(base64, 'base64');
}

/** Encodes DER as PEM with 64-column lines and no trailing newline (the v4 wire form). */
export function derToPem(label: string, der: Uint8Array): string {
  const body = Buffer.from(der)
    .toString('base64')
    .replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----`;
}

export type { CsrInput };
