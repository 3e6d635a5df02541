import { createHash, createPublicKey } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { FileOptions, FileResult } from '@tls-client/fs-safe';
import { joinPem } from '@tls-client/protocol';
import { CertWriterError, type CertWriterErrorCode, MAX_PEM_BYTES, toFsError } from './errors.js';
import { type BundleCertificate, readCertificateBundle } from './read-certificate-bundle.js';
import {
  type CertificateSummary,
  checkChainOrder,
  isValidated,
  parsePrivateKey,
  summarize,
  type ValidatedCertificate,
  validateCertificate,
} from './validate-certificate.js';
import { writeFileAtomic } from './write-file-atomic.js';
import { type PairCommit, type PairFile, writePair } from './write-pair.js';

/** Input of {@link writeCertificate}. */
export interface WriteCertificateInput {
  /** The leaf PEM (text around it is dropped). Required unless `validated` is given. */
  cert?: string | undefined;
  /** The private key PEM, unencrypted. Required unless `validated` is given. */
  key?: string | undefined;
  /** Issuer certificates, leaf's issuer first. Appended to the certificate file unless `appendChain: false`. */
  chain?: string | undefined;
  /**
   * A result of {@link validateCertificate}, written as it is without validating again (so a
   * caller that validated first checks each certificate once). Replaces `cert`, `key`, `chain`,
   * `verifyCa`, `allowExpired` and `now`, which must then be absent.
   */
  validated?: ValidatedCertificate | undefined;
  certPath: string;
  keyPath: string;
  /** Optional file with the chain alone. Not written when there is no chain (a warning says so). */
  chainPath?: string;
  /** Optional file with the leaf followed by the chain. */
  fullchainPath?: string;
  /** Default `0o644`. */
  certMode?: number;
  /** Default `0o600`. Must not grant anything to others (`0o640` with `group` is the widest useful). */
  keyMode?: number;
  /** Owner of every file written, by name or uid. */
  owner?: string | number;
  /** Group of every file written, by name or gid. */
  group?: string | number;
  /** Mode of missing parent directories of certificate files. Default `0o755`. */
  certDirMode?: number;
  /** Mode of missing parent directories of the key. Default `0o700`. Created before the certificate's. */
  keyDirMode?: number;
  /** Default `true`, as the original layer: the certificate file holds the leaf followed by the chain. */
  appendChain?: boolean;
  /** Optional: the leaf must verify against this CA (PEM, one or more certificates). */
  verifyCa?: string | undefined;
  /** Default `true`: an expired or not-yet-valid certificate is written, with a warning. */
  allowExpired?: boolean | undefined;
  /** Write the key through a symlink that leads out of its directory. Default `false`. */
  allowKeyOutsideDir?: boolean;
  /** Write certificate files through symlinks that lead out of their directory. Default `false`. */
  allowCertOutsideDir?: boolean;
  /** The time validity is judged at. Default: now. */
  now?: Date | undefined;
}

/** Outcome of {@link writeCertificate}. */
export interface WriteCertificateResult {
  /** Key first, then certificate, chain, full chain (those requested). */
  files: FileResult[];
  /** True when any file was created or updated (not when only repaired or unchanged). */
  changed: boolean;
  /**
   * How the write reached the disk: `none` (nothing differed, nothing written), `repair` (modes or
   * owners fixed in place), `swap` (one atomic rename: files in one directory) or `journal` (files
   * in different directories). See "Pairs are atomic" in the README.
   */
  commit: PairCommit;
  warnings: string[];
  certificate: CertificateSummary;
}

function checkKeyMode(mode: unknown): number {
  if (mode === undefined) return 0o600;
  if (
    typeof mode === 'number' &&
    Number.isInteger(mode) &&
    mode >= 0 &&
    mode <= 0o777 &&
    (mode & 0o007) === 0
  ) {
    return mode;
  }
  throw new TypeError(
    'keyMode must be an integer up to 0o770 that grants nothing to others (e.g. 0o600, 0o640)',
  );
}

/** The validated material: the caller's `validated`, or the checks run on `cert`, `key`, `chain`. */
function validatedInput(input: WriteCertificateInput): ValidatedCertificate {
  if (input.validated === undefined) {
    return validateCertificate({
      cert: input.cert as string,
      key: input.key as string,
      chain: input.chain,
      verifyCa: input.verifyCa,
      allowExpired: input.allowExpired,
      now: input.now,
    });
  }
  if (!isValidated(input.validated)) {
    throw new TypeError('writeCertificate: "validated" must be a result of validateCertificate()');
  }
  for (const name of ['cert', 'key', 'chain', 'verifyCa', 'allowExpired', 'now'] as const) {
    if (input[name] !== undefined) {
      throw new TypeError(`writeCertificate: "${name}" must be absent when "validated" is given`);
    }
  }
  return input.validated;
}

function checkMode(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0o777) {
    throw new TypeError(`writeCertificate: "${name}" must be an integer between 0 and 0o777`);
  }
  return value;
}

function checkInputPath(name: string, value: unknown, required: boolean): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value === '')
    throw new TypeError(`writeCertificate: "${name}" must be a path`);
  return resolve(value);
}

/**
 * Validates a certificate, its key and chain, then writes them atomically: every temp file is
 * written and fsynced first, then the key replaces its target, then the certificate, chain and full
 * chain. Nothing is touched when validation fails; when writing fails before the first rename (disk
 * full, permissions), no target changes.
 *
 * @throws {CertWriterError} any validation code of {@link validateCertificate}, and the file codes of
 *   {@link writeFileAtomic}.
 * @throws {TypeError} for missing paths, equal paths or impossible modes.
 * @example
 * const r = await writeCertificate({ cert, key, chain, certPath: '/etc/app/tls.crt', keyPath: '/etc/app/tls.key', group: 'app', keyMode: 0o640 });
 * if (r.changed) await reloadService();
 */
export async function writeCertificate(input: WriteCertificateInput): Promise<WriteCertificateResult> {
  if (typeof input !== 'object' || input === null)
    throw new TypeError('writeCertificate: input must be an object');
  const keyPath = checkInputPath('keyPath', input.keyPath, true)!;
  const certPath = checkInputPath('certPath', input.certPath, true)!;
  const chainPath = checkInputPath('chainPath', input.chainPath, false);
  const fullchainPath = checkInputPath('fullchainPath', input.fullchainPath, false);
  const paths = [keyPath, certPath, chainPath, fullchainPath].filter((p) => p !== undefined);
  if (new Set(paths).size !== paths.length) {
    throw new TypeError('writeCertificate: keyPath, certPath, chainPath and fullchainPath must all differ');
  }
  const keyMode = checkKeyMode(input.keyMode);

  const valid = validatedInput(input);
  const warnings = [...valid.warnings];
  const certMode = checkMode('certMode', input.certMode, 0o644);
  const certDirMode = checkMode('certDirMode', input.certDirMode, 0o755);
  const keyDirMode = checkMode('keyDirMode', input.keyDirMode, 0o700);
  const certPolicy = input.allowCertOutsideDir ? 'always' : 'inside-dir';
  const pair: PairFile[] = [
    {
      path: keyPath,
      bytes: Buffer.from(valid.keyPem, 'utf8'),
      mode: keyMode,
      dirMode: keyDirMode,
      policy: input.allowKeyOutsideDir ? 'always' : 'inside-dir',
    },
  ];
  const add = (path: string, text: string) =>
    pair.push({
      path,
      bytes: Buffer.from(text, 'utf8'),
      mode: certMode,
      dirMode: certDirMode,
      policy: certPolicy,
    });
  add(certPath, input.appendChain === false ? valid.certPem : valid.fullchainPem);
  if (chainPath !== undefined) {
    if (valid.chainPem === '') warnings.push(`no chain was given, so "${chainPath}" was not written`);
    else add(chainPath, valid.chainPem);
  }
  if (fullchainPath !== undefined) add(fullchainPath, valid.fullchainPem);
  const { files, commit } = await writePair(pair, { owner: input.owner, group: input.group });
  return {
    files,
    commit,
    changed: files.some((f) => f.action === 'created' || f.action === 'updated'),
    warnings,
    certificate: valid.certificate,
  };
}

/**
 * Writes a CA certificate (or bundle) atomically after checking it holds only parseable
 * certificates; the file gets the normalised PEM blocks, one `\n` between and at the end.
 * Default mode `0o644`.
 *
 * @throws {CertWriterError} `ERR_CERT_WRITER_INVALID_PEM`, `_KEY_AS_CERT`, `_TOO_LARGE`, and the
 *   file codes of {@link writeFileAtomic}.
 */
export async function writeCaCertificate(
  path: string,
  pem: string,
  options: FileOptions = {},
): Promise<FileResult> {
  if (typeof pem !== 'string') throw new TypeError('writeCaCertificate: pem must be a string');
  const certs = readCertificateBundle(pem);
  return writeFileAtomic(path, joinPem(...certs.map((c) => c.pem)), { mode: 0o644, ...options });
}

/** The private key half of {@link CertificateFileInfo}. */
export interface KeyFileInfo {
  path: string;
  exists: boolean;
  mode?: number;
  uid?: number;
  gid?: number;
  /** True when the key parses and matches the certificate's public key. */
  matches: boolean;
  /** Why `matches` is false, when the key could not be read or parsed. */
  problem?: CertWriterErrorCode;
}

/** What `tls-client status` shows about a certificate file. */
export interface CertificateFileInfo {
  path: string;
  sha256: string;
  mode: number;
  uid: number;
  gid: number;
  certificate: CertificateSummary;
  /** Certificates after the leaf in the same file. */
  chainLength: number;
  chainInOrder: boolean;
  expired: boolean;
  notYetValid: boolean;
  /** Whole days until `notAfter` (negative once expired). */
  daysLeft: number;
  key?: KeyFileInfo;
}

async function readLimited(path: string): Promise<{ text: string; st: Awaited<ReturnType<typeof stat>> }> {
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(path);
  } catch (error) {
    throw toFsError(error, path, 'read');
  }
  if (!st.isFile()) {
    throw new CertWriterError('ERR_CERT_WRITER_NOT_A_FILE', `"${path}" is not a regular file`, { path });
  }
  if (st.size > MAX_PEM_BYTES) {
    throw new CertWriterError(
      'ERR_CERT_WRITER_TOO_LARGE',
      `"${path}" is ${st.size} bytes, too large for a PEM file`,
      {
        path,
      },
    );
  }
  try {
    return { text: await readFile(path, 'utf8'), st };
  } catch (error) {
    throw toFsError(error, path, 'read');
  }
}

function withPath(error: unknown, path: string): unknown {
  if (!(error instanceof CertWriterError) || error.path !== undefined) return error;
  return new CertWriterError(error.code, `${error.message} in "${path}"`, { path, cause: error });
}

/**
 * Reads a certificate file (and optionally its key) and reports what is there, for status output.
 * Never returns or logs key material.
 *
 * @throws {CertWriterError} `ERR_CERT_WRITER_NOT_FOUND`, `_PERMISSION`, `_NOT_A_FILE`, `_TOO_LARGE`,
 *   `_INVALID_PEM`, `_KEY_AS_CERT` for the certificate file. Key problems are reported in `key.problem`.
 */
export async function inspectCertificateFile(
  certPath: string,
  keyPath?: string,
): Promise<CertificateFileInfo> {
  if (typeof certPath !== 'string' || certPath === '') throw new TypeError('certPath must be a path');
  const path = resolve(certPath);
  const { text, st } = await readLimited(path);
  let certs: BundleCertificate[];
  try {
    certs = readCertificateBundle(text, { input: 'cert' });
  } catch (error) {
    throw withPath(error, path);
  }
  const x509 = certs.map((c) => c.x509);
  let chainInOrder = true;
  try {
    checkChainOrder(x509);
  } catch {
    chainInOrder = false;
  }
  const leaf = x509[0]!;
  const certificate = summarize(leaf);
  const now = Date.now();
  const info: CertificateFileInfo = {
    path,
    sha256: createHash('sha256').update(text, 'utf8').digest('hex'),
    mode: Number(st.mode) & 0o7777,
    uid: Number(st.uid),
    gid: Number(st.gid),
    certificate,
    chainLength: certs.length - 1,
    chainInOrder,
    expired: certificate.notAfter.getTime() < now,
    notYetValid: certificate.notBefore.getTime() > now,
    daysLeft: Math.floor((certificate.notAfter.getTime() - now) / 86_400_000),
  };
  if (keyPath !== undefined) {
    if (typeof keyPath !== 'string' || keyPath === '') throw new TypeError('keyPath must be a path');
    const absolute = resolve(keyPath);
    const key: KeyFileInfo = { path: absolute, exists: true, matches: false };
    try {
      const read = await readLimited(absolute);
      key.mode = Number(read.st.mode) & 0o7777;
      key.uid = Number(read.st.uid);
      key.gid = Number(read.st.gid);
      const publicKey = createPublicKey(parsePrivateKey(read.text).keyObject);
      const spki = (k: typeof publicKey) => k.export({ type: 'spki', format: 'der' });
      key.matches = spki(publicKey).equals(spki(leaf.publicKey));
      if (!key.matches) key.problem = 'ERR_CERT_WRITER_KEY_MISMATCH';
    } catch (error) {
      key.problem = error instanceof CertWriterError ? error.code : 'ERR_CERT_WRITER_INVALID_KEY';
      if (key.problem === 'ERR_CERT_WRITER_NOT_FOUND') key.exists = false;
    }
    info.key = key;
  }
  return info;
}
