export { ensureDir, fsyncDir } from './directories.js';
export { errnoOf, FsSafeError, type FsSafeErrorCode, toFsError } from './errors.js';
export { acquireLock, acquireLockSync, type LockHandle } from './lock.js';
export { type NewFileOptions, writeNewFile } from './new-file.js';
export { type OwnerKind, resolveOwnerId } from './owner.js';
export { currentProcess, isProcessGone, type ProcessIdentity, processStartTime } from './process-liveness.js';
export { claimTempPath, cleanStaleTempFiles, releaseTempPath } from './temp-files.js';
export {
  commitFile,
  discardFile,
  type FileAction,
  type FileOptions,
  type FilePlan,
  type FileResult,
  planFile,
  resolveSymlinkTarget,
  type SymlinkPolicy,
  type SymlinkTarget,
  stageFile,
  writeFileAtomic,
} from './write-file-atomic.js';
