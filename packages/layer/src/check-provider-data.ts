import type { X509Certificate } from 'node:crypto';
import {
  readCertificateBundle,
  type ValidatedCertificate,
  validateCertificate,
} from '@tls-client/cert-writer';
import {
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
    const result = checkCertificateBundle(view.chain, 'chain');
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
  let validated: ValidatedCertificate;
  try {
    validated = validateCertificate({
      cert: issued.cert,
      key: issued.key,
      chain,
      verifyCa: trust.kind === 'ca' ? trust.pem : undefined,
      allowExpired: true,
      // A chain that does not fit is left out rather than failing the certificate.
      badChain: 'drop',
    });
  } catch (error) {
    problems.push({ code: codeOf(error), ...about, message: `${what} was skipped: ${messageOf(error)}` });
    return undefined;
  }
  if (validated.chainError !== undefined) {
    problems.push({
      code: codeOf(validated.chainError, 'ERR_LAYER_INVALID_CHAIN'),
      key: 'chain',
      commonName: issued.commonName,
      type: issued.type,
      message: `relation key "chain" does not fit the ${issued.type} certificate "${issued.commonName}" (${messageOf(
        validated.chainError,
      )}); it is written without the chain`,
    });
    return { issued, validated, chain: undefined };
  }
  return { issued, validated, chain };
}

function codeOf(error: unknown, fallback: ProblemCode = 'ERR_LAYER_INVALID_CERTIFICATE'): ProblemCode {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('ERR_') ? (code as ProblemCode) : fallback;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : 'invalid';
}

type BundleResult = { ok: true; pem: string; certs: X509Certificate[] } | { ok: false; reason: string };

/** PEM certificates only, each one parseable (cert-writer's one reader); normalised. Never echoes the text. */
export function checkCertificateBundle(text: string, input: 'chain' | 'pem' = 'pem'): BundleResult {
  try {
    const certs = readCertificateBundle(text, { input });
    return { ok: true, pem: joinPem(...certs.map((c) => c.pem)), certs: certs.map((c) => c.x509) };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return { ok: false, reason: `is not a certificate bundle (${String(code)}: ${messageOf(error)})` };
  }
}

/** A certificate bundle in which every certificate is a CA (basicConstraints CA:TRUE). */
export function checkCaBundle(text: string): BundleResult {
  const result = checkCertificateBundle(text);
  if (!result.ok) return result;
  const index = result.certs.findIndex((c) => !c.ca);
  if (index !== -1) {
    return {
      ok: false,
      reason: `holds a certificate that is not a CA (certificate ${index + 1} of ${result.certs.length} has no basicConstraints CA:TRUE)`,
    };
  }
  return result;
}
