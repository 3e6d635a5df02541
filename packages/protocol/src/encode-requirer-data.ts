import { DatabagEditor, setOwn } from './databag-editor.js';
import { pyJsonDumps } from './py-json.js';
import type { CertRequest, CertType, Databag, DatabagChanges } from './types.js';
import { mangleUnitName } from './unit-name.js';

/** Input of {@link encodeRequirerData}. */
export interface EncodeRequirerDataInput {
  /** Our unit, e.g. `app/0`; published mangled as `unit_name` (`app_0`). */
  unitName: string;
  /** Requests to add or update (same type and common name: the SANs are replaced). Never removes. */
  requests: readonly CertRequest[];
  /** Our unit databag as published now. */
  current?: Databag;
  /**
   * `certificate_name` of the top-level server request, used only when none is published yet;
   * without it a UUID v4 is generated once (`globalThis.crypto.randomUUID`).
   */
  certificateName?: string;
}

const MAP_KEYS: Record<Exclude<CertType, 'server'>, string> = {
  client: 'client_cert_requests',
  application: 'application_cert_requests',
  intermediate: 'intermediate_cert_requests',
};
const TYPES: readonly string[] = ['server', 'client', 'application', 'intermediate'];

/** Validates a caller's request; throws TypeError, since requests come from our own code. */
export function assertCertRequest(request: unknown, where: string): asserts request is CertRequest {
  if (request === null || typeof request !== 'object') throw new TypeError(`${where} must be an object`);
  const { type, commonName, sans } = request as Record<string, unknown>;
  if (typeof type !== 'string' || !TYPES.includes(type)) {
    throw new TypeError(`${where}.type must be 'server', 'client', 'application' or 'intermediate'`);
  }
  if (typeof commonName !== 'string' || commonName === '') {
    throw new TypeError(`${where}.commonName must be a non-empty string`);
  }
  if (
    sans !== null &&
    sans !== undefined &&
    !(Array.isArray(sans) && sans.every((s) => typeof s === 'string'))
  ) {
    throw new TypeError(`${where}.sans must be an array of strings or null`);
  }
}

function randomUuid(): string {
  const crypto = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (typeof crypto?.randomUUID !== 'function') {
    throw new TypeError(
      'encodeRequirerData: globalThis.crypto.randomUUID is unavailable; pass certificateName',
    );
  }
  return crypto.randomUUID();
}

/**
 * Requirer side: writes this unit's requests into its unit databag exactly as the reactive
 * `tls-certificates` requirer does, and returns the difference to publish. The first server common
 * name goes to the top-level `common_name` / `sans` / `certificate_name` keys (a published
 * `certificate_name` is kept); later server requests go to `cert_requests`; client, application and
 * intermediate requests to their maps. JSON values are Python `json.dumps(sort_keys=True)` bytes.
 * `unit_name` is always published.
 *
 * @throws TypeError for malformed arguments. A published request map that is not a JSON object is
 *   replaced and reported in `problems`.
 * @example
 * const { set, changed } = encodeRequirerData({
 *   unitName: 'app/0',
 *   requests: [{ type: 'server', commonName: 'app.internal', sans: ['10.0.0.5'] }],
 *   current: await relationGet('certificates:5', 'app/0'),
 * });
 * if (changed) await relationSet('certificates:5', set);
 */
export function encodeRequirerData(input: EncodeRequirerDataInput): DatabagChanges {
  if (input === null || typeof input !== 'object')
    throw new TypeError('encodeRequirerData: input must be an object');
  const { unitName, requests, current, certificateName } = input;
  if (typeof unitName !== 'string' || unitName === '') {
    throw new TypeError('encodeRequirerData: unitName must be a non-empty string');
  }
  if (!Array.isArray(requests as unknown))
    throw new TypeError('encodeRequirerData: requests must be an array');
  if (certificateName !== undefined && typeof certificateName !== 'string') {
    throw new TypeError('encodeRequirerData: certificateName must be a string');
  }
  requests.forEach((request, i) => {
    assertCertRequest(request, `encodeRequirerData: requests[${i}]`);
  });

  const editor = new DatabagEditor(current, 'encodeRequirerData');
  editor.setRaw('unit_name', mangleUnitName(unitName));
  for (const { type, commonName, sans } of requests) {
    if (type === 'server') {
      const stored = editor.get('common_name');
      if (stored === undefined || stored === commonName) {
        editor.setRaw('common_name', commonName);
        editor.setRaw('sans', pyJsonDumps(sans ?? []));
        if (editor.get('certificate_name') === undefined) {
          editor.setRaw('certificate_name', certificateName || randomUuid());
        }
      } else {
        setOwn(editor.map('cert_requests'), commonName, { sans: sans ?? [] });
      }
      continue;
    }
    // Intermediate requests replace null SANs with [] as the reactive requirer does; client and
    // application requests keep null (`{"sans": null}` on the wire).
    setOwn(editor.map(MAP_KEYS[type]), commonName, {
      sans: type === 'intermediate' ? (sans ?? []) : (sans ?? null),
    });
  }
  return editor.finish();
}
