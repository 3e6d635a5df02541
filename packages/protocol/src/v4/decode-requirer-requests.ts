import { describeValue, type ProtocolError } from '../errors.js';
import type { Databag } from '../types.js';
import { inspectPem } from './canonical-pem.js';
import { CSR_REQUESTS_KEY } from './encode-csr-requests.js';
import { assertDatabag, isPlainRecord, own, readJsonList, V4Problems, type Where } from './read-json-key.js';

/** One requirer unit databag, as the provider reads it. */
export interface RequirerUnitDatabag {
  relationId: string;
  /** The remote unit, e.g. `app/0`. */
  unit: string;
  data: Databag;
}

/** One requirer application databag, as the provider reads it. */
export interface RequirerAppDatabag {
  relationId: string;
  /** The remote application, e.g. `app`. */
  app: string;
  data: Databag;
}

/** Input of {@link decodeRequirerRequests}. */
export interface DecodeRequirerRequestsInput {
  /** Every remote unit databag of every relation on the endpoint. */
  units: readonly RequirerUnitDatabag[];
  /** Every remote application databag (app-mode requests). */
  apps?: readonly RequirerAppDatabag[] | undefined;
}

/** A CSR a requirer asks the provider to sign. */
export interface RequirerCsrRequest {
  relationId: string;
  /** The unit whose databag held it (unit mode); absent for an app-mode request. */
  unit?: string | undefined;
  /** The application whose databag held it (app mode); absent for a unit-mode request. */
  app?: string | undefined;
  /** The CSR in canonical PEM (re-serialised and stripped, as the Python provider echoes it). */
  certificateSigningRequest: string;
  /** True when a CA certificate is requested. */
  ca: boolean;
  /** The entry's position in its databag's list. */
  index: number;
}

/** The result of {@link decodeRequirerRequests}. */
export interface DecodeRequirerRequestsResult {
  requests: RequirerCsrRequest[];
  /** Every skipped list or entry, with its code, key, index and databag. */
  problems: ProtocolError[];
}

function readRequests(data: Databag, where: Where, into: RequirerCsrRequest[], problems: V4Problems): void {
  const list = readJsonList(data, CSR_REQUESTS_KEY, problems, where);
  if (list === undefined) return;
  for (let index = 0; index < list.length; index++) {
    const entry = list[index];
    if (!isPlainRecord(entry)) {
      problems.add(
        'ERR_PROTOCOL_INVALID_SHAPE',
        CSR_REQUESTS_KEY,
        `must be an object (got ${describeValue(entry)})`,
        where,
        index,
      );
      continue;
    }
    const csr = own(entry, 'certificate_signing_request');
    if (csr === undefined || csr === null) {
      problems.add(
        'ERR_PROTOCOL_MISSING_FIELD',
        CSR_REQUESTS_KEY,
        'has no "certificate_signing_request"',
        where,
        index,
      );
      continue;
    }
    if (typeof csr !== 'string') {
      const what = `"certificate_signing_request" must be a string (got ${describeValue(csr)})`;
      problems.add('ERR_PROTOCOL_INVALID_SHAPE', CSR_REQUESTS_KEY, what, where, index);
      continue;
    }
    // The Python model declares `ca: bool | None` without a default: absent is an error, null is false.
    if (!Object.hasOwn(entry, 'ca')) {
      problems.add('ERR_PROTOCOL_MISSING_FIELD', CSR_REQUESTS_KEY, 'has no "ca"', where, index);
      continue;
    }
    const ca = entry.ca;
    if (ca !== null && typeof ca !== 'boolean') {
      problems.add(
        'ERR_PROTOCOL_INVALID_SHAPE',
        CSR_REQUESTS_KEY,
        `"ca" must be a boolean (got ${describeValue(ca)})`,
        where,
        index,
      );
      continue;
    }
    const inspected = inspectPem(csr, 'csr');
    if (!inspected.ok) {
      problems.add(
        inspected.code,
        CSR_REQUESTS_KEY,
        `"certificate_signing_request" ${inspected.reason}`,
        where,
        index,
      );
      continue;
    }
    const relationId = where.relationId as string;
    const certificateSigningRequest = inspected.pem;
    into.push(
      where.unit !== undefined
        ? { relationId, unit: where.unit, certificateSigningRequest, ca: ca === true, index }
        : { relationId, app: where.app as string, certificateSigningRequest, ca: ca === true, index },
    );
  }
}

function assertSources(list: unknown, name: 'units' | 'apps', field: 'unit' | 'app'): void {
  if (!Array.isArray(list)) throw new TypeError(`decodeRequirerRequests: ${name} must be an array`);
  list.forEach((item: unknown, i) => {
    const where = `decodeRequirerRequests: ${name}[${i}]`;
    if (item === null || typeof item !== 'object') throw new TypeError(`${where} must be an object`);
    const record = item as Record<string, unknown>;
    if (typeof record.relationId !== 'string') throw new TypeError(`${where}.relationId must be a string`);
    if (typeof record[field] !== 'string') throw new TypeError(`${where}.${field} must be a string`);
    assertDatabag(record.data, `${where}.data`);
  });
}

/**
 * Provider side (v4): every CSR that requirer units and applications ask to be signed, in input
 * order. Never throws for bad relation data: a value that is not a JSON list, or an entry with no
 * `ca`, a CSR that is not a string, garbage or a truncated PEM, a certificate where a CSR belongs,
 * or a PEM over `MAX_PEM_LENGTH`, is skipped and reported in `problems` with its key and index.
 * One bad requirer never hides the requests of the others (the Python provider's hook fails for
 * everyone then). Other keys (legacy ones, Juju's) are ignored.
 *
 * @throws TypeError for caller mistakes (`units` not an array of `{ relationId, unit, data }`, …).
 * @example
 * const { requests, problems } = decodeRequirerRequests({ units, apps });
 * for (const r of requests) sign(r.certificateSigningRequest, r.ca);
 */
export function decodeRequirerRequests(input: DecodeRequirerRequestsInput): DecodeRequirerRequestsResult {
  if (input === null || typeof input !== 'object')
    throw new TypeError('decodeRequirerRequests: input must be an object');
  const { units, apps = [] } = input;
  assertSources(units, 'units', 'unit');
  assertSources(apps, 'apps', 'app');
  const problems = new V4Problems();
  const requests: RequirerCsrRequest[] = [];
  for (const { relationId, unit, data } of units)
    readRequests(data, { relationId, unit }, requests, problems);
  for (const { relationId, app, data } of apps) readRequests(data, { relationId, app }, requests, problems);
  return { requests, problems: problems.list };
}
