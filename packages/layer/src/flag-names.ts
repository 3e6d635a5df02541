import type { CertType } from '@tls-client/protocol';

/** The layer's own flags, named exactly as in the original reactive layer. */
export const TLS_CLIENT_FLAGS = {
  caSaved: 'tls_client.ca.saved',
  caWritten: 'tls_client.ca.written',
  caInstalled: 'tls_client.ca_installed',
  certsSaved: 'tls_client.certs.saved',
  /**
   * Any requested certificate's files changed on disk: **the flag to reload on** (with
   * `endpointFlags(ep).caChanged` for the CA), or use `tls.whenChanged`.
   */
  certFilesChanged: 'tls_client.certs.changed',
  /** A server certificate's files changed on disk. */
  serverCertFilesChanged: 'tls_client.server.certs.changed',
  /** A client certificate's files changed on disk. */
  clientCertFilesChanged: 'tls_client.client.certs.changed',
  /** Extension (no original equivalent): an application certificate's files changed on disk. */
  applicationCertFilesChanged: 'tls_client.application.certs.changed',
  /** Extension (no original equivalent): an intermediate CA certificate's files changed on disk. */
  intermediateCertFilesChanged: 'tls_client.intermediate.certs.changed',
  /** @deprecated Use `certFilesChanged` (same flag; not `endpointFlags(ep).certsChanged`). */
  certsChanged: 'tls_client.certs.changed',
  /** @deprecated Use `serverCertFilesChanged`. */
  serverCertsChanged: 'tls_client.server.certs.changed',
  /** @deprecated Use `clientCertFilesChanged`. */
  clientCertsChanged: 'tls_client.client.certs.changed',
  /** @deprecated Use `applicationCertFilesChanged`. */
  applicationCertsChanged: 'tls_client.application.certs.changed',
  /** @deprecated Use `intermediateCertFilesChanged`. */
  intermediateCertsChanged: 'tls_client.intermediate.certs.changed',
  /** @deprecated Single server certificate of the `serverCertificatePath` option. */
  serverCertificateSaved: 'tls_client.server.certificate.saved',
  /** @deprecated */
  serverCertificateWritten: 'tls_client.server.certificate.written',
  /** @deprecated */
  serverKeySaved: 'tls_client.server.key.saved',
  /** @deprecated Global client certificate of the `clientCertificatePath` option. */
  clientCertificateSaved: 'tls_client.client.certificate.saved',
  /** @deprecated */
  clientCertificateWritten: 'tls_client.client.certificate.written',
  /** @deprecated */
  clientKeySaved: 'tls_client.client.key.saved',
} as const;

/** The flags `upgrade-charm` clears, as the original's `remove_states` did. */
export const SAVED_FLAGS_CLEARED_ON_UPGRADE: readonly string[] = [
  TLS_CLIENT_FLAGS.caSaved,
  TLS_CLIENT_FLAGS.serverCertificateSaved,
  TLS_CLIENT_FLAGS.serverKeySaved,
  TLS_CLIENT_FLAGS.clientCertificateSaved,
  TLS_CLIENT_FLAGS.clientKeySaved,
];

/** The flags relation-broken clears (W11): availability, saved and written state. */
export const FLAGS_CLEARED_ON_BROKEN: readonly string[] = [
  TLS_CLIENT_FLAGS.caSaved,
  TLS_CLIENT_FLAGS.caWritten,
  TLS_CLIENT_FLAGS.caInstalled,
  TLS_CLIENT_FLAGS.certsSaved,
  TLS_CLIENT_FLAGS.serverCertificateSaved,
  TLS_CLIENT_FLAGS.serverCertificateWritten,
  TLS_CLIENT_FLAGS.serverKeySaved,
  TLS_CLIENT_FLAGS.clientCertificateSaved,
  TLS_CLIENT_FLAGS.clientCertificateWritten,
  TLS_CLIENT_FLAGS.clientKeySaved,
];

/** `tls_client.<type>.cert.<cn>.changed`; the common name is embedded verbatim, as in the original. */
export function certChangedFlag(type: CertType, commonName: string): string {
  return `tls_client.${type}.cert.${commonName}.changed`;
}

/** `tls_client.<type>.certs.changed` for a certificate type. */
export function certsChangedFlag(type: CertType): string {
  return `tls_client.${type}.certs.changed`;
}

/**
 * The interface's endpoint flags (legacy-protocol.md §5) for an endpoint name. They follow the
 * provider's published data (`*.changed`: the data changed), not the files on disk: for "the files
 * changed", see `TLS_CLIENT_FLAGS.certFilesChanged`.
 */
export function endpointFlags(endpoint: string) {
  return {
    available: `${endpoint}.available`,
    caAvailable: `${endpoint}.ca.available`,
    caChanged: `${endpoint}.ca.changed`,
    certsAvailable: `${endpoint}.certs.available`,
    certsChanged: `${endpoint}.certs.changed`,
    serverCertsAvailable: `${endpoint}.server.certs.available`,
    serverCertsChanged: `${endpoint}.server.certs.changed`,
    clientCertsAvailable: `${endpoint}.client.certs.available`,
    clientCertsChanged: `${endpoint}.client.certs.changed`,
    intermediateCertsAvailable: `${endpoint}.intermediate.certs.available`,
    intermediateCertsChanged: `${endpoint}.intermediate.certs.changed`,
    /** @deprecated */
    serverCertAvailable: `${endpoint}.server.cert.available`,
    /** @deprecated Set only when the provider publishes a global client certificate and key. */
    clientCertAvailable: `${endpoint}.client.cert.available`,
    /** @deprecated */
    batchCertAvailable: `${endpoint}.batch.cert.available`,
  } as const;
}
