import { describeValue, type ProtocolError, type ProtocolErrorCode } from '../errors.js';
import type { Databag } from '../types.js';
import { inspectPem } from './canonical-pem.js';
import { CAPABILITY_FIELDS, hasKind } from './capabilities-fields.js';
import {
  assertDatabag,
  isPlainRecord,
  own,
  readJsonKey,
  readJsonList,
  V4Problems,
  type Where,
} from './read-json-key.js';
import type {
  ProviderCapabilities,
  ProviderCertificateEntry,
  RequestErrorDetail,
  RequestErrorEntry,
} from './types.js';

/** The provider's v4 keys, in its application databag. */
export const CERTIFICATES_KEY = 'certificates';
export const REQUEST_ERRORS_KEY = 'request_errors';
export const CAPABILITIES_KEY = 'capabilities';

/** The longest error text (`name`, `message`, …) read from `request_errors`, in characters. */
export const MAX_ERROR_TEXT_LENGTH = 64 * 1024;

/** The result of {@link decodeProviderAppData}. */
export interface DecodeProviderAppDataResult {
  /** Every well-formed `certificates` entry, PEMs canonical, with its position in the list. */
  certificates: (ProviderCertificateEntry & { index: number })[];
  /** Every well-formed `request_errors` entry, the CSR canonical, with its position in the list. */
  requestErrors: (RequestErrorEntry & { index: number })[];
  /** Absent when the provider has not advertised any (defer); fields left out are unspecified. */
  capabilities?: ProviderCapabilities | undefined;
  /** Every skipped key, entry or field, with its code, key and index. */
  problems: ProtocolError[];
}

type Fail = (code: ProtocolErrorCode, what: string) => void;

/** A required PEM field: canonical PEM, or undefined after reporting why not. */
function pemField(
  entry: Record<string, unknown>,
  field: string,
  kind: 'csr' | 'certificate',
  fail: Fail,
): string | undefined {
  const value = own(entry, field);
  if (value === undefined || value === null) {
    fail('ERR_PROTOCOL_MISSING_FIELD', `has no ${JSON.stringify(field)}`);
    return undefined;
  }
  if (typeof value !== 'string') {
    fail(
      'ERR_PROTOCOL_INVALID_SHAPE',
      `${JSON.stringify(field)} must be a string (got ${describeValue(value)})`,
    );
    return undefined;
  }
  const inspected = inspectPem(value, kind);
  if (!inspected.ok) {
    fail(inspected.code, `${JSON.stringify(field)} ${inspected.reason}`);
    return undefined;
  }
  return inspected.pem;
}

function readCertificate(entry: unknown, fail: Fail): ProviderCertificateEntry | undefined {
  if (!isPlainRecord(entry)) {
    fail('ERR_PROTOCOL_INVALID_SHAPE', `must be an object (got ${describeValue(entry)})`);
    return undefined;
  }
  const ca = pemField(entry, 'ca', 'certificate', fail);
  if (ca === undefined) return undefined;
  const certificateSigningRequest = pemField(entry, 'certificate_signing_request', 'csr', fail);
  if (certificateSigningRequest === undefined) return undefined;
  const certificate = pemField(entry, 'certificate', 'certificate', fail);
  if (certificate === undefined) return undefined;
  // The v4 model tolerates a missing (or null) chain; an empty one is read the same way.
  const rawChain = own(entry, 'chain');
  const chain: string[] = [];
  if (rawChain !== undefined && rawChain !== null) {
    if (!Array.isArray(rawChain)) {
      fail(
        'ERR_PROTOCOL_INVALID_SHAPE',
        `"chain" must be a list of PEM certificates (got ${describeValue(rawChain)})`,
      );
      return undefined;
    }
    for (let k = 0; k < rawChain.length; k++) {
      const inspected = inspectPem(rawChain[k], 'certificate');
      if (!inspected.ok) {
        fail(inspected.code, `"chain" item ${k} ${inspected.reason}`);
        return undefined;
      }
      chain.push(inspected.pem);
    }
  }
  const revoked = own(entry, 'revoked');
  if (revoked !== undefined && revoked !== null && typeof revoked !== 'boolean') {
    // Reading a malformed flag as "not revoked" could keep a revoked certificate in use: skip the entry.
    fail('ERR_PROTOCOL_INVALID_SHAPE', `"revoked" must be a boolean (got ${describeValue(revoked)})`);
    return undefined;
  }
  const result: ProviderCertificateEntry = { ca, certificateSigningRequest, certificate, chain };
  if (typeof revoked === 'boolean') result.revoked = revoked;
  return result;
}

function errorText(
  record: Record<string, unknown>,
  field: string,
  required: boolean,
  fail: Fail,
): string | undefined | false {
  const value = own(record, field);
  if (value === undefined || value === null) {
    if (!required) return undefined;
    fail('ERR_PROTOCOL_MISSING_FIELD', `has no "error.${field}"`);
    return false;
  }
  if (typeof value !== 'string') {
    fail('ERR_PROTOCOL_INVALID_SHAPE', `"error.${field}" must be a string (got ${describeValue(value)})`);
    return false;
  }
  if (value.length > MAX_ERROR_TEXT_LENGTH) {
    fail(
      'ERR_PROTOCOL_TOO_LARGE',
      `"error.${field}" is ${value.length} characters, more than ${MAX_ERROR_TEXT_LENGTH}`,
    );
    return false;
  }
  return value;
}

function readRequestError(entry: unknown, fail: Fail): RequestErrorEntry | undefined {
  if (!isPlainRecord(entry)) {
    fail('ERR_PROTOCOL_INVALID_SHAPE', `must be an object (got ${describeValue(entry)})`);
    return undefined;
  }
  const csr = pemField(entry, 'csr', 'csr', fail);
  if (csr === undefined) return undefined;
  const error = own(entry, 'error');
  if (error === undefined || error === null) {
    fail('ERR_PROTOCOL_MISSING_FIELD', 'has no "error"');
    return undefined;
  }
  if (!isPlainRecord(error)) {
    fail('ERR_PROTOCOL_INVALID_SHAPE', `"error" must be an object (got ${describeValue(error)})`);
    return undefined;
  }
  const code = own(error, 'code');
  if (code === undefined || code === null) {
    fail('ERR_PROTOCOL_MISSING_FIELD', 'has no "error.code"');
    return undefined;
  }
  if (typeof code !== 'number' || !Number.isInteger(code)) {
    fail('ERR_PROTOCOL_INVALID_SHAPE', `"error.code" must be an integer (got ${describeValue(code)})`);
    return undefined;
  }
  const name = errorText(error, 'name', true, fail);
  if (name === false || name === undefined) return undefined;
  const message = errorText(error, 'message', true, fail);
  if (message === false || message === undefined) return undefined;
  const detail: RequestErrorDetail = { code, name, message };
  for (const field of ['reason', 'provider', 'endpoint'] as const) {
    const value = errorText(error, field, false, fail);
    if (value === false) return undefined;
    if (value !== undefined) detail[field] = value;
  }
  return { csr, error: detail };
}

function readCapabilities(
  data: Databag,
  problems: V4Problems,
  where: Where,
): ProviderCapabilities | undefined {
  const value = readJsonKey(data, CAPABILITIES_KEY, problems, where);
  if (value === undefined) return undefined;
  if (!isPlainRecord(value)) {
    problems.add(
      'ERR_PROTOCOL_INVALID_SHAPE',
      CAPABILITIES_KEY,
      `must hold a JSON object (got ${describeValue(value)})`,
      where,
    );
    return undefined;
  }
  const capabilities: ProviderCapabilities = {};
  for (const [name, wire, kind] of CAPABILITY_FIELDS) {
    const field = own(value, wire);
    if (field === undefined || field === null) continue;
    if (!hasKind(field, kind)) {
      // One malformed field is "unspecified"; the others still count.
      problems.add(
        'ERR_PROTOCOL_INVALID_SHAPE',
        CAPABILITIES_KEY,
        `field ${JSON.stringify(wire)} must be ${kind === 'string[]' ? 'a list of strings' : `a ${kind}`} (got ${describeValue(field)}); read as unspecified`,
        where,
      );
      continue;
    }
    (capabilities as Record<string, unknown>)[name] =
      kind === 'string[]' ? (field as string[]).slice() : field;
  }
  return capabilities;
}

/**
 * Requirer side (v4): decodes the provider's application databag: `certificates` (a missing or
 * empty `chain` reads as `[]`, `revoked` is read, unknown fields are ignored), `request_errors`
 * and `capabilities`. Every PEM is checked and returned in canonical form. Never throws for bad
 * relation data: unlike the Python library, which then treats the whole databag as "no data", a
 * bad entry is skipped and reported in `problems` with its key and index, and the other entries
 * still count.
 *
 * @throws TypeError when `data` is not an object (a caller mistake).
 * @example
 * const { certificates, requestErrors, problems } = decodeProviderAppData(providerAppDatabag);
 * const ours = certificates.find((c) => pemEquals(c.certificateSigningRequest, sentCsr) && !c.revoked);
 */
export function decodeProviderAppData(data: Databag): DecodeProviderAppDataResult {
  assertDatabag(data, 'decodeProviderAppData: data');
  const problems = new V4Problems();
  const where: Where = {};
  const result: DecodeProviderAppDataResult = {
    certificates: [],
    requestErrors: [],
    problems: problems.list,
  };
  const certificates = readJsonList(data, CERTIFICATES_KEY, problems, where) ?? [];
  for (let index = 0; index < certificates.length; index++) {
    const entry = readCertificate(certificates[index], (code, what) =>
      problems.add(code, CERTIFICATES_KEY, what, where, index),
    );
    if (entry !== undefined) result.certificates.push({ ...entry, index });
  }
  const errors = readJsonList(data, REQUEST_ERRORS_KEY, problems, where) ?? [];
  for (let index = 0; index < errors.length; index++) {
    const entry = readRequestError(errors[index], (code, what) =>
      problems.add(code, REQUEST_ERRORS_KEY, what, where, index),
    );
    if (entry !== undefined) result.requestErrors.push({ ...entry, index });
  }
  const capabilities = readCapabilities(data, problems, where);
  if (capabilities !== undefined) result.capabilities = capabilities;
  return result;
}
