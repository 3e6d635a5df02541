import { createHash, X509Certificate } from 'node:crypto';
import { extractPemBlocks } from '@tls-client/protocol';
import type { RetiringCa } from './state.js';

/**
 * What happens to the trust store when the provider's CA changes: the new CA goes under the
 * application's name, and the CA it replaces stays trusted, under a name of its own, for as long
 * as a certificate we hold is signed by it. Pure: the hook reads the certificates and acts
 * (`write-outputs.ts`).
 */

/** A CA (one certificate or a bundle) as the plan sees it. */
export interface CaIdentity {
  /** sha256 (hex) of its certificates' DER, in order: the same CA in other PEM text has the same id. */
  id: string;
  pem: string;
}

/** The CAs before the change, and what signs the certificates we hold after this hook's writes. */
export interface CaRetirementInput {
  appName: string;
  /** The CA under the application's name before this hook; `undefined` when none is installed. */
  installed: CaIdentity | undefined;
  /** The provider's new CA, when it replaces `installed`; `undefined` when the CA did not change. */
  incoming: CaIdentity | undefined;
  /** The retiring CAs kept by earlier hooks. */
  retiring: readonly RetiringCa[];
  /** Ids of the CAs that sign at least one certificate we hold. */
  signers: ReadonlySet<string>;
}

/** What to do, in this order: `add`, then `install`, then `withdraw` (a held certificate's CA is never untrusted). */
export interface CaRetirementPlan {
  /** CAs to install under their retiring names now (the replaced CA, while it signs something). */
  add: RetiringCa[];
  /** The CA to install under the application's name. */
  install: CaIdentity | undefined;
  /** The retiring CAs after the plan (the state keeps them). */
  keep: RetiringCa[];
  /** Retiring CAs to withdraw from the trust store: they sign nothing we hold any more. */
  withdraw: RetiringCa[];
}

/**
 * The identity of a CA in PEM (every `CERTIFICATE` block); `undefined` when no block parses.
 */
export function caIdentity(pem: string): CaIdentity | undefined {
  const hash = createHash('sha256');
  let count = 0;
  for (const certificate of parseCertificates(pem)) {
    hash.update(certificate.raw);
    count++;
  }
  return count === 0 ? undefined : { id: hash.digest('hex'), pem };
}

/** The trust-store name of a retiring CA: `<app>-retiring-<first 16 hex digits of its id>`. */
export function retiringName(appName: string, id: string): string {
  return `${appName}-retiring-${id.slice(0, 16)}`;
}

/**
 * The ids of the CAs in `cas` that issued at least one certificate in `held` (PEM texts, each a
 * certificate file with any chain in it): the issuer name matches (`checkIssued`) and the
 * signature verifies with the CA's key.
 */
export function signingCaIds(cas: readonly CaIdentity[], held: readonly string[]): Set<string> {
  const certificates = held.flatMap(parseCertificates);
  const signers = new Set<string>();
  for (const ca of cas) {
    const roots = parseCertificates(ca.pem);
    const signs = certificates.some((cert) =>
      roots.some((root) => cert.checkIssued(root) && cert.verify(root.publicKey)),
    );
    if (signs) signers.add(ca.id);
  }
  return signers;
}

/**
 * Decides which CAs the trust store holds after a hook: the incoming CA under the application's
 * name; the CA it replaces under its retiring name while it signs a certificate we hold; every
 * retiring CA that still signs one; and nothing twice.
 *
 * @example
 * planCaRetirement({ appName: 'myapp', installed: oldCa, incoming: newCa, retiring: [], signers: new Set([oldCa.id]) })
 * // → { add: [{ name: 'myapp-retiring-…', … }], install: newCa, keep: [that one], withdraw: [] }
 */
export function planCaRetirement(input: CaRetirementInput): CaRetirementPlan {
  const { appName, installed, incoming, retiring, signers } = input;
  const current = incoming ?? installed;
  const add: RetiringCa[] = [];
  const keep: RetiringCa[] = [];
  const withdraw: RetiringCa[] = [];
  const trusted = new Set<string>(current === undefined ? [] : [current.id]);
  if (incoming !== undefined && installed !== undefined && !trusted.has(installed.id)) {
    if (signers.has(installed.id)) {
      const entry = { name: retiringName(appName, installed.id), id: installed.id, pem: installed.pem };
      if (!retiring.some((r) => r.name === entry.name)) add.push(entry);
      keep.push(entry);
      trusted.add(installed.id);
    }
  }
  for (const entry of retiring) {
    if (keep.some((k) => k.name === entry.name)) continue;
    // Already trusted under another name (the provider went back to it): one copy is enough.
    if (!trusted.has(entry.id) && signers.has(entry.id)) {
      keep.push(entry);
      trusted.add(entry.id);
    } else {
      withdraw.push(entry);
    }
  }
  return { add, install: incoming, keep, withdraw };
}

function parseCertificates(pem: string): X509Certificate[] {
  const out: X509Certificate[] = [];
  for (const block of extractPemBlocks(pem)) {
    if (block.kind !== 'certificate') continue;
    try {
      out.push(new X509Certificate(block.pem));
    } catch {
      // Not a certificate: it signs nothing and is signed by nothing.
    }
  }
  return out;
}
