// `@tls-client/csr/forge`: the synchronous forms, for callers that already pay for node-forge
// (providers, the testing CA). Importing this entry loads node-forge's ASN.1 codec at once.
export { type Asn1Node, fromDer, toDer } from './asn1.js';
export { createCsrSync } from './build-csr.js';
export { canonicalIp } from './ip.js';
export { parseCsrSync } from './parse-csr-sync.js';
export { derToPem, pemToDer } from './pem.js';
export { keyIdentifier, signAsn1, signatureAlgorithm, subjectPublicKeyInfo } from './sign-asn1.js';
