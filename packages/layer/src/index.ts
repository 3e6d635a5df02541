export type { ChangedCertificate, ChangeKind, Changes } from './changes.js';
export { LayerError, type LayerErrorCode, type LayerProblemCode, type ProblemCode } from './errors.js';
export {
  certChangedFlag,
  certsChangedFlag,
  endpointFlags,
  FLAGS_CLEARED_ON_BROKEN,
  SAVED_FLAGS_CLEARED_ON_UPGRADE,
  TLS_CLIENT_FLAGS,
} from './flag-names.js';
export type {
  LayerState,
  Problem,
  RecordedCertificate,
  RecordedFile,
  StoredPaths,
  StoredRequest,
} from './state.js';
export {
  type CertFileOptions,
  type CertificateInfo,
  type Handler,
  type RunResult,
  TlsClient,
  type TlsClientOptions,
} from './tls-client.js';
