import { DatabagEditor } from '../databag-editor.js';
import { pyJsonDumps } from '../py-json.js';
import type { Databag, DatabagChanges } from '../types.js';
import { CAPABILITY_FIELDS, hasKind } from './capabilities-fields.js';
import { CAPABILITIES_KEY, CERTIFICATES_KEY, REQUEST_ERRORS_KEY } from './decode-provider-app-data.js';
import { pyStrip } from './py-strip.js';
import type { ProviderCapabilities, ProviderCertificateInput, RequestErrorEntry } from './types.js';

/** Input of {@link encodeProviderAppData}. */
export interface EncodeProviderAppDataInput {
  /** The provider's application databag as published now. Keys other than ours are kept. */
  current?: Databag | undefined;
  /** Every certificate to publish, in order. Replaces the list; `[]` deletes the key. */
  certificates: readonly ProviderCertificateInput[];
  /** Every request error to publish. Undefined leaves the key as is; `[]` deletes it. */
  requestErrors?: readonly RequestErrorEntry[] | undefined;
  /** What the CA supports. Undefined leaves the key as is; `null` deletes it; `{}` advertises nothing. */
  capabilities?: ProviderCapabilities | null | undefined;
}

function text(value: unknown, where: string): string {
  if (typeof value !== 'string') throw new TypeError(`encodeProviderAppData: ${where} must be a string`);
  return value;
}

function pem(value: unknown, where: string): string {
  return pyStrip(text(value, where));
}

function certificateEntry(input: ProviderCertificateInput, i: number): Record<string, unknown> {
  const where = `certificates[${i}]`;
  if (input === null || typeof input !== 'object')
    throw new TypeError(`encodeProviderAppData: ${where} must be an object`);
  // Declaration order of the Python model: ca, certificate_signing_request, certificate, chain, revoked.
  const entry: Record<string, unknown> = {
    ca: pem(input.ca, `${where}.ca`),
    certificate_signing_request: pem(input.certificateSigningRequest, `${where}.certificateSigningRequest`),
    certificate: pem(input.certificate, `${where}.certificate`),
  };
  if (input.chain !== undefined) {
    if (!Array.isArray(input.chain))
      throw new TypeError(`encodeProviderAppData: ${where}.chain must be an array`);
    entry.chain = input.chain.map((item, k) => pem(item, `${where}.chain[${k}]`));
  }
  if (input.revoked !== undefined) {
    if (typeof input.revoked !== 'boolean')
      throw new TypeError(`encodeProviderAppData: ${where}.revoked must be a boolean`);
    entry.revoked = input.revoked;
  }
  return entry;
}

function requestErrorEntry(input: RequestErrorEntry, i: number): Record<string, unknown> {
  const where = `requestErrors[${i}]`;
  if (input === null || typeof input !== 'object')
    throw new TypeError(`encodeProviderAppData: ${where} must be an object`);
  const { error } = input;
  if (error === null || typeof error !== 'object')
    throw new TypeError(`encodeProviderAppData: ${where}.error must be an object`);
  if (typeof error.code !== 'number' || !Number.isInteger(error.code)) {
    throw new TypeError(`encodeProviderAppData: ${where}.error.code must be an integer`);
  }
  const detail: Record<string, unknown> = {
    code: error.code,
    name: text(error.name, `${where}.error.name`),
    message: text(error.message, `${where}.error.message`),
  };
  for (const field of ['reason', 'provider', 'endpoint'] as const) {
    if (error[field] !== undefined) detail[field] = text(error[field], `${where}.error.${field}`);
  }
  return { csr: pem(input.csr, `${where}.csr`), error: detail };
}

function capabilitiesObject(input: ProviderCapabilities): Record<string, unknown> {
  if (input === null || typeof input !== 'object')
    throw new TypeError('encodeProviderAppData: capabilities must be an object or null');
  const out: Record<string, unknown> = {};
  for (const [name, wire, kind] of CAPABILITY_FIELDS) {
    const value = input[name];
    if (value === undefined) continue;
    if (!hasKind(value, kind)) {
      throw new TypeError(
        `encodeProviderAppData: capabilities.${name} must be ${kind === 'string[]' ? 'an array of strings' : `a ${kind}`}`,
      );
    }
    out[wire] = Array.isArray(value) ? value.slice() : value;
  }
  return out;
}

function list(key: string, entries: readonly Record<string, unknown>[], editor: DatabagEditor): void {
  editor.setRaw(key, entries.length === 0 ? '' : pyJsonDumps(entries, { sortKeys: false }));
}

/**
 * Provider side (v4): writes `certificates`, and optionally `request_errors` and `capabilities`,
 * into the provider's application databag with the bytes the Python library writes (`json.dumps`,
 * model declaration order, fields at their default left out, PEMs stripped), and returns the
 * difference to publish. Only these keys change; every other key is kept. PEMs are not parsed
 * here: what you pass is what is published.
 *
 * @throws TypeError for malformed arguments.
 * @example
 * const { set, deleted } = encodeProviderAppData({
 *   current: ourAppDatabag,
 *   certificates: [{ ca, certificateSigningRequest: request.certificateSigningRequest, certificate, chain: [certificate, ca] }],
 * });
 */
export function encodeProviderAppData(input: EncodeProviderAppDataInput): DatabagChanges {
  if (input === null || typeof input !== 'object')
    throw new TypeError('encodeProviderAppData: input must be an object');
  const { current, certificates, requestErrors, capabilities } = input;
  if (!Array.isArray(certificates as unknown))
    throw new TypeError('encodeProviderAppData: certificates must be an array');
  if (requestErrors !== undefined && !Array.isArray(requestErrors as unknown)) {
    throw new TypeError('encodeProviderAppData: requestErrors must be an array');
  }
  const certificateEntries = certificates.map(certificateEntry);
  const errorEntries = requestErrors?.map(requestErrorEntry);
  const capabilitiesEntry =
    capabilities === undefined || capabilities === null ? capabilities : capabilitiesObject(capabilities);
  const editor = new DatabagEditor(current, 'encodeProviderAppData');
  list(CERTIFICATES_KEY, certificateEntries, editor);
  if (errorEntries !== undefined) list(REQUEST_ERRORS_KEY, errorEntries, editor);
  if (capabilitiesEntry !== undefined) {
    editor.setRaw(
      CAPABILITIES_KEY,
      capabilitiesEntry === null ? '' : pyJsonDumps(capabilitiesEntry, { sortKeys: false }),
    );
  }
  return editor.finish();
}
