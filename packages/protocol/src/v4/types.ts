/** One entry of a requirer's `certificate_signing_requests` list (v4). */
export interface CsrRequestEntry {
  /** The PEM CSR (`-----BEGIN CERTIFICATE REQUEST-----`). */
  certificateSigningRequest: string;
  /** True to ask for a CA (intermediate) certificate. */
  ca: boolean;
}

/** One entry of a provider's `certificates` list (v4), as decoded: every PEM in canonical form. */
export interface ProviderCertificateEntry {
  /** The issuing CA. */
  ca: string;
  /** The CSR this answers (as the provider echoed it, re-serialised: compare with `pemEquals`). */
  certificateSigningRequest: string;
  /** The issued certificate. */
  certificate: string;
  /** Leaf to root; `[]` when the provider published none (the v4 model tolerates that). */
  chain: string[];
  /** True once the provider revoked it (e.g. after a CA rotation); absent when not set. */
  revoked?: boolean | undefined;
}

/** A certificate entry to publish: like {@link ProviderCertificateEntry}, `chain` may be left out. */
export interface ProviderCertificateInput {
  ca: string;
  certificateSigningRequest: string;
  certificate: string;
  /** Leaf to root; left out, no `chain` field is written (Python's `chain=None`). */
  chain?: readonly string[] | undefined;
  /** Written when set (`true` or `false`), omitted when undefined, as Python's `exclude_defaults` does. */
  revoked?: boolean | undefined;
}

/** The error object of a {@link RequestErrorEntry}. */
export interface RequestErrorDetail {
  /** 101 IP_NOT_ALLOWED, 102 DOMAIN_NOT_ALLOWED, 103 WILDCARD_NOT_ALLOWED, 201 SERVER_NOT_AVAILABLE, 999 OTHER. */
  code: number;
  name: string;
  message: string;
  reason?: string | undefined;
  provider?: string | undefined;
  endpoint?: string | undefined;
}

/** One entry of a provider's `request_errors` list: issuance failed for that CSR. */
export interface RequestErrorEntry {
  /** The CSR that failed (PEM). */
  csr: string;
  error: RequestErrorDetail;
}

/**
 * The provider's `capabilities` (best effort). A field left out means "unspecified", never a
 * default; `false` means "advertised as unsupported".
 */
export interface ProviderCapabilities {
  supportsIpSans?: boolean | undefined;
  supportsWildcardDns?: boolean | undefined;
  supportsSubdomain?: boolean | undefined;
  supportsCaCertificates?: boolean | undefined;
  allowedDomains?: string[] | undefined;
  /** A hint such as `acme`, `vault` or `self-signed`. */
  providerType?: string | undefined;
}

/** The request error codes charmlibs 1.10 defines. Others may appear; they are read as numbers. */
export const REQUEST_ERROR_CODES = {
  IP_NOT_ALLOWED: 101,
  DOMAIN_NOT_ALLOWED: 102,
  WILDCARD_NOT_ALLOWED: 103,
  SERVER_NOT_AVAILABLE: 201,
  OTHER: 999,
} as const;
