import { X509Certificate } from 'node:crypto';
import { extractPemBlocks, type PemBlock } from '@tls-client/protocol';
import { CertWriterError, type CertWriterInputKey, MAX_PEM_BYTES } from './errors.js';

/** One certificate of a bundle read by {@link readCertificateBundle}. */
export interface BundleCertificate {
  /** The parsed certificate. */
  x509: X509Certificate;
  /** Its PEM block, normalised (`\n` line ends, ends with one `\n`). */
  pem: string;
  /** Index (from 0) of its block among all PEM blocks of the input. */
  blockIndex: number;
}

/** Options of {@link readCertificateBundle}. */
export interface ReadCertificateBundleOptions {
  /** The input's name in messages and in the error's `key` (`cert`, `chain`, `verifyCa`, …). Default `pem`. */
  input?: CertWriterInputKey | undefined;
  /** Accept a text with no certificate at all (returns `[]`). Default `false`. */
  allowEmpty?: boolean | undefined;
}

// A key marker anywhere, even in a block too broken to extract, means a secret sits in a slot that
// is written world-readable.
const KEY_MARKER = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

/** What a text holds, for messages: its length and the labels of its PEM blocks, never content. */
export function describePemText(value: string, blocks: readonly PemBlock[]): string {
  const labels = blocks.map((b) => b.label).slice(0, 4);
  return labels.length > 0
    ? `got ${value.length} characters with PEM blocks ${labels.map((l) => `"${l}"`).join(', ')}`
    : `got ${value.length} characters and no complete PEM block`;
}

/** The DER inside a PEM block. */
function derOf(block: PemBlock): Buffer {
  const body = block.pem.split('\n').filter((line) => line !== '' && !line.startsWith('-----'));
  return Buffer.from(body.join(''), 'base64');
}

/**
 * The one reader of certificate bundles: PEM certificates only, each one parses. Finds the PEM
 * blocks amid other text (CRLF and text between blocks are fine), refuses a private key anywhere,
 * a `TRUSTED CERTIFICATE` (OpenSSL's trust-settings form, whose settings would be lost), a block
 * that does not parse as X.509 or has bytes after its certificate, and a text over
 * {@link MAX_PEM_BYTES}. Other PEM blocks (a public key, parameters) are not certificates and are
 * skipped. Messages give sizes, labels and indexes, never the text.
 *
 * Used by `validateCertificate` (leaf, chain, `verifyCa`), `writeCaCertificate`,
 * `inspectCertificateFile`, `@tls-client/ca-installer` and the layer.
 *
 * @throws {CertWriterError} `ERR_CERT_WRITER_TOO_LARGE`, `_KEY_AS_CERT`, `_INVALID_PEM` (no
 *   certificate, or one that does not parse: then `blockIndex` says which block).
 * @throws {TypeError} when `text` is not a string.
 * @example
 * const certs = readCertificateBundle(relationCa, { input: 'ca' });
 * console.log(certs.map((c) => c.x509.subject));
 */
export function readCertificateBundle(
  text: string,
  options: ReadCertificateBundleOptions = {},
): BundleCertificate[] {
  if (typeof text !== 'string') throw new TypeError('readCertificateBundle: text must be a string');
  const key = options.input ?? 'pem';
  const size = Buffer.byteLength(text, 'utf8');
  if (size > MAX_PEM_BYTES) {
    throw new CertWriterError(
      'ERR_CERT_WRITER_TOO_LARGE',
      `"${key}" is ${size} bytes, more than the ${MAX_PEM_BYTES} a certificate or key can reasonably be`,
      { key },
    );
  }
  const blocks = extractPemBlocks(text);
  const keyIndex = blocks.findIndex((b) => b.kind === 'private-key');
  if (keyIndex !== -1 || KEY_MARKER.test(text)) {
    throw new CertWriterError(
      'ERR_CERT_WRITER_KEY_AS_CERT',
      `"${key}" holds a private key where only certificates belong; refusing to write it`,
      { key, ...(keyIndex === -1 ? {} : { blockIndex: keyIndex }) },
    );
  }
  const certificates: BundleCertificate[] = [];
  blocks.forEach((block, blockIndex) => {
    if (block.kind !== 'certificate') return;
    const n = certificates.length + 1;
    if (block.label === 'TRUSTED CERTIFICATE') {
      throw new CertWriterError(
        'ERR_CERT_WRITER_INVALID_PEM',
        `"${key}" certificate #${n} is a "TRUSTED CERTIFICATE"; its trust settings would be lost, so give a plain CERTIFICATE`,
        { key, blockIndex },
      );
    }
    const der = derOf(block);
    let x509: X509Certificate;
    try {
      x509 = new X509Certificate(der);
    } catch (error) {
      throw new CertWriterError(
        'ERR_CERT_WRITER_INVALID_PEM',
        `"${key}" certificate #${n} (${der.length} bytes of DER) does not parse as X.509 (truncated or corrupt)`,
        { key, blockIndex, cause: error },
      );
    }
    // OpenSSL parses the first DER object and ignores the rest; a certificate with a tail is not one.
    if (x509.raw.length !== der.length) {
      throw new CertWriterError(
        'ERR_CERT_WRITER_INVALID_PEM',
        `"${key}" certificate #${n} has ${der.length - x509.raw.length} bytes after its certificate`,
        { key, blockIndex },
      );
    }
    certificates.push({ x509, pem: block.pem, blockIndex });
  });
  if (certificates.length === 0 && options.allowEmpty !== true) {
    throw new CertWriterError(
      'ERR_CERT_WRITER_INVALID_PEM',
      `"${key}" must hold a PEM certificate (${describePemText(text, blocks)})`,
      { key },
    );
  }
  return certificates;
}
