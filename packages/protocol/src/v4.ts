// @tls-client/protocol/v4: the modern, CSR-based tls-certificates protocol (charm library v4 and
// charmlibs.interfaces.tls_certificates 1.x), both sides. Re-exports only.

export type { ProtocolErrorCode, ProtocolErrorOptions } from './errors.js';
export { PROTOCOL_ERROR_CODES, ProtocolError } from './errors.js';
export type { Databag, DatabagChanges } from './types.js';
export { canonicalPem, MAX_PEM_LENGTH, pemEquals } from './v4/canonical-pem.js';
export type { DecodeProviderAppDataResult } from './v4/decode-provider-app-data.js';
export {
  CAPABILITIES_KEY,
  CERTIFICATES_KEY,
  decodeProviderAppData,
  MAX_ERROR_TEXT_LENGTH,
  REQUEST_ERRORS_KEY,
} from './v4/decode-provider-app-data.js';
export type {
  DecodeRequirerRequestsInput,
  DecodeRequirerRequestsResult,
  RequirerAppDatabag,
  RequirerCsrRequest,
  RequirerUnitDatabag,
} from './v4/decode-requirer-requests.js';
export { decodeRequirerRequests } from './v4/decode-requirer-requests.js';
export type { DetectDialectInput, Dialect } from './v4/detect-dialect.js';
export { detectDialect } from './v4/detect-dialect.js';
export type { EncodeCsrRequestsInput } from './v4/encode-csr-requests.js';
export { CSR_REQUESTS_KEY, encodeCsrRequests } from './v4/encode-csr-requests.js';
export type { EncodeProviderAppDataInput } from './v4/encode-provider-app-data.js';
export { encodeProviderAppData } from './v4/encode-provider-app-data.js';
export { MAX_VALUE_LENGTH } from './v4/read-json-key.js';
export type {
  CsrRequestEntry,
  ProviderCapabilities,
  ProviderCertificateEntry,
  ProviderCertificateInput,
  RequestErrorDetail,
  RequestErrorEntry,
} from './v4/types.js';
export { REQUEST_ERROR_CODES } from './v4/types.js';
