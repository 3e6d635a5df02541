import {
  type CertRequest,
  decodeProviderData,
  encodeRequirerData,
  type ProviderUnitData,
} from '@tls-client/protocol';
import { type CheckedView, checkProviderData, type RawProblem } from './check-provider-data.js';
import type { RecordedCertificate, StoredRequest } from './state.js';

/**
 * One dialect of the `tls-certificates` relation, as the hook sees it. Every method is a pure
 * decision; the hook does the I/O (relation reads and writes, files, trust store, flags). The legacy
 * dialect is the only one today; the v4 dialect will implement the same interface.
 */
export interface Dialect {
  readonly name: 'legacy';
  /** Which keys of our databag to set and delete so that it publishes these requests (diff only). */
  requestChanges(input: {
    unitName: string;
    requests: readonly StoredRequest[];
    published: Readonly<Record<string, string>>;
  }): { set: Record<string, string>; deleted: string[] } | undefined;
  /** Which of the provider's answers are ours and valid (validated before anything is written). */
  answers(input: {
    unitName: string;
    units: readonly ProviderUnitData[];
    published: Readonly<Record<string, string>>;
    verifyChain: boolean;
  }): { checked: CheckedView; problems: RawProblem[] };
  /** The certificates this unit must renew itself (a new request), given what it holds. */
  dueForRenewal(input: { certificates: readonly RecordedCertificate[]; now: Date }): RecordedCertificate[];
}

/** The legacy (reactive) dialect: the provider generates keys and re-issues on its own. */
export const legacyDialect: Dialect = {
  name: 'legacy',
  requestChanges({ unitName, requests, published }) {
    const wire = requests.map((r): CertRequest => ({ type: r.type, commonName: r.commonName, sans: r.sans }));
    const changes = encodeRequirerData({ unitName, requests: wire, current: published });
    return changes.changed ? { set: { ...changes.set }, deleted: [...changes.deleted] } : undefined;
  },
  answers({ unitName, units, published, verifyChain }) {
    const view = decodeProviderData({ unitName, units, published });
    return checkProviderData({ unitName, view, units, verifyChain });
  },
  // The legacy requirer cannot ask for a renewal: the provider re-issues when it decides to.
  dueForRenewal: () => [],
};
