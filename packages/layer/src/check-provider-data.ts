import { X509Certificate } from 'node:crypto';
import { type ValidatedCertificate, validateCertificate } from '@tls-client/cert-writer';
import {
  extractPemBlocks,
  type IssuedCertificate,
  joinPem,
  mangleUnitName,
  type ProviderUnitData,
  type ProviderView,
} from '@tls-client/protocol';
import type { ProblemCode } from './errors.js';

/** A problem before it is classified as requested or not; internal. */
export interface RawProblem {
  code: ProblemCode;
  message: string;
  key?: string | undefined;
  commonName?: string | undefined;
  type?: IssuedCertificate['type'] | undefined;
}

/** One issued certificate that passed every check, ready to write. */
export interface Checked {
  issued: IssuedCertificate;
  validated: ValidatedCertificate;
  /** The chain to write after the leaf; undefined when none is published or it does not fit. */
  chain: string | undefined;
}

/** What the provider published, each value validated; what failed is left out. */
export interface CheckedView {
  ca: string | undefined;
  chain: string | undefined;
  server: Checked[];
  client: Checked[];
  intermediate: Checked[];
  application: Checked | undefined;
  globalClient: Checked | undefined;
  /**
   * Whether the provider published per-unit client answers for this unit at all, readable or not.
   * The global `client.cert` fallback runs only when this is false.
   */
  clientPublished: boolean;
}

/** Input of {@link checkProviderData}. */
export interface CheckProviderDataInput {
  /** Our unit, e.g. `app/0`. */
  unitName: string;
  /** The decoded view (its `problems` are the decoder's). */
  view: ProviderView;
  /** The remote units' raw databags the view was decoded from. */
  units: readonly ProviderUnitData[];
  /** Verify leaf → chain → `ca` for every certificate (default behaviour; see `verifyChain`). */
  verifyChain: boolean;
}

/**
 * Validates everything the provider published, before anything is written: the CA (PEM
 * certificates, each a CA), the chain, and each issued certificate once (PEM, key match, chain
 * order, and, unless `verifyChain` is false, a signature path from the leaf through the chain to
 * the published CA). Pure: no I/O.
 */
export function checkProviderData(input: CheckProviderDataInput): {
  checked: CheckedView;
  problems: RawProblem[];
} {
  const { view } = input;
  const problems: RawProblem[] = view.problems.map((p) => ({
    code: p.code,
    message: p.message,
    key: p.key,
    commonName: p.commonName,
  }));
  let ca: string | undefined;
  let caInvalid = false;
  if (view.ca !== undefined && view.ca !== '') {
    const result = checkCaBundle(view.ca);
    if (result.ok) ca = result.pem;
    else {
      caInvalid = true;
      problems.push({
        code: 'ERR_LAYER_INVALID_CA',
        key: 'ca',
        message: `relation key "ca" ${result.reason}; the CA already installed is kept`,
      });
    }
  }
  let chain: string | undefined;
  if (view.chain !== undefined && view.chain !== '') {
    const result = checkCertificateBundle(view.chain);
    if (result.ok) chain = result.pem;
    else {
      problems.push({
        code: 'ERR_LAYER_INVALID_CHAIN',
        key: 'chain',
        message: `relation key "chain" ${result.reason}; certificates are written without it`,
      });
    }
  }
  const trust: Trust = !input.verifyChain
    ? { kind: 'off' }
    : caInvalid
      ? { kind: 'unverifiable' }
      : ca === undefined
        ? { kind: 'off' }
        : { kind: 'ca', pem: ca };

  const validate = (issued: IssuedCertificate): Checked | undefined =>
    validateIssued(issued, chain, trust, problems);
  const pick = (list: readonly IssuedCertificate[]): Checked[] =>
    list.map(validate).filter((c): c is Checked => c !== undefined);

  const globalClient =
    view.globalClient === undefined
      ? undefined
      : validate({ type: 'client', commonName: '(global)', sourceKey: 'client.cert', ...view.globalClient });
  // Published at all, readable or not (garbage, a list, a number, an entry without cert or key):
  // only an absent or empty value lets the global fallback run.
  const clientKey = `${mangleUnitName(input.unitName)}.processed_client_requests`;
  const clientPublished =
    view.client.length > 0 || input.units.some((u) => (u.data[clientKey] ?? '').trim() !== '');
  return {
    checked: {
      ca,
      chain,
      server: pick(view.server),
      client: pick(view.client),
      intermediate: pick(view.intermediate),
      application: view.application === undefined ? undefined : validate(view.application),
      globalClient,
      clientPublished,
    },
    problems,
  };
}

type Trust = { kind: 'off' } | { kind: 'unverifiable' } | { kind: 'ca'; pem: string };

/**
 * Validates one issued certificate, once. A chain that does not fit the leaf becomes a problem and
 * the certificate is validated (and written) without it; any other failure skips the certificate.
 */
function validateIssued(
  issued: IssuedCertificate,
  chain: string | undefined,
  trust: Trust,
  problems: RawProblem[],
): Checked | undefined {
  const what = `the ${issued.type} certificate "${issued.commonName}" from relation key "${issued.sourceKey}"`;
  const about = { key: issued.sourceKey, commonName: issued.commonName, type: issued.type };
  if (trust.kind === 'unverifiable') {
    problems.push({
      code: 'ERR_CERT_WRITER_UNTRUSTED',
      ...about,
      message: `${what} was skipped: it cannot be verified, because relation key "ca" is not a valid CA`,
    });
    return undefined;
  }
  const verifyCa = trust.kind === 'ca' ? trust.pem : undefined;
  const attempt = (withChain: string | undefined): ValidatedCertificate =>
    validateCertificate({
      cert: issued.cert,
      key: issued.key,
      ...(withChain === undefined ? {} : { chain: withChain }),
      ...(verifyCa === undefined ? {} : { verifyCa }),
      allowExpired: true,
    });
  try {
    return { issued, validated: attempt(chain), chain };
  } catch (error) {
    if (chain !== undefined && (error as { key?: unknown }).key === 'chain') {
      problems.push({
        code: codeOf(error, 'ERR_LAYER_INVALID_CHAIN'),
        key: 'chain',
        commonName: issued.commonName,
        type: issued.type,
        message: `relation key "chain" does not fit the ${issued.type} certificate "${issued.commonName}" (${messageOf(
          error,
        )}); it is written without the chain`,
      });
      try {
        return { issued, validated: attempt(undefined), chain: undefined };
      } catch (retryError) {
        problems.push({
          code: codeOf(retryError),
          ...about,
          message: `${what} was skipped: ${messageOf(retryError)}`,
        });
        return undefined;
      }
    }
    problems.push({ code: codeOf(error), ...about, message: `${what} was skipped: ${messageOf(error)}` });
    return undefined;
  }
}

function codeOf(error: unknown, fallback: ProblemCode = 'ERR_LAYER_INVALID_CERTIFICATE'): ProblemCode {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('ERR_') ? (code as ProblemCode) : fallback;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : 'invalid';
}

type BundleResult = { ok: true; pem: string; certs: X509Certificate[] } | { ok: false; reason: string };

/** PEM certificates only, each one parseable; normalised. Never echoes the text. */
export function checkCertificateBundle(text: string): BundleResult {
  const all = extractPemBlocks(text);
  if (all.some((b) => b.kind === 'private-key')) {
    return { ok: false, reason: 'holds a private key where only certificates belong' };
  }
  const blocks = all.filter((b) => b.kind === 'certificate');
  if (blocks.length === 0) {
    return { ok: false, reason: `must hold a PEM certificate (got ${text.length} bytes without one)` };
  }
  const certs: X509Certificate[] = [];
  for (const [i, block] of blocks.entries()) {
    try {
      certs.push(new X509Certificate(block.pem));
    } catch {
      return {
        ok: false,
        reason: `holds a PEM certificate that does not parse (block ${i + 1} of ${blocks.length})`,
      };
    }
  }
  return { ok: true, pem: joinPem(...blocks.map((b) => b.pem)), certs };
}

/** A certificate bundle in which every certificate is a CA (basicConstraints CA:TRUE). */
export function checkCaBundle(text: string): BundleResult {
  const result = checkCertificateBundle(text);
  if (!result.ok) return result;
  const index = result.certs.findIndex((c) => !c.ca);
  if (index !== -1) {
    return {
      ok: false,
      reason: `holds a certificate that is not a CA (block ${index + 1} of ${result.certs.length} has no basicConstraints CA:TRUE)`,
    };
  }
  return result;
}
