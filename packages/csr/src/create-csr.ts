import type { KeyObject } from 'node:crypto';
import type { CsrAttributes } from './attributes.js';
import type { CreateCsrOptions } from './build-csr.js';
import type { ParsedCsr } from './parsed-csr.js';

/**
 * Builds a PKCS#10 CSR signed with SHA-256, as the v4 requirer does (protocol-v4 §2.4):
 * - subject: CN, then x500UniqueIdentifier (a fresh UUIDv4 unless `addUniqueId: false`), O, OU,
 *   emailAddress, C, ST, L, each set attribute its own RDN, in that order (UTF8String; C
 *   PrintableString; emailAddress IA5String, as Python's `cryptography` encodes them);
 * - a non-critical SubjectAlternativeName with registeredID, iPAddress and dNSName entries;
 * - each additional extension, marked critical; no basic constraints or key usage.
 *
 * The key is RSA or EC (PKCS#1, SEC 1 or PKCS#8 PEM, or a KeyObject). Returns the PEM with no
 * trailing newline, the form the v4 wire carries. Loads node-forge's ASN.1 codec on first use.
 * @throws {CsrError} `ERR_CSR_INVALID_KEY`, `ERR_CSR_UNSUPPORTED_KEY`; `TypeError` for invalid attributes.
 * @example
 * const key = await generatePrivateKey();
 * const pem = await createCsr(key, { commonName: 'web-0.example', sansDns: ['web-0.example'] });
 */
export async function createCsr(
  privateKey: string | KeyObject,
  attributes: CsrAttributes,
  options: CreateCsrOptions = {},
): Promise<string> {
  const { createCsrSync } = await import('./build-csr.js');
  return createCsrSync(privateKey, attributes, options);
}

/**
 * Parses a PEM PKCS#10 request: subject, SANs, extensions, public key, and whether its signature
 * verifies. Size, ASCII and armour are checked before any parsing. Loads node-forge's ASN.1 codec
 * on first use.
 * @throws {CsrError} `ERR_CSR_TOO_LARGE`, `ERR_CSR_NOT_ASCII`, `ERR_CSR_INVALID_PEM`,
 *   `ERR_CSR_WRONG_TYPE`, `ERR_CSR_MALFORMED`.
 */
export async function parseCsr(pem: string): Promise<ParsedCsr> {
  const { parseCsrSync } = await import('./parse-csr-sync.js');
  return parseCsrSync(pem);
}
