export {
  CertWriterError,
  type CertWriterErrorCode,
  type CertWriterInputKey,
  MAX_PEM_BYTES,
} from './errors.js';
export {
  cleanStaleTempFiles,
  type FileAction,
  type FileOptions,
  type FileResult,
  type SymlinkPolicy,
  writeFileAtomic,
} from './write-file-atomic.js';
