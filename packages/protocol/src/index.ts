export type {
  DecodeProviderDataInput,
  IntermediateShape,
  IssuedCertificate,
  ProviderView,
} from './decode-provider-data.js';
export { decodeProviderData } from './decode-provider-data.js';
export type { DecodedRequest, DecodeRequirerDataOptions, RequirerRequests } from './decode-requirer-data.js';
export { decodeRequirerData } from './decode-requirer-data.js';
export type { EncodeProviderDataInput, ProviderAnswer } from './encode-provider-data.js';
export { encodeProviderData } from './encode-provider-data.js';
export type { EncodeRequirerDataInput } from './encode-requirer-data.js';
export { encodeRequirerData } from './encode-requirer-data.js';
export type { Decoded, ProtocolErrorCode, ProtocolErrorOptions } from './errors.js';
export { PROTOCOL_ERROR_CODES, ProtocolError } from './errors.js';
export type { ProviderUnitData } from './merge-unit-data.js';
export { mergeUnitData } from './merge-unit-data.js';
export type { PemBlock, PemKind, PemLabel } from './pem.js';
export { extractPemBlocks, joinPem, normalizePem } from './pem.js';
export { applicationSans, normalizeSans, requestHashId } from './provider-helpers.js';
export type { PyJsonDumpsOptions } from './py-json.js';
export { compareCodePoints, parseJsonView, pyJsonDumps } from './py-json.js';
export type { CertRequest, CertType, Databag, DatabagChanges } from './types.js';
export { mangleUnitName } from './unit-name.js';
