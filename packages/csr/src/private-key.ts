import { createPrivateKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { CsrError } from './errors.js';

const generate = promisify(generateKeyPair);

/** Options of {@link generatePrivateKey}. */
export interface GeneratePrivateKeyOptions {
  /** `rsa` (default, what the Python requirer makes and reads) or `ec`. */
  type?: 'rsa' | 'ec' | undefined;
  /** RSA modulus length: 2048 (default), 3072 or 4096. */
  rsaBits?: 2048 | 3072 | 4096 | undefined;
  /** EC curve: `P-256` (default) or `P-384`. */
  curve?: 'P-256' | 'P-384' | undefined;
}

/**
 * Generates a private key with Node's native crypto and returns its PEM in the "traditional"
 * OpenSSL form Python's requirer writes: PKCS#1 (`BEGIN RSA PRIVATE KEY`) for RSA, SEC 1
 * (`BEGIN EC PRIVATE KEY`) for EC, unencrypted, with no trailing newline. RSA keys have public
 * exponent 65537.
 * @example
 * const keyPem = await generatePrivateKey(); // RSA 2048
 */
export async function generatePrivateKey(options: GeneratePrivateKeyOptions = {}): Promise<string> {
  const type = options.type ?? 'rsa';
  if (type === 'rsa') {
    const bits = options.rsaBits ?? 2048;
    if (![2048, 3072, 4096].includes(bits)) throw new TypeError('rsaBits must be 2048, 3072 or 4096');
    const { privateKey } = await generate('rsa', {
      modulusLength: bits,
      publicExponent: 65537,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    });
    return privateKey.trimEnd();
  }
  if (type === 'ec') {
    const curve = options.curve ?? 'P-256';
    if (curve !== 'P-256' && curve !== 'P-384') throw new TypeError("curve must be 'P-256' or 'P-384'");
    const { privateKey } = await generate('ec', {
      namedCurve: curve,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'sec1', format: 'pem' },
    });
    return privateKey.trimEnd();
  }
  throw new TypeError("type must be 'rsa' or 'ec'");
}

/**
 * Reads a private key (PEM in any of PKCS#1, SEC 1 or PKCS#8, or a KeyObject) and checks that it
 * is RSA or EC.
 * @throws {CsrError} `ERR_CSR_INVALID_KEY`, `ERR_CSR_UNSUPPORTED_KEY`.
 */
export function toPrivateKey(key: string | KeyObject, options: { anyType?: boolean } = {}): KeyObject {
  let object: KeyObject;
  if (typeof key === 'string') {
    try {
      object = createPrivateKey(key);
    } catch (cause) {
      throw new CsrError('ERR_CSR_INVALID_KEY', `private key does not parse (${key.length} bytes)`, {
        input: 'privateKey',
        cause,
      });
    }
  } else if (typeof key === 'object' && key !== null && (key as KeyObject).type === 'private') {
    object = key;
  } else {
    throw new TypeError('privateKey must be a PEM string or a private KeyObject');
  }
  const type = object.asymmetricKeyType;
  if (!options.anyType && type !== 'rsa' && type !== 'ec') {
    throw new CsrError('ERR_CSR_UNSUPPORTED_KEY', `private key type ${String(type)} is not RSA or EC`, {
      input: 'privateKey',
    });
  }
  return object;
}
