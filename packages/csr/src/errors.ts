/**
 * Every code a {@link CsrError} can carry. The code is the contract; the message may change.
 *
 * - `ERR_CSR_TOO_LARGE`: the PEM is longer than {@link MAX_PEM_BYTES}; refused before parsing.
 * - `ERR_CSR_NOT_ASCII`: the PEM holds a character outside ASCII.
 * - `ERR_CSR_INVALID_PEM`: no PEM block, more than one, text outside the armour, or a body that is not base64.
 * - `ERR_CSR_WRONG_TYPE`: a PEM block of another kind (a certificate where a CSR belongs, or the reverse).
 * - `ERR_CSR_MALFORMED`: the DER inside the armour is not a PKCS#10 request (or X.509 certificate).
 * - `ERR_CSR_INVALID_KEY`: a private key that does not parse.
 * - `ERR_CSR_UNSUPPORTED_KEY`: a key type other than RSA or EC.
 */
export type CsrErrorCode =
  | 'ERR_CSR_TOO_LARGE'
  | 'ERR_CSR_NOT_ASCII'
  | 'ERR_CSR_INVALID_PEM'
  | 'ERR_CSR_WRONG_TYPE'
  | 'ERR_CSR_MALFORMED'
  | 'ERR_CSR_INVALID_KEY'
  | 'ERR_CSR_UNSUPPORTED_KEY';

/** Which input an error is about. */
export type CsrInput = 'csr' | 'certificate' | 'privateKey';

/**
 * Thrown for bad CSRs, certificates and keys. The message names the input and gives sizes or
 * types, never the content (a private key, or relation data from another charm).
 */
export class CsrError extends Error {
  // A literal rather than this.constructor.name, which minifiers rename.
  override readonly name = 'CsrError';
  readonly code: CsrErrorCode;
  /** The input concerned. Never its value. */
  readonly input: CsrInput;

  constructor(code: CsrErrorCode, message: string, options: { input: CsrInput; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.code = code;
    this.input = options.input;
  }
}

/**
 * Largest PEM accepted for a CSR or certificate, in bytes: 1 MiB, the limit of protocol's v4
 * decoders (`MAX_PEM_LENGTH`) and cert-writer (`MAX_PEM_BYTES`), so a value one accepts is never
 * "too large" for another. A CSR with 500 SANs is about 20 KiB.
 */
export const MAX_PEM_BYTES = 1024 * 1024;
