import type { FlagStore } from '@tls-client/flags';
import type { CertType } from '@tls-client/protocol';
import { certChangedFlag, endpointFlags } from './flag-names.js';
import type { StoredRequest } from './state.js';

/** One certificate whose files changed. */
export interface ChangedCertificate {
  type: CertType;
  commonName: string;
}

/**
 * What changed: the certificates whose files were written with new content (or at new paths) and
 * whether the provider's CA changed. This is the one reload signal: reload the workload when `any`.
 */
export interface Changes {
  certificates: ChangedCertificate[];
  /** The CA changed (new copy and trust-store entry). */
  ca: boolean;
  /** `certificates.length > 0 || ca`. */
  any: boolean;
}

/** Builds a {@link Changes}; internal. */
export function makeChanges(certificates: readonly ChangedCertificate[], ca: boolean): Changes {
  return { certificates: certificates.map((c) => ({ ...c })), ca, any: certificates.length > 0 || ca };
}

/** The changes not acknowledged yet, read from the `*.changed` flags; internal. */
export function pendingChanges(
  store: FlagStore,
  endpoint: string,
  requests: readonly StoredRequest[],
): Changes {
  const certificates = requests
    .filter((r) => store.isSet(certChangedFlag(r.type, r.commonName)))
    .map((r) => ({ type: r.type, commonName: r.commonName }));
  return makeChanges(certificates, store.isSet(endpointFlags(endpoint).caChanged));
}

/**
 * Clears every `*.changed` flag the layer and its endpoint set: `tls_client.*.changed` (per
 * certificate, per type and overall) and `<endpoint>.*.changed`; internal.
 */
export function acknowledgeChanges(store: FlagStore, endpoint: string): void {
  const prefix = `${endpoint}.`;
  for (const flag of store.list()) {
    if (!flag.endsWith('.changed')) continue;
    if (flag.startsWith('tls_client.') || flag.startsWith(prefix)) store.clear(flag);
  }
}
