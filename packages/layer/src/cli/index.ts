export type { Problem } from '../state.js';
export {
  type CheckFinding,
  type CheckFindingKind,
  type CheckResult,
  type CheckStatusOptions,
  checkStatus,
} from './check-status.js';
export type { CliErrorCode, CliErrorOutput } from './cli-error.js';
export { describeExpiry } from './describe-expiry.js';
export { EXIT_CODE_LEGEND, formatStatus } from './format-status.js';
export type {
  RelationDialect,
  RelationDialectStatus,
  RenewalTrigger,
  RequestErrorStatus,
} from './read-renewal.js';
export {
  type CertificateStatus,
  type FileStatus,
  type ReadStatusOptions,
  readStatus,
  type TlsClientStatus,
} from './read-status.js';
export type { TrustAnchorStatus } from './read-trust-anchor.js';
export { runCli } from './run-cli.js';
