export {
  cleanStaleTempFiles,
  type FileAction,
  type FileOptions,
  type FileResult,
  type SymlinkPolicy,
} from '@tls-client/fs-safe';
export {
  CertWriterError,
  type CertWriterErrorCode,
  type CertWriterInputKey,
  MAX_PEM_BYTES,
} from './errors.js';
export {
  type BundleCertificate,
  type ReadCertificateBundleOptions,
  readCertificateBundle,
} from './read-certificate-bundle.js';
export {
  type CertificateSummary,
  type ValidateCertificateInput,
  type ValidatedCertificate,
  validateCertificate,
} from './validate-certificate.js';
export {
  type CertificateFileInfo,
  inspectCertificateFile,
  type KeyFileInfo,
  type WriteCertificateInput,
  type WriteCertificateResult,
  writeCaCertificate,
  writeCertificate,
} from './write-certificate.js';
export { writeFileAtomic } from './write-file-atomic.js';
export { finishInterruptedWrite, type PairCommit } from './write-pair.js';
