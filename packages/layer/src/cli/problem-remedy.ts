/** What the operator can do about provider data the layer rejected, by the problem's code. */
// A Map, so a code such as `constructor` from relation data is just an unknown code.
const REMEDIES: ReadonlyMap<string, string> = new Map(
  Object.entries({
    ERR_CERT_WRITER_KEY_MISMATCH:
      'the provider published a key that does not belong to the certificate: have it re-issue the certificate',
    ERR_CERT_WRITER_INVALID_PEM:
      'the provider published something that is not a PEM certificate: have it re-issue the certificate',
    ERR_CERT_WRITER_INVALID_KEY:
      'the provider published an unusable private key: have it re-issue the certificate',
    ERR_CERT_WRITER_KEY_AS_CERT:
      'the provider published a private key where a certificate belongs: fix the provider charm',
    ERR_CERT_WRITER_TOO_LARGE: 'the provider published an oversized value: fix the provider charm',
    ERR_CERT_WRITER_CHAIN_ORDER: "the provider's chain is out of order: fix the chain it publishes",
    ERR_CERT_WRITER_UNTRUSTED:
      "the certificate does not chain to the provider's CA: check the provider's CA setup (and the relation for tampering)",
    ERR_CERT_WRITER_NOT_YET_VALID:
      'the certificate is not valid yet: check the clocks of the provider and of this machine',
    ERR_CERT_WRITER_EXPIRED: 'the provider published an expired certificate: have it renew the certificate',
    ERR_LAYER_INVALID_CA:
      "the provider's CA is not a usable CA certificate (the previous CA stays trusted): fix the CA it publishes",
    ERR_LAYER_INVALID_CHAIN:
      "the provider's chain is unusable (certificates are written without it): fix the chain it publishes",
    ERR_LAYER_INVALID_CERTIFICATE:
      'the provider published an unusable certificate: have it re-issue the certificate',
    ERR_LAYER_APP_MODE_NEEDS_SECRETS:
      'the application certificate needs Juju secrets (Juju 3.1 or later): upgrade the model, or request unit certificates (requestServerCert) instead',
    ERR_LAYER_REQUEST_REFUSED:
      "the provider refused the request (its code and message say why): change what the charm requests or the provider's policy; 201 is retried by itself",
  }),
);

/** One line telling the operator what to do about a problem with this code. */
export function problemRemedy(code: string): string {
  const known = REMEDIES.get(code);
  if (known !== undefined) return known;
  if (code.startsWith('ERR_PROTOCOL_'))
    return 'the provider published relation data this unit cannot read: check the provider charm (its version and its log)';
  return 'the provider published data this unit cannot use: check the provider charm and its log';
}

// By the provider's `request_errors` code (protocol-v4 §7.1).
const REQUEST_ERROR_REMEDIES: ReadonlyMap<number, string> = new Map([
  [
    101,
    'the provider does not sign IP addresses: have the charm request DNS names only, or allow IP SANs at the provider',
  ],
  [
    102,
    "a DNS name is outside the provider's allowed domains: allow that domain at the provider, or have the charm request names under an allowed one",
  ],
  [
    103,
    'the provider does not sign wildcard names: have the charm request explicit names, or allow wildcards at the provider',
  ],
  [
    201,
    "the provider's CA backend is unavailable: the layer asks again on later hooks; check the provider (juju status, juju debug-log)",
  ],
]);

/**
 * One line telling the operator what to do about a provider's refusal of our request, by the
 * provider's code (101, 102, 103, 201, 999 `OTHER`). Only 201 is retried; the others wait until the
 * request changes, so the remedy says what to change.
 */
export function requestErrorRemedy(code: number): string {
  return (
    REQUEST_ERROR_REMEDIES.get(code) ??
    "the provider refused the request: read its message and the provider's log; the layer asks again only when the request changes (SANs, key rotation)"
  );
}
