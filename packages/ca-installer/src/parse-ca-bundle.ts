import { X509Certificate } from 'node:crypto';
import { extractPemBlocks } from '@tls-client/protocol';
import { CaInstallerError } from './errors.js';

/** Largest PEM input accepted, in bytes (1 MiB; a CA bundle is a few KiB). */
export const MAX_CA_PEM_BYTES = 1024 * 1024;

/** One certificate of a validated bundle. */
export interface CaCertificate {
  /** Canonical PEM re-encoded from the parsed DER: `-----BEGIN CERTIFICATE-----`, 64-column lines, ends with `\n`. */
  pem: string;
  subject: string;
  /** SHA-256 fingerprint, colon-separated upper-case hex (as OpenSSL prints it). */
  fingerprint256: string;
  /** The certificate's CA basic constraint. */
  isCa: boolean;
}

/** Options of {@link parseCaBundle}. */
export interface ParseCaBundleOptions {
  /** Accept certificates without the CA basic constraint (for self-signed leaf pinning). Default false. */
  allowNonCa?: boolean;
}

function describe(text: string): string {
  const bytes = Buffer.byteLength(text);
  return bytes === 0 ? 'an empty string' : `${bytes} bytes without a PEM certificate`;
}

/**
 * Validates CA certificates given as PEM (text around the blocks is ignored) and returns them in
 * order, duplicates dropped. Nothing of the input reaches a message: only sizes, labels and indexes.
 *
 * @throws {CaInstallerError} `ERR_CA_INSTALLER_INVALID_PEM`, `_PRIVATE_KEY`, `_INVALID_CERTIFICATE`,
 *   `_NOT_CA`
 */
export function parseCaBundle(pem: string, options: ParseCaBundleOptions = {}): CaCertificate[] {
  if (typeof pem !== 'string') throw new TypeError('pem must be a string');
  if (Buffer.byteLength(pem) > MAX_CA_PEM_BYTES) {
    throw new CaInstallerError(
      'ERR_CA_INSTALLER_INVALID_PEM',
      `CA PEM is ${Buffer.byteLength(pem)} bytes, larger than the ${MAX_CA_PEM_BYTES} accepted`,
    );
  }
  const blocks = extractPemBlocks(pem);
  const keyIndex = blocks.findIndex((block) => block.kind === 'private-key');
  if (keyIndex !== -1) {
    throw new CaInstallerError(
      'ERR_CA_INSTALLER_PRIVATE_KEY',
      `CA PEM holds a private key (block ${keyIndex}, "${blocks[keyIndex]?.label}"); refusing to install it`,
      { blockIndex: keyIndex },
    );
  }
  const certificates: CaCertificate[] = [];
  const seen = new Set<string>();
  blocks.forEach((block, index) => {
    if (block.kind !== 'certificate') return;
    if (block.label === 'TRUSTED CERTIFICATE') {
      throw new CaInstallerError(
        'ERR_CA_INSTALLER_INVALID_CERTIFICATE',
        `CA PEM block ${index} is a "TRUSTED CERTIFICATE"; its trust settings would be lost, so give a plain CERTIFICATE`,
        { blockIndex: index },
      );
    }
    const body = block.pem.split('\n').filter((line) => line !== '' && !line.startsWith('-----'));
    const der = Buffer.from(body.join(''), 'base64');
    let x509: X509Certificate;
    try {
      x509 = new X509Certificate(der);
    } catch (error) {
      throw new CaInstallerError(
        'ERR_CA_INSTALLER_INVALID_CERTIFICATE',
        `CA PEM block ${index} (${der.length} bytes of DER) is not a parsable X.509 certificate`,
        { blockIndex: index, cause: error },
      );
    }
    // OpenSSL parses the first DER object and ignores the rest; a certificate with a tail is not one.
    if (x509.raw.length !== der.length) {
      throw new CaInstallerError(
        'ERR_CA_INSTALLER_INVALID_CERTIFICATE',
        `CA PEM block ${index} has ${der.length - x509.raw.length} bytes after its certificate`,
        { blockIndex: index },
      );
    }
    if (!x509.ca && options.allowNonCa !== true) {
      throw new CaInstallerError(
        'ERR_CA_INSTALLER_NOT_CA',
        `CA PEM block ${index} is not a CA certificate (no basicConstraints CA:TRUE); pass allowNonCa to trust it anyway`,
        { blockIndex: index },
      );
    }
    if (seen.has(x509.fingerprint256)) return;
    seen.add(x509.fingerprint256);
    certificates.push({
      pem: x509.toString(),
      subject: x509.subject,
      fingerprint256: x509.fingerprint256,
      isCa: x509.ca,
    });
  });
  if (certificates.length === 0) {
    throw new CaInstallerError(
      'ERR_CA_INSTALLER_INVALID_PEM',
      `CA PEM must hold at least one certificate (got ${describe(pem)})`,
    );
  }
  return certificates;
}
