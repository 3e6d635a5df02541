import { createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { CsrError } from './errors.js';
import { pemToDer } from './pem.js';
import { toPrivateKey } from './private-key.js';

/** Anything that carries a public key: a certificate PEM, a public KeyObject, or a parsed CSR. */
export type PublicKeySource = string | KeyObject | { readonly publicKey: KeyObject };

function publicKeyOf(source: PublicKeySource): KeyObject {
  if (typeof source === 'string') {
    const der = pemToDer(source, 'certificate');
    try {
      return new X509Certificate(der).publicKey;
    } catch (cause) {
      throw new CsrError('ERR_CSR_MALFORMED', `certificate does not parse (${der.length} bytes of DER)`, {
        input: 'certificate',
        cause,
      });
    }
  }
  if (typeof source === 'object' && source !== null) {
    const key = 'publicKey' in source ? source.publicKey : source;
    if (key instanceof Object && (key as KeyObject).type === 'public') return key as KeyObject;
    if (key instanceof Object && (key as KeyObject).type === 'private')
      return createPublicKey(key as KeyObject);
  }
  throw new TypeError('expected a certificate PEM, a KeyObject or a parsed CSR');
}

/**
 * Whether `privateKey` is the private half of the public key of a certificate (PEM), a public
 * KeyObject or a parsed CSR (from `parseCsr`). Compares the SubjectPublicKeyInfo DER, so RSA and
 * EC compare alike. Uses node:crypto only: it does not load node-forge.
 * @throws {CsrError} for a bad private key or certificate (`ERR_CSR_INVALID_KEY`, `ERR_CSR_MALFORMED`, PEM codes).
 */
export function publicKeyMatches(privateKey: string | KeyObject, source: PublicKeySource): boolean {
  const mine = createPublicKey(toPrivateKey(privateKey, { anyType: true })).export({
    type: 'spki',
    format: 'der',
  });
  const theirs = publicKeyOf(source).export({ type: 'spki', format: 'der' });
  return mine.equals(theirs);
}
