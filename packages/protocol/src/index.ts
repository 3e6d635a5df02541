export type { Decoded, ProtocolErrorCode, ProtocolErrorOptions } from './errors.js';
export { ProtocolError } from './errors.js';
export type { PemBlock, PemKind, PemLabel } from './pem.js';
export { extractPemBlocks, joinPem, normalizePem } from './pem.js';
export { compareCodePoints, parseJsonView, pyJsonDumps } from './py-json.js';
