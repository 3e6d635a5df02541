import { CertWriterError, readCertificateBundle } from '@tls-client/cert-writer';
import { CaInstallerError, type CaInstallerErrorCode } from './errors.js';

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
  allowNonCa?: boolean | undefined;
}

/** cert-writer's reader codes, as this package names them. */
function codeOf(error: CertWriterError): CaInstallerErrorCode {
  if (error.code === 'ERR_CERT_WRITER_KEY_AS_CERT') return 'ERR_CA_INSTALLER_PRIVATE_KEY';
  // A block that is there but does not parse is a bad certificate; no certificate at all is bad PEM.
  if (error.code === 'ERR_CERT_WRITER_INVALID_PEM' && error.blockIndex !== undefined) {
    return 'ERR_CA_INSTALLER_INVALID_CERTIFICATE';
  }
  return 'ERR_CA_INSTALLER_INVALID_PEM';
}

/**
 * Validates CA certificates given as PEM with cert-writer's bundle reader (PEM certificates only,
 * each one parses, at most `MAX_PEM_BYTES`), requires the CA basic constraint unless `allowNonCa`,
 * and returns them in order, duplicates dropped. Nothing of the input reaches a message.
 *
 * @throws {CaInstallerError} `ERR_CA_INSTALLER_INVALID_PEM`, `_PRIVATE_KEY`, `_INVALID_CERTIFICATE`,
 *   `_NOT_CA`
 */
export function parseCaBundle(pem: string, options: ParseCaBundleOptions = {}): CaCertificate[] {
  if (typeof pem !== 'string') throw new TypeError('pem must be a string');
  let bundle: ReturnType<typeof readCertificateBundle>;
  try {
    bundle = readCertificateBundle(pem, { input: 'pem' });
  } catch (error) {
    if (!(error instanceof CertWriterError)) throw error;
    const message = error.message.replace(/^"pem"/, 'CA PEM');
    throw new CaInstallerError(codeOf(error), message, { blockIndex: error.blockIndex, cause: error });
  }
  const certificates: CaCertificate[] = [];
  const seen = new Set<string>();
  for (const { x509, blockIndex } of bundle) {
    if (!x509.ca && options.allowNonCa !== true) {
      throw new CaInstallerError(
        'ERR_CA_INSTALLER_NOT_CA',
        `CA PEM block ${blockIndex} is not a CA certificate (no basicConstraints CA:TRUE); pass allowNonCa to trust it anyway`,
        { blockIndex },
      );
    }
    if (seen.has(x509.fingerprint256)) continue;
    seen.add(x509.fingerprint256);
    certificates.push({
      pem: x509.toString(),
      subject: x509.subject,
      fingerprint256: x509.fingerprint256,
      isCa: x509.ca,
    });
  }
  return certificates;
}
