import type { FlagStore } from '@tls-client/flags';
import type { CertType } from '@tls-client/protocol';
import { certChangedFlag, endpointFlags } from './flag-names.js';
import { certId, type RecordedCertificate, type StoredRequest } from './state.js';

/**
 * How a certificate's files changed:
 * - `'new'`: the first certificate for this request (no files before);
 * - `'renewed'`: a new certificate with the same key;
 * - `'rotated'`: a new certificate with a new key (v4 `rotateKey`/`rotateKeyOnRenewal`, or a legacy
 *   provider that re-issued with a new key);
 * - `'rewritten'`: the same certificate and key, written again (new paths or modes, or files
 *   restored after something else changed them).
 */
export type ChangeKind = 'new' | 'renewed' | 'rotated' | 'rewritten';

/** One certificate whose files changed. */
export interface ChangedCertificate {
  type: CertType;
  commonName: string;
  kind: ChangeKind;
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

/** Flag-store value key of the kinds of the changes not acknowledged yet (certificate id → kind); internal. */
export const CHANGE_KINDS_KEY = 'layer.tls-client.change-kinds';

/**
 * The kind of a change, from the certificate the last committed hook recorded and the one just
 * written. Pure.
 */
export function changeKind(
  previous: Pick<RecordedCertificate, 'fingerprint256' | 'files'> | undefined,
  next: Pick<RecordedCertificate, 'fingerprint256' | 'files'>,
  nextKeySha256: string,
): ChangeKind {
  if (previous === undefined) return 'new';
  if (previous.fingerprint256 === next.fingerprint256) return 'rewritten';
  const previousKey = previous.files.find((f) => f.kind === 'key')?.sha256;
  return previousKey !== undefined && previousKey !== nextKeySha256 ? 'rotated' : 'renewed';
}

/**
 * Two changes of one certificate not acknowledged in between, as one: the workload has not seen
 * the first yet, so a `'new'` certificate stays new, and a rotation is not hidden by a later
 * renewal. Pure.
 */
export function mergeKinds(earlier: ChangeKind | undefined, later: ChangeKind): ChangeKind {
  if (earlier === undefined || earlier === 'rewritten') return later;
  if (earlier === 'new' || later === 'rewritten') return earlier;
  return earlier === 'rotated' || later === 'rotated' ? 'rotated' : 'renewed';
}

/** Builds a {@link Changes}; internal. */
export function makeChanges(certificates: readonly ChangedCertificate[], ca: boolean): Changes {
  return { certificates: certificates.map((c) => ({ ...c })), ca, any: certificates.length > 0 || ca };
}

/** Remembers the kind of a change until it is acknowledged; internal. */
export function recordChangeKind(store: FlagStore, change: ChangedCertificate): void {
  const kinds = store.getValue<Record<string, ChangeKind>>(CHANGE_KINDS_KEY) ?? {};
  const id = certId(change.type, change.commonName);
  // A changed flag already set means an unacknowledged change: merge with it.
  const earlier = store.isSet(certChangedFlag(change.type, change.commonName)) ? kinds[id] : undefined;
  const kind = mergeKinds(earlier, change.kind);
  if (kinds[id] !== kind) store.setValue(CHANGE_KINDS_KEY, { ...kinds, [id]: kind });
}

/** The changes not acknowledged yet, read from the `*.changed` flags; internal. */
export function pendingChanges(
  store: FlagStore,
  endpoint: string,
  requests: readonly StoredRequest[],
): Changes {
  const kinds = store.getValue<Record<string, ChangeKind>>(CHANGE_KINDS_KEY) ?? {};
  const certificates = requests
    .filter((r) => store.isSet(certChangedFlag(r.type, r.commonName)))
    .map((r) => ({
      type: r.type,
      commonName: r.commonName,
      // A flag set by an older layer version has no recorded kind: the files were written again.
      kind: kinds[certId(r.type, r.commonName)] ?? 'rewritten',
    }));
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
  if (store.getValue(CHANGE_KINDS_KEY) !== undefined) store.deleteValue(CHANGE_KINDS_KEY);
}
