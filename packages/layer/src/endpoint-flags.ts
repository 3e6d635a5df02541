import type { FlagStore } from '@tls-client/flags';
import type { IssuedCertificate } from '@tls-client/protocol';
import type { CheckedView } from './check-provider-data.js';
import { endpointFlags } from './flag-names.js';

/** The certificate dict the original hashed for `<endpoint>.servers` and friends. */
function certificateRecord(c: IssuedCertificate): Record<string, string> {
  return { cert: c.cert, cert_type: c.type, common_name: c.commonName, key: c.key };
}

/**
 * Sets the interface's endpoint flags (legacy-protocol.md §5) from the validated view: `*.available`
 * follow the data (counting only what validated), `*.changed` are set when the data changed and
 * stay set until the charm clears them. Returns whether the CA changed.
 */
export function updateEndpointFlags(
  store: FlagStore,
  endpoint: string,
  view: CheckedView,
): { caChanged: boolean } {
  const ep = endpointFlags(endpoint);
  store.set(ep.available);
  store.toggle(ep.caAvailable, view.ca !== undefined);
  const caChanged = view.ca !== undefined && store.dataChanged(`${endpoint}.ca`, view.ca);
  if (caChanged) store.set(ep.caChanged);
  const lists = [
    [view.server, ep.serverCertsAvailable, ep.serverCertsChanged, `${endpoint}.servers`],
    [view.client, ep.clientCertsAvailable, ep.clientCertsChanged, `${endpoint}.clients`],
    [
      view.intermediate,
      ep.intermediateCertsAvailable,
      ep.intermediateCertsChanged,
      `${endpoint}.intermediates`,
    ],
  ] as const;
  let anyAvailable = false;
  let anyChanged = false;
  for (const [certs, available, changed, hashId] of lists) {
    store.toggle(available, certs.length > 0);
    anyAvailable ||= certs.length > 0;
    if (
      certs.length > 0 &&
      store.dataChanged(
        hashId,
        certs.map((c) => certificateRecord(c.issued)),
      )
    ) {
      store.set(changed);
      anyChanged = true;
    }
  }
  store.toggle(ep.certsAvailable, anyAvailable);
  if (anyChanged) store.set(ep.certsChanged);
  store.toggle(ep.serverCertAvailable, view.server.length > 0);
  store.toggle(ep.batchCertAvailable, view.server.length > 0);
  // Fixes the original's defect: set only when a global client certificate really exists.
  store.toggle(ep.clientCertAvailable, view.globalClient !== undefined);
  return { caChanged };
}

/** Clears every endpoint flag (no remote unit left). */
export function clearEndpointFlags(store: FlagStore, endpoint: string): void {
  for (const flag of Object.values(endpointFlags(endpoint))) store.clear(flag);
}
