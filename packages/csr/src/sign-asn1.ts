import { createHash, createPublicKey, type KeyObject, sign } from 'node:crypto';
import {
  type Asn1Node,
  bitString,
  bytesOf,
  children,
  fromDer,
  oid,
  primitive,
  sequence,
  Type,
  toDer,
} from './asn1.js';
import { CsrError } from './errors.js';

const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';

/**
 * The AlgorithmIdentifier of SHA-256 with `privateKey`: sha256WithRSAEncryption (NULL parameters)
 * or ecdsa-with-SHA256 (no parameters).
 * @throws {CsrError} `ERR_CSR_UNSUPPORTED_KEY` for other key types.
 */
export function signatureAlgorithm(privateKey: KeyObject): Asn1Node {
  const type = privateKey.asymmetricKeyType;
  if (type === 'rsa') return sequence([oid(SHA256_WITH_RSA), primitive(Type.NULL, '')]);
  if (type === 'ec') return sequence([oid(ECDSA_WITH_SHA256)]);
  throw new CsrError('ERR_CSR_UNSUPPORTED_KEY', `cannot sign with a ${String(type)} key`, {
    input: 'privateKey',
  });
}

/**
 * Signs a to-be-signed structure (a CertificationRequestInfo, a TBSCertificate) with SHA-256 and
 * `privateKey` through node:crypto, and returns the SIGNED{} sequence: the structure, the
 * algorithm identifier and the signature BIT STRING.
 */
export function signAsn1(toBeSigned: Asn1Node, privateKey: KeyObject): Asn1Node {
  const algorithm = signatureAlgorithm(privateKey);
  const signature = sign('sha256', toDer(toBeSigned), privateKey);
  return sequence([toBeSigned, algorithm, bitString(signature)]);
}

/** The SubjectPublicKeyInfo of a key (public, or the public half of a private key), as an ASN.1 node. */
export function subjectPublicKeyInfo(key: KeyObject): Asn1Node {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return fromDer(publicKey.export({ type: 'spki', format: 'der' }));
}

/** SHA-1 of the subjectPublicKey bits: the key identifier of RFC 5280 §4.2.1.2, method 1. */
export function keyIdentifier(key: KeyObject): Buffer {
  const [, bits] = children(subjectPublicKeyInfo(key), 'SubjectPublicKeyInfo');
  // Skip the unused-bits octet of the BIT STRING.
  return createHash('sha1')
    .update(Buffer.from(bytesOf(bits, 'subjectPublicKey').slice(1), 'binary'))
    .digest();
}
