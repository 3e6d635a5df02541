import { createPrivateKey, createPublicKey, type KeyObject, type X509Certificate } from 'node:crypto';
import { extractPemBlocks, joinPem } from '@tls-client/protocol';
import { CertWriterError, MAX_PEM_BYTES } from './errors.js';
import { type BundleCertificate, describePemText, readCertificateBundle } from './read-certificate-bundle.js';

/** What a certificate says about itself, for logs and status output (no key material). */
export interface CertificateSummary {
  /** Subject DN, one `NAME=value` per RDN joined with `, `. */
  subject: string;
  issuer: string;
  /** Subject alternative names as `DNS:host`, `IP Address:1.2.3.4`, …; empty when there are none. */
  sans: string[];
  notBefore: Date;
  notAfter: Date;
  /** SHA-256 fingerprint, colon-separated hex as OpenSSL prints it. */
  fingerprint256: string;
  serialNumber: string;
}

/** Input of {@link validateCertificate}. */
export interface ValidateCertificateInput {
  /** The leaf PEM; text around it is dropped. Further certificates in it are taken as the start of the chain. */
  cert: string;
  /** The private key PEM (PKCS#8, PKCS#1 or SEC1), unencrypted. */
  key: string;
  /** Issuer certificates, each issued by the next. */
  chain?: string | undefined;
  /** When given, the leaf (through the chain) must verify against one of these CA certificates. */
  verifyCa?: string | undefined;
  /** Default `true`: an expired or not-yet-valid leaf is accepted with a warning. `false` rejects it. */
  allowExpired?: boolean | undefined;
  /** The time validity is judged at. Default: now. */
  now?: Date | undefined;
  /**
   * What a `chain` that does not parse or does not fit the leaf does: `throw` (default), or `drop`:
   * the result has no chain (only certificates that came in `cert` itself) and `chainError` says why.
   * Lets a caller fall back to "written without the chain" with a single validation.
   */
  badChain?: 'throw' | 'drop' | undefined;
}

/** Certificate material that passed every check, normalised and ready to write. */
export interface ValidatedCertificate {
  /** The leaf alone, normalised PEM ending in one `\n`. */
  certPem: string;
  /** The private key block, normalised. */
  keyPem: string;
  /** The chain, normalised (`''` when there is none). */
  chainPem: string;
  /** Leaf followed by the chain: one `\n` between blocks and one at the end. */
  fullchainPem: string;
  /** `rsa`, `ec`, `ed25519`, … as Node names it. */
  keyType: string;
  certificate: CertificateSummary;
  /** Number of certificates in the chain (without the leaf). */
  chainLength: number;
  /** Things worth telling an operator that do not stop the write (expiry, weak key). */
  warnings: string[];
  /** With `badChain: 'drop'`: why the given chain was left out. */
  chainError?: CertWriterError | undefined;
}

// Objects validateCertificate made, so writeCertificate can take one without checking it again.
const validatedObjects = new WeakSet<object>();

/** True when `value` is a result of {@link validateCertificate} (frozen, so unchanged since). */
export function isValidated(value: unknown): value is ValidatedCertificate {
  return typeof value === 'object' && value !== null && validatedObjects.has(value);
}

/** Finds and parses the one unencrypted private key of a text. */
export function parsePrivateKey(value: string): { keyObject: KeyObject; pem: string } {
  const size = Buffer.byteLength(value, 'utf8');
  if (size > MAX_PEM_BYTES) {
    throw new CertWriterError(
      'ERR_CERT_WRITER_TOO_LARGE',
      `"key" is ${size} bytes, more than the ${MAX_PEM_BYTES} a certificate or key can reasonably be`,
      { key: 'key' },
    );
  }
  const blocks = extractPemBlocks(value);
  const keys = blocks.filter((b) => b.kind === 'private-key');
  if (keys.length !== 1) {
    const what =
      keys.length > 1
        ? `${keys.length} private keys, expected one`
        : blocks.some((b) => b.kind === 'certificate')
          ? 'a certificate, not a private key'
          : describePemText(value, blocks);
    throw new CertWriterError(
      'ERR_CERT_WRITER_INVALID_KEY',
      `"key" must hold one PEM private key (${what})`,
      {
        key: 'key',
      },
    );
  }
  const block = keys[0]!;
  if (block.encrypted) {
    throw new CertWriterError(
      'ERR_CERT_WRITER_INVALID_KEY',
      `"key" is an encrypted private key ("${block.label}"); services need it unencrypted`,
      { key: 'key' },
    );
  }
  try {
    return { keyObject: createPrivateKey(block.pem), pem: block.pem };
  } catch (error) {
    throw new CertWriterError(
      'ERR_CERT_WRITER_INVALID_KEY',
      `"key" ("${block.label}", ${block.pem.length} characters) does not parse as a private key`,
      { key: 'key', cause: error },
    );
  }
}

function spki(key: KeyObject): Buffer {
  return key.export({ type: 'spki', format: 'der' });
}

function isIssuedBy(child: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return child.checkIssued(issuer) && child.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

function firstCn(dn: string): string {
  const cn = dn.split('\n').find((line) => line.startsWith('CN='));
  return (cn ?? dn.split('\n')[0] ?? '').slice(0, 128);
}

/** Summarises a certificate for logs and status output. */
export function summarize(cert: X509Certificate): CertificateSummary {
  const sans = cert.subjectAltName ? cert.subjectAltName.split(/, (?=[A-Za-z][A-Za-z ]*:)/) : [];
  return {
    subject: cert.subject.split('\n').join(', '),
    issuer: cert.issuer.split('\n').join(', '),
    sans,
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    fingerprint256: cert.fingerprint256,
    serialNumber: cert.serialNumber,
  };
}

/** Checks that every certificate issued the one before it (leaf first), from link `from` on. */
export function checkChainOrder(certs: readonly X509Certificate[], from = 0): void {
  for (let i = from; i + 1 < certs.length; i++) {
    const child = certs[i]!;
    const issuer = certs[i + 1]!;
    if (!isIssuedBy(child, issuer)) {
      throw new CertWriterError(
        'ERR_CERT_WRITER_CHAIN_ORDER',
        `"chain" certificate #${i + 1} ("${firstCn(issuer.subject)}") did not issue ${
          i === 0 ? 'the leaf' : `chain certificate #${i}`
        } ("${firstCn(child.subject)}"); the chain must run leaf first, each certificate followed by its issuer`,
        { key: 'chain' },
      );
    }
  }
}

/**
 * Validates a certificate, its private key and chain without any I/O: PEM found amid other text,
 * X.509 parses, the key matches the leaf's public key (RSA, EC, Ed25519, …), the chain is in order,
 * optionally the leaf verifies against `verifyCa`, and no private key sits where a certificate belongs.
 *
 * @throws {CertWriterError} `ERR_CERT_WRITER_INVALID_PEM`, `_KEY_AS_CERT`, `_INVALID_KEY`,
 *   `_KEY_MISMATCH`, `_CHAIN_ORDER`, `_UNTRUSTED`, `_EXPIRED`, `_NOT_YET_VALID`, `_TOO_LARGE`.
 * @throws {TypeError} when an input is not a string.
 * @example
 * const v = validateCertificate({ cert, key, chain });
 * console.log(v.certificate.notAfter, v.warnings);
 */
export function validateCertificate(input: ValidateCertificateInput): ValidatedCertificate {
  if (typeof input !== 'object' || input === null)
    throw new TypeError('validateCertificate: input must be an object');
  for (const name of ['cert', 'key'] as const) {
    if (typeof input[name] !== 'string')
      throw new TypeError(`validateCertificate: "${name}" must be a string`);
  }
  for (const name of ['chain', 'verifyCa'] as const) {
    const value = input[name];
    if (value !== undefined && typeof value !== 'string') {
      throw new TypeError(`validateCertificate: "${name}" must be a string when given`);
    }
  }
  if (input.badChain !== undefined && input.badChain !== 'throw' && input.badChain !== 'drop') {
    throw new TypeError(`validateCertificate: "badChain" must be 'throw' or 'drop'`);
  }
  const now = input.now ?? new Date();
  const [leafBlock, ...extra] = readCertificateBundle(input.cert, { input: 'cert' });
  const leaf = leafBlock!.x509;
  const { keyObject, pem: keyPem } = parsePrivateKey(input.key);

  if (!spki(leaf.publicKey).equals(spki(createPublicKey(keyObject)))) {
    throw new CertWriterError(
      'ERR_CERT_WRITER_KEY_MISMATCH',
      `"key" (${keyObject.asymmetricKeyType ?? 'unknown'} key) does not belong to the certificate "${firstCn(leaf.subject)}"`,
      { key: 'key' },
    );
  }
  checkChainOrder([leaf, ...extra.map((c) => c.x509)]);
  let chainBlocks: BundleCertificate[] = extra;
  let chainError: CertWriterError | undefined;
  if (input.chain) {
    try {
      const given = readCertificateBundle(input.chain, { input: 'chain', allowEmpty: true });
      const candidate = [...extra, ...given];
      // Only the link from what `cert` held to the given chain, and the chain itself, are new.
      checkChainOrder([leaf, ...candidate.map((c) => c.x509)], extra.length);
      chainBlocks = candidate;
    } catch (error) {
      if (input.badChain !== 'drop' || !(error instanceof CertWriterError)) throw error;
      chainError = error;
    }
  }
  const chain = chainBlocks.map((c) => c.x509);
  const all = [leaf, ...chain];

  if (input.verifyCa !== undefined) {
    const anchors = readCertificateBundle(input.verifyCa, { input: 'verifyCa' }).map((c) => c.x509);
    const trusted = all.some((cert) =>
      anchors.some((ca) => ca.fingerprint256 === cert.fingerprint256 || isIssuedBy(cert, ca)),
    );
    if (!trusted) {
      throw new CertWriterError(
        'ERR_CERT_WRITER_UNTRUSTED',
        `the certificate "${firstCn(leaf.subject)}" does not verify against the ${anchors.length} certificate(s) in "verifyCa"`,
        { key: 'verifyCa' },
      );
    }
  }

  const certificate = summarize(leaf);
  const warnings: string[] = [];
  const name = firstCn(leaf.subject);
  if (certificate.notAfter.getTime() < now.getTime()) {
    if (input.allowExpired === false) {
      throw new CertWriterError(
        'ERR_CERT_WRITER_EXPIRED',
        `the certificate "${name}" expired at ${certificate.notAfter.toISOString()}`,
        { key: 'cert' },
      );
    }
    warnings.push(`certificate "${name}" expired at ${certificate.notAfter.toISOString()}`);
  } else if (certificate.notBefore.getTime() > now.getTime()) {
    if (input.allowExpired === false) {
      throw new CertWriterError(
        'ERR_CERT_WRITER_NOT_YET_VALID',
        `the certificate "${name}" is not valid before ${certificate.notBefore.toISOString()}`,
        { key: 'cert' },
      );
    }
    warnings.push(`certificate "${name}" is not valid before ${certificate.notBefore.toISOString()}`);
  }
  chain.forEach((cert, index) => {
    if (new Date(cert.validTo).getTime() < now.getTime()) {
      warnings.push(
        `chain certificate #${index + 1} ("${firstCn(cert.subject)}") expired at ${new Date(cert.validTo).toISOString()}`,
      );
    }
  });
  const bits = keyObject.asymmetricKeyDetails?.modulusLength;
  if (keyObject.asymmetricKeyType === 'rsa' && bits !== undefined && bits < 2048) {
    warnings.push(`the RSA key has ${bits} bits; 2048 is the accepted minimum`);
  }

  const certPem = leafBlock!.pem;
  const chainPem = joinPem(...chainBlocks.map((c) => c.pem));
  const result: ValidatedCertificate = Object.freeze({
    certPem,
    keyPem,
    chainPem,
    fullchainPem: joinPem(certPem, chainPem),
    keyType: keyObject.asymmetricKeyType ?? 'unknown',
    certificate: Object.freeze(certificate),
    chainLength: chain.length,
    warnings: Object.freeze(warnings) as string[],
    chainError,
  });
  validatedObjects.add(result);
  return result;
}
