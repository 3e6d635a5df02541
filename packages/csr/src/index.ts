export {
  attributesEqual,
  type CsrAttributes,
  type CsrExtension,
} from './attributes.js';
export type { CreateCsrOptions } from './build-csr.js';
export { createCsr, parseCsr } from './create-csr.js';
export { CsrError, type CsrErrorCode, type CsrInput, MAX_PEM_BYTES } from './errors.js';
export { type PublicKeySource, publicKeyMatches } from './key-match.js';
export {
  attributesOfCsr,
  type CsrSubject,
  type ParsedCsr,
  type ParsedExtension,
} from './parsed-csr.js';
export { type GeneratePrivateKeyOptions, generatePrivateKey } from './private-key.js';
