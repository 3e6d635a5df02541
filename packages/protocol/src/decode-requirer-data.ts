import type { ProtocolError } from './errors.js';
import { isPlainRecord, type Origin, Problems, readJsonMap, readSans } from './fields.js';
import { parseJsonView } from './py-json.js';
import type { CertRequest, CertType, Databag } from './types.js';
import { mangleUnitName } from './unit-name.js';

/** A request as the provider sees it. */
export interface DecodedRequest extends CertRequest {
  /**
   * True when the answer goes to the raw `<U>.server.cert` / `<U>.server.key` keys: a server request
   * whose common name equals the requirer's raw `common_name` (wherever the request sits).
   */
  topLevel: boolean;
  /** `certificate_name` for the top-level request (absent if unset); the common name for the others, as in Python. */
  certificateName?: string;
  /** The requirer databag key the request came from, e.g. `cert_requests`. */
  sourceKey: string;
}

/** Everything a requirer unit asks for. */
export interface RequirerRequests {
  /** Mangled: from `unit_name` when set, else from the remote unit name. Prefixes every answer key. */
  unitName: string;
  /** In the order the reactive provider enumerates them: top-level, server, client, application, intermediate. */
  requests: DecodedRequest[];
  /** Every value that was skipped, with its code and key. */
  problems: ProtocolError[];
}

/** Options of {@link decodeRequirerData}. */
export interface DecodeRequirerDataOptions {
  /** The relation the databag came from, recorded in problems. */
  relationId?: string;
}

const REQUEST_MAPS: readonly (readonly [key: string, type: CertType, keepNull: boolean])[] = [
  ['cert_requests', 'server', false],
  ['client_cert_requests', 'client', true],
  ['application_cert_requests', 'application', true],
  ['intermediate_cert_requests', 'intermediate', false],
];
const READ_KEYS: readonly string[] = [
  'unit_name',
  'common_name',
  'certificate_name',
  'sans',
  ...REQUEST_MAPS.map(([key]) => key),
];

/**
 * Provider side: decodes every request in a requirer unit's databag, including the legacy top-level
 * server request (`common_name` / `sans` / `certificate_name`) and the `unit_name` the requirer
 * publishes (preferred over the remote unit name, which cross-model relations hide). Never throws for
 * bad relation data: a value that cannot be read is skipped and reported in `problems`.
 *
 * @param remoteUnit The Juju remote unit name, e.g. `kubernetes-control-plane/0`.
 * @throws TypeError when `data` is not an object of strings or `remoteUnit` is not a string.
 * @example
 * const { unitName, requests } = decodeRequirerData(await relationGet('certificates:5', 'kcp/0'), 'kcp/0');
 */
export function decodeRequirerData(
  data: Databag,
  remoteUnit: string,
  options: DecodeRequirerDataOptions = {},
): RequirerRequests {
  if (data === null || typeof data !== 'object')
    throw new TypeError('decodeRequirerData: data must be an object');
  if (typeof remoteUnit !== 'string') throw new TypeError('decodeRequirerData: remoteUnit must be a string');
  const origin: Origin = { relationId: options.relationId, unit: remoteUnit };
  const problems = new Problems();
  // Only the keys of the protocol are read (own properties only, so "__proto__" or "constructor"
  // in the data are plain keys); everything else, Juju's own keys included, is ignored.
  const view: Record<string, string> = Object.create(null);
  for (const key of READ_KEYS) {
    if (!Object.hasOwn(data, key)) continue;
    const value = data[key];
    if (typeof value !== 'string')
      throw new TypeError(`decodeRequirerData: value of ${JSON.stringify(key)} is not a string`);
    view[key] = value;
  }

  const unitName = mangleUnitName(view.unit_name || remoteUnit);
  const requests: DecodedRequest[] = [];
  const topCommonName = view.common_name;

  if (topCommonName) {
    const sans = readSans(parseJsonView(view.sans), 'sans', problems, origin, topCommonName, view.sans);
    if (sans !== 'invalid') {
      const request: DecodedRequest = {
        type: 'server',
        commonName: topCommonName,
        sans: sans ?? [],
        topLevel: true,
        sourceKey: 'common_name',
      };
      if (view.certificate_name) request.certificateName = view.certificate_name;
      requests.push(request);
    }
  }

  for (const [key, type, keepNull] of REQUEST_MAPS) {
    const map = readJsonMap(view, key, problems, origin, 'mapping common names to {"sans": [...]}');
    if (map === undefined) continue;
    for (const commonName of Object.keys(map)) {
      const entry = map[commonName];
      if (commonName === '') {
        problems.add(
          'ERR_PROTOCOL_INVALID_SHAPE',
          key,
          'has an entry with an empty common name',
          origin,
          commonName,
        );
        continue;
      }
      if (!isPlainRecord(entry)) {
        problems.add(
          'ERR_PROTOCOL_INVALID_SHAPE',
          key,
          'must map the common name to {"sans": [...]}',
          origin,
          commonName,
        );
        continue;
      }
      if (!Object.hasOwn(entry, 'sans')) {
        problems.add('ERR_PROTOCOL_MISSING_FIELD', key, 'has no "sans"', origin, commonName);
        continue;
      }
      const sans = readSans(entry.sans, key, problems, origin, commonName);
      if (sans === 'invalid') continue;
      requests.push({
        type,
        commonName,
        sans: sans ?? (keepNull ? null : []),
        topLevel: type === 'server' && commonName === topCommonName,
        certificateName: commonName,
        sourceKey: key,
      });
    }
  }
  return { unitName, requests, problems: problems.list };
}
