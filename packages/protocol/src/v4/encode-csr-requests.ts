import { DatabagEditor } from '../databag-editor.js';
import { pyJsonDumps } from '../py-json.js';
import type { Databag, DatabagChanges } from '../types.js';
import { inspectPem } from './canonical-pem.js';
import { pyStrip } from './py-strip.js';
import type { CsrRequestEntry } from './types.js';

/** The requirer's v4 key, in its unit databag (unit mode) or its app databag (app mode). */
export const CSR_REQUESTS_KEY = 'certificate_signing_requests';

/** Input of {@link encodeCsrRequests}. */
export interface EncodeCsrRequestsInput {
  /** The databag as published now (ours: unit or app). Keys other than ours are kept. */
  current?: Databag | undefined;
  /** Every CSR we want answered, in order. This replaces the list; `[]` deletes the key. */
  requests: readonly CsrRequestEntry[];
}

/**
 * Requirer side (v4): writes `certificate_signing_requests` as the Python library does, byte for
 * byte (`json.dumps` with entries `certificate_signing_request` then `ca`, `ca` always written),
 * and returns the difference to publish. Only that key changes: unlike the Python library, which
 * empties the databag first, every other key is kept. Each CSR is written stripped; an empty
 * list deletes the key.
 *
 * @throws TypeError for caller mistakes: a request that is not `{ certificateSigningRequest, ca }`,
 *   a CSR that is not one well-formed PEM CSR (it would make the Python provider's hook fail for
 *   every requirer), or the same CSR twice.
 * @example
 * const { set, deleted, changed } = encodeCsrRequests({ current: ours, requests: [{ certificateSigningRequest: csr, ca: false }] });
 */
export function encodeCsrRequests(input: EncodeCsrRequestsInput): DatabagChanges {
  if (input === null || typeof input !== 'object')
    throw new TypeError('encodeCsrRequests: input must be an object');
  const { current, requests } = input;
  if (!Array.isArray(requests as unknown))
    throw new TypeError('encodeCsrRequests: requests must be an array');
  const seen = new Set<string>();
  const entries = requests.map((request, i) => {
    const where = `encodeCsrRequests: requests[${i}]`;
    if (request === null || typeof request !== 'object') throw new TypeError(`${where} must be an object`);
    const { certificateSigningRequest: csr, ca } = request;
    if (typeof csr !== 'string') throw new TypeError(`${where}.certificateSigningRequest must be a string`);
    if (typeof ca !== 'boolean') throw new TypeError(`${where}.ca must be a boolean`);
    const inspected = inspectPem(csr, 'csr');
    if (!inspected.ok) throw new TypeError(`${where}.certificateSigningRequest ${inspected.reason}`);
    if (seen.has(inspected.pem))
      throw new TypeError(`${where}.certificateSigningRequest repeats an earlier CSR`);
    seen.add(inspected.pem);
    return { certificate_signing_request: pyStrip(csr), ca };
  });
  const editor = new DatabagEditor(current, 'encodeCsrRequests');
  editor.setRaw(CSR_REQUESTS_KEY, entries.length === 0 ? '' : pyJsonDumps(entries, { sortKeys: false }));
  return editor.finish();
}
